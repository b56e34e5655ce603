"""Address and phone changes made by phone: stored as requests, the old value kept.

One pending change per client and kind (issue 13, item 8: what callers are told is what was done):
- the same value as the file: no change (`unchanged`), nothing stored, no notice;
- the same value as the change already pending (same place by `same_address`, same phone by
  `same_number`), from this call or an earlier one: no new request and no second notice
  (`already_pending`, with that change's confirmation number and day);
- another value while a change is pending: the newer replaces the older (`replaced`): the older is
  marked "superseded" in the audit trail and never applied, its letter not sent yet is withdrawn,
  and one notice goes out for the newer change, saying it replaces the older. The caller's latest
  confirmed word is what the agency acts on, and the person at the address on file gets one letter
  about what will really happen, not two that contradict each other;
- the value on file while a change is pending: by the same rule the file stays as it is, so the
  pending change is cancelled (`pending_cancelled`, with `{prefix}cancelled_confirmation`),
  audited as reversed by the caller, with one notice saying so. Saying "nothing changed" while the
  pending change would still apply a few days later would not be what was done.
"""

from __future__ import annotations

import hashlib
import unicodedata

from sqlalchemy import and_, bindparam, or_, select

from ivr.engine.phones import same_number
from ivr.engine.understand import province_of
from ivr.store.models.calls import ChangeRequest, Client
from ivr.services.action_types import ActionContext, ActionResult, talks_only_to_the_database
from ivr.services.changes import cancel_by_caller, effective_day, hold, repeated
from ivr.services.status import verified_client


def confirmation_number(call_sid: str, kind: str, nth: int = 0) -> str:
    """Eight digits derived from the call, so a repeated request gets the same number; `nth` counts
    the earlier requests of that kind in the same call (a change that replaces one made earlier in
    the call gets a number of its own)."""
    digest = hashlib.sha256(f"{call_sid}:{kind}{f':{nth}' if nth else ''}".encode()).hexdigest()
    return str(int(digest[:12], 16) % 90_000_000 + 10_000_000)


# Built once: the client's pending changes of a kind and this call's changes of that kind (whatever
# their status), in one read.
_PENDING_OR_OF_CALL = (
    select(ChangeRequest)
    .where(ChangeRequest.kind == bindparam("kind"),
           or_(and_(ChangeRequest.client_id == bindparam("client_id"), ChangeRequest.status == "pending"),
               ChangeRequest.call_sid == bindparam("call_sid")))
    .order_by(ChangeRequest.created_at.desc(), ChangeRequest.id.desc()))


def _pending(ctx: ActionContext, client: Client, kind: str) -> tuple[list[ChangeRequest], int]:
    """The client's changes of this kind still pending, newest first (one, unless made before this rule),
    and how many changes of this kind this call made already (whatever became of them: the `nth` of
    `confirmation_number`). The client's row must be locked first (`verified_client(..., lock=True)`, in
    the same read: SQLite's writer lock already serialises steps), so two calls changing the same file
    at once take turns: the second one reads the first one's change here and the rule above holds for
    concurrent calls too."""
    rows = ctx.session.scalars(_PENDING_OR_OF_CALL,
                               {"client_id": client.id, "kind": kind, "call_sid": ctx.call.call_sid}).all()
    pending = [row for row in rows if row.client_id == client.id and row.status == "pending"]
    return pending, sum(1 for row in rows if row.call_sid == ctx.call.call_sid)


def _held(request: ChangeRequest, prefix: str = "", outcome: str = "ok", **stored: object) -> ActionResult:
    """What the caller is told of a held change, read from what was stored: its confirmation
    number and the local day it takes effect (the notice to the address on file goes with it)."""
    return ActionResult(outcome, {f"{prefix}confirmation": request.confirmation,
                                  f"{prefix}effective_on": effective_day(request), **stored})


def _request(ctx: ActionContext, client: Client, kind: str, old: dict[str, object], new: dict[str, object],
             pending: list[ChangeRequest], nth: int, prefix: str, **stored: object) -> ActionResult:
    """Hold a new change (`ok`), or one that replaces the pending ones (`replaced`, with
    `{prefix}replaced_confirmation`, the newest of them); `nth`: this call's earlier changes of this kind."""
    request = ChangeRequest(client_id=client.id, kind=kind,
                            confirmation=confirmation_number(ctx.call.call_sid, kind, nth),
                            old_value=old, new_value=new, status="pending", call_sid=ctx.call.call_sid)
    hold(ctx.session, request, client, ctx.call, ctx.now, replaces=pending)  # stores it
    if not pending:
        return _held(request, prefix, **stored)
    return _held(request, prefix, "replaced", **{f"{prefix}replaced_confirmation": pending[0].confirmation},
                 **stored)


def _unchanged(ctx: ActionContext, client: Client, pending: list[ChangeRequest], prefix: str,
               **stored: object) -> ActionResult:
    """The value on file: `unchanged`, or `pending_cancelled` when a change was pending (see the rule)."""
    if not pending:
        return ActionResult("unchanged", dict(stored))
    for request in pending:
        cancel_by_caller(ctx.session, request, client, ctx.call, ctx.now)
    return ActionResult("pending_cancelled", {f"{prefix}cancelled_confirmation": pending[0].confirmation, **stored})


def _already_pending(ctx: ActionContext, request: ChangeRequest, prefix: str, **stored: object) -> ActionResult:
    """The same change asked again: nothing new stored or sent; the repeat is audited (a repeat contact)."""
    repeated(ctx.session, request, ctx.call, ctx.now)
    return _held(request, prefix, "already_pending", **stored)


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


@talks_only_to_the_database
def submit_address(ctx: ActionContext) -> ActionResult:
    """Hold the new address as a pending change (`ok`, with `confirmation` and `effective_on`);
    `replaced` when it replaces a pending one (also `replaced_confirmation`); `already_pending`
    when it is the change already pending (its `confirmation` and `effective_on`); `unchanged`
    when it is the address on file, `pending_cancelled` when it is and a change was pending. See
    the module's rule."""
    client = verified_client(ctx, "address.submit", lock=True)
    postal = str(ctx.vars["postal_code"])
    new = {
        "civic_number": str(ctx.vars["civic_number"]),
        "street": str(ctx.vars["street"]),
        "apartment": str(ctx.vars.get("apartment") or "") or None,
        "city": str(ctx.vars["city"]),
        "province": province_of(postal),
        "postal_code": postal,
    }
    pending, nth = _pending(ctx, client, "address")
    same = next((request for request in pending if same_address(new, request.new_value)), None)
    if same is not None:
        return _already_pending(ctx, same, "")
    if same_address(new, client.address()):
        return _unchanged(ctx, client, pending, "")
    return _request(ctx, client, "address", client.address(), new, pending, nth, "")


@talks_only_to_the_database
def update_phone(ctx: ActionContext) -> ActionResult:
    """Hold the new number as a pending change (`ok`, with `new_phone` as stored, `phone_confirmation`
    and `phone_effective_on`); `replaced` when it replaces a pending one (also
    `phone_replaced_confirmation`); `already_pending` when it is the number already pending;
    `unchanged` when it is the number on file, `pending_cancelled` when it is and a change was pending. Numbers are compared however written (E.164,
    `same_number`). See the module's rule."""
    client = verified_client(ctx, "phone.update", lock=True)
    new_phone = str(ctx.vars["new_phone"])
    pending, nth = _pending(ctx, client, "phone")
    same = next((request for request in pending if same_number(new_phone, request.new_value.get("phone"))), None)
    if same is not None:
        return _already_pending(ctx, same, "phone_", new_phone=same.new_value["phone"])
    if same_number(new_phone, client.phone):
        return _unchanged(ctx, client, pending, "phone_")
    return _request(ctx, client, "phone", {"phone": client.phone}, {"phone": new_phone}, pending, nth, "phone_",
                    new_phone=new_phone)  # read back as stored
