"""Where a verified caller's application stands, in values the prompts can format."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from ivr.store.models.calls import Application, Client
from ivr.services.action_types import ActionContext, ActionResult, talks_only_to_the_database
from ivr.services.verification import NotVerified, require

__all__ = ["NotVerified", "lookup", "verified_client"]


def verified_client(ctx: ActionContext, action_name: str = "status.lookup", lock: bool = False) -> Client:
    """The caller's client, if the call reached the level flows/verification.yaml asks for this action;
    `lock`: its row locked until the transaction ends, in the same read (`verification.require`)."""
    return require(ctx, action_name, lock)


_NEWEST = (select(Application).where(Application.client_id == bindparam("client_id"))
           .order_by(Application.received.desc()).limit(1))  # built once


@talks_only_to_the_database
def lookup(ctx: ActionContext) -> ActionResult:
    client = verified_client(ctx)
    application = ctx.session.scalar(_NEWEST, {"client_id": client.id})
    if application is None:
        return ActionResult("none", {"benefit": None})
    values = {
        "benefit": application.benefit,
        "received": _iso(application.received),
        "decided": _iso(application.decided),
        "expected": _iso(application.expected),
        "waiting_for": application.waiting_for,
        "amount": str(application.first_payment_amount) if application.first_payment_amount is not None else None,
        "payment_date": _iso(application.first_payment_date),
    }
    return ActionResult(application.status, values)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None
