"""Address and phone changes made by phone: stored as requests, the old value kept."""

from __future__ import annotations

import hashlib

from sqlalchemy import bindparam, select

from ..engine.understand import province_of
from ..models import ChangeRequest
from .actions import ActionContext, ActionResult, action
from .changes import hold
from .status import verified_client


def confirmation_number(call_sid: str, kind: str) -> str:
    """Eight digits derived from the call, so a repeated request gets the same number."""
    digest = hashlib.sha256(f"{call_sid}:{kind}".encode()).hexdigest()
    return str(int(digest[:12], 16) % 90_000_000 + 10_000_000)


_OF_CALL = select(ChangeRequest).where(ChangeRequest.call_sid == bindparam("call_sid"),
                                      ChangeRequest.kind == bindparam("kind"))  # built once


def _existing(ctx: ActionContext, kind: str) -> ChangeRequest | None:
    return ctx.session.scalar(_OF_CALL, {"call_sid": ctx.call.call_sid, "kind": kind})


@action("address.submit", database_only=True)
def submit_address(ctx: ActionContext) -> ActionResult:
    client = verified_client(ctx, "address.submit")
    existing = _existing(ctx, "address")
    if existing is not None:  # the same call confirming twice makes one request
        return ActionResult("ok", {"confirmation": existing.confirmation})
    postal = str(ctx.vars["postal_code"])
    new = {
        "civic_number": str(ctx.vars["civic_number"]),
        "street": str(ctx.vars["street"]),
        "apartment": str(ctx.vars.get("apartment") or "") or None,
        "city": str(ctx.vars["city"]),
        "province": province_of(postal),
        "postal_code": postal,
    }
    request = ChangeRequest(
        client_id=client.id,
        kind="address",
        confirmation=confirmation_number(ctx.call.call_sid, "address"),
        old_value=client.address(),
        new_value=new,
        status="pending",
        call_sid=ctx.call.call_sid,
    )
    ctx.session.add(request)
    ctx.session.flush()
    hold(ctx.session, request, client, ctx.call, ctx.now)
    return ActionResult("ok", {"confirmation": request.confirmation})


@action("phone.update", database_only=True)
def update_phone(ctx: ActionContext) -> ActionResult:
    client = verified_client(ctx, "phone.update")
    existing = _existing(ctx, "phone")
    if existing is None:
        new_phone = str(ctx.vars["new_phone"])
        request = ChangeRequest(
            client_id=client.id,
            kind="phone",
            confirmation=confirmation_number(ctx.call.call_sid, "phone"),
            old_value={"phone": client.phone},
            new_value={"phone": new_phone},
            status="pending",
            call_sid=ctx.call.call_sid,
        )
        ctx.session.add(request)
        ctx.session.flush()
        hold(ctx.session, request, client, ctx.call, ctx.now)
    return ActionResult("ok")
