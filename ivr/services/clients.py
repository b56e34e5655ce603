"""Verifying a caller: client number and date of birth, never caller ID alone."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Client
from .actions import ActionContext, ActionResult, action

MAX_FAILURES = 3


def find_client(session: Session, client_number: str) -> Client | None:
    return session.scalar(select(Client).where(Client.client_number == client_number))


@action("client.verify")
def verify(ctx: ActionContext) -> ActionResult:
    """Check the client number with the date of birth; after three misses, stop trying."""
    number = str(ctx.vars.get("client_number") or "")
    born = str(ctx.vars.get("birth_date") or "")
    client = find_client(ctx.session, number) if number else None
    matched = client is not None and born and client.birth_date == date.fromisoformat(born)
    if matched:
        ctx.call.client_id = client.id
        ctx.call.verified = True
        ctx.call.verified_by = "client_number+birth_date"
        return ActionResult("verified", {"birth_date": None, "verified": True, "verify_failures": None})
    failures = int(ctx.vars.get("verify_failures") or 0) + 1
    if client is not None:
        ctx.call.client_id = client.id  # known file, not verified: the agent sees who it may be
    # The birth date is never kept once checked; what was wrong is never said.
    outcome = "failed" if failures >= MAX_FAILURES else "retry"
    return ActionResult(outcome, {"birth_date": None, "verify_failures": failures})
