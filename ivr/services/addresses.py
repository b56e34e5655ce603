"""Address and phone changes made by phone: stored as requests, the old value kept."""

from __future__ import annotations

import hashlib
import unicodedata

from sqlalchemy import bindparam, select

from ..engine.phones import same_number
from ..engine.understand import province_of
from ..models import ChangeRequest
from .actions import ActionContext, ActionResult, action
from .changes import effective_day, hold
from .status import verified_client


def confirmation_number(call_sid: str, kind: str) -> str:
    """Eight digits derived from the call, so a repeated request gets the same number."""
    digest = hashlib.sha256(f"{call_sid}:{kind}".encode()).hexdigest()
    return str(int(digest[:12], 16) % 90_000_000 + 10_000_000)


_OF_CALL = select(ChangeRequest).where(ChangeRequest.call_sid == bindparam("call_sid"),
                                      ChangeRequest.kind == bindparam("kind"))  # built once


def _existing(ctx: ActionContext, kind: str) -> ChangeRequest | None:
    return ctx.session.scalar(_OF_CALL, {"call_sid": ctx.call.call_sid, "kind": kind})


def _held(request: ChangeRequest, prefix: str = "", **stored: object) -> ActionResult:
    """What the caller is told of a held change, read from what was stored: its confirmation
    number and the local day it takes effect (the notice to the address on file goes with it)."""
    return ActionResult("ok", {f"{prefix}confirmation": request.confirmation,
                               f"{prefix}effective_on": effective_day(request), **stored})


_ADDRESS_FIELDS = ("civic_number", "street", "apartment", "city", "postal_code")


def _plain(value: object) -> str:
    """A field as compared: case, accents, spaces and punctuation spacing set aside ("Montréal" ==
    "montreal", "H2X 3K8" == "h2x3k8"); an empty apartment is no apartment."""
    text = unicodedata.normalize("NFKD", str(value or ""))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().replace("-", " ").split())


def same_address(a: dict[str, object], b: dict[str, object]) -> bool:
    """Whether two addresses ({civic_number, street, apartment, city, postal_code}) are the same
    place once normalised (see `_plain`; postal codes compared without their space)."""
    def key(address: dict[str, object]) -> tuple[str, ...]:
        return tuple(_plain(address.get(name)).replace(" ", "") if name == "postal_code"
                     else _plain(address.get(name)) for name in _ADDRESS_FIELDS)

    return key(a) == key(b)


@action("address.submit", database_only=True)
def submit_address(ctx: ActionContext) -> ActionResult:
    """Hold the new address as a pending change (`ok`, with `confirmation` and `effective_on`), or
    `unchanged` when it is the address on file: then nothing is stored and no notice goes out."""
    client = verified_client(ctx, "address.submit")
    existing = _existing(ctx, "address")
    if existing is not None:  # the same call confirming twice makes one request
        return _held(existing)
    postal = str(ctx.vars["postal_code"])
    new = {
        "civic_number": str(ctx.vars["civic_number"]),
        "street": str(ctx.vars["street"]),
        "apartment": str(ctx.vars.get("apartment") or "") or None,
        "city": str(ctx.vars["city"]),
        "province": province_of(postal),
        "postal_code": postal,
    }
    if same_address(new, client.address()):
        return ActionResult("unchanged")
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
    return _held(request)


@action("phone.update", database_only=True)
def update_phone(ctx: ActionContext) -> ActionResult:
    """Hold the new number as a pending change (`ok`, with `new_phone` as stored, `phone_confirmation`
    and `phone_effective_on`), or `unchanged` when it is the number on file, however written (E.164
    compared): then nothing is stored and no notice goes out."""
    client = verified_client(ctx, "phone.update")
    existing = _existing(ctx, "phone")
    if existing is not None:
        return _held(existing, "phone_", new_phone=existing.new_value["phone"])
    new_phone = str(ctx.vars["new_phone"])
    if same_number(new_phone, client.phone):
        return ActionResult("unchanged")
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
    return _held(request, "phone_", new_phone=request.new_value["phone"])  # read back as stored
