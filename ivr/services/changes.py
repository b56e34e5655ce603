"""Changes to a file made by phone are held before they take effect.

A confirmed address or phone change is "pending" for a cooling-off period (IVR_COOLING_OFF_DAYS,
7 by default) and a notice goes to the address we had: if someone else made the change, the real
person hears of it by mail and an agent can reverse it before it applies. `ivr change apply-due`
applies what is due; `ivr change reverse` (and later the agent desktop) reverses.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ivr import clock
from ivr import config
from ivr.engine.hours import Hours, HoursError
from ivr.store.models.calls import Call, ChangeRequest, Client
from ivr.store.models.security import OutgoingNotice
from ivr.privacy import mask_value
from ivr.services import audit

DEFAULT_COOLING_OFF_DAYS = 7


class ChangeNotReversible(ValueError):
    """The change is not pending any more (applied or reversed), or does not exist."""


def cooling_off() -> timedelta:
    days = current_app.config.get("COOLING_OFF_DAYS") if has_app_context() else None
    if days is None:
        days = config.cooling_off_days_from_environment() or DEFAULT_COOLING_OFF_DAYS
    return timedelta(days=float(days))


@lru_cache(maxsize=4)
def _zone_of(path: str, modified_ns: int) -> tzinfo:
    """hours.yaml's timezone alone (no holidays loaded), read once per version of the file: without
    loaded hours (demo, tests) a survey answer or a wait asks for it at every request."""
    return Hours.zone_from_file(path)


def local_zone() -> tzinfo:
    """The contact centre's timezone (flows/hours.yaml's `timezone`), where "the day a change takes
    effect" is counted, even when agents are treated as always available (demo, tests); UTC when
    the line has no hours file at all."""
    try:
        if has_app_context():
            hours = current_app.extensions.get("ivr.hours")
            if hours is not None:
                return hours.zone
            path = Path(current_app.config.get("FLOWS_DIR") or "flows") / "hours.yaml"
            if path.exists():
                return _zone_of(str(path), path.stat().st_mtime_ns)
    except HoursError:  # pragma: no cover - a broken file is reported where hours load
        pass
    return timezone.utc


def effective_day(request: ChangeRequest) -> str:
    """The local day (ISO YYYY-MM-DD) a held change takes effect: what the caller is told."""
    effective = request.effective_at
    if effective is None:
        raise ValueError(f"change {request.confirmation} is not held: it has no effective date")
    if effective.tzinfo is None:  # SQLite gives back naive UTC
        effective = effective.replace(tzinfo=timezone.utc)
    return effective.astimezone(local_zone()).date().isoformat()


def hold(session: Session, request: ChangeRequest, client: Client, call: Call, now: datetime,
         replaces: list[ChangeRequest] | tuple[ChangeRequest, ...] = ()) -> None:
    """A confirmed change: pending until the cooling-off ends, notice to the address on file, audited.

    What the caller is told comes from here: `request.effective_at` (see `effective_day`), its
    confirmation number, and that a notice goes by mail to the address on file. `replaces`: the
    pending changes of the same kind it replaces (`supersede`); its one notice then says so
    (kind "<kind>_change_replacing"). `request` is added to the session if it is new, and stored
    with its status and effective date in one INSERT (flushed here: its id names the notice)."""
    request.status = "pending"
    request.effective_at = now + cooling_off()
    session.add(request)
    session.flush()
    for older in replaces:
        supersede(session, older, request, call, now)
    kind = f"{request.kind}_change_replacing" if replaces else f"{request.kind}_change"
    session.add(OutgoingNotice(client_id=client.id, change_request_id=request.id, kind=kind,
                               language=call.language or client.language, address=client.address(), created_at=now))
    audit.record(session, f"{request.kind}_change_requested", "pending", actor_kind="caller",
                 actor=call.verified_by or "unverified", client_id=client.id, call=call,
                 old_value=mask_value(request.kind, request.old_value),
                 new_value=mask_value(request.kind, request.new_value), at=now,
                 confirmation=request.confirmation, effective_at=request.effective_at.isoformat(),
                 notice="queued_to_old_address", replaces=[older.confirmation for older in replaces])


def supersede(session: Session, older: ChangeRequest, newer: ChangeRequest, call: Call, now: datetime) -> None:
    """A pending change replaced by a newer one of the same kind: "superseded", so `apply_due` never
    applies it; its notice not sent yet is withdrawn (the newer's notice tells of both); audited."""
    older.status = "superseded"
    older.decided_at = now
    older.decided_by = f"caller:{newer.confirmation}"
    _withdraw_notices(session, older)
    audit.record(session, f"{older.kind}_change_superseded", "superseded", actor_kind="caller",
                 actor=call.verified_by or "unverified", client_id=older.client_id, call=call,
                 old_value=mask_value(older.kind, older.old_value), new_value=mask_value(older.kind, older.new_value),
                 at=now, confirmation=older.confirmation, replaced_by=newer.confirmation)


def cancel_by_caller(session: Session, request: ChangeRequest, client: Client, call: Call, now: datetime) -> None:
    """The caller confirmed the value already on file while a change was pending: the newest word
    keeps the file as it is, so the pending change is reversed (by the caller, audited), its letter
    not sent yet withdrawn, and one notice tells the address on file (kind "<kind>_change_cancelled")."""
    reverse(session, request, f"caller:{call.verified_by or 'unverified'}", "caller confirmed the value on file",
            now, actor_kind="caller")
    _withdraw_notices(session, request)
    session.add(OutgoingNotice(client_id=client.id, change_request_id=request.id, kind=f"{request.kind}_change_cancelled",
                               language=call.language or client.language, address=client.address(), created_at=now))


def _withdraw_notices(session: Session, request: ChangeRequest) -> None:
    session.execute(update(OutgoingNotice).where(OutgoingNotice.change_request_id == request.id,
                                                 OutgoingNotice.status == "queued").values(status="withdrawn"))


def repeated(session: Session, request: ChangeRequest, call: Call, now: datetime) -> None:
    """The caller asked again for the change already pending: nothing changes, no notice; the repeat
    is audited (a repeat contact the agency counts)."""
    audit.record(session, f"{request.kind}_change_repeated", "already_pending", actor_kind="caller",
                 actor=call.verified_by or "unverified", client_id=request.client_id, call=call,
                 new_value=mask_value(request.kind, request.new_value), at=now, confirmation=request.confirmation)


def reverse_change(session: Session, confirmation: str, by: str, reason: str = "",
                   now: datetime | None = None) -> ChangeRequest:
    """An agent reverses a pending change; the file keeps its old value. Audited with the agent's id."""
    now = now or clock.now()
    if not by.strip():
        raise ValueError("say who reverses the change (an agent id)")
    request = session.scalar(select(ChangeRequest).where(ChangeRequest.confirmation == confirmation))
    if request is None:
        raise ChangeNotReversible(f"no change has confirmation number {confirmation}")
    if request.status != "pending":
        raise ChangeNotReversible(f"change {confirmation} is {request.status}, not pending: it can no longer be "
                                  "reversed here; make a new change with the client instead")
    effective = request.effective_at
    if effective is not None and (effective if effective.tzinfo else effective.replace(tzinfo=timezone.utc)) <= now:
        raise ChangeNotReversible(f"change {confirmation} is past its cooling-off period and is being applied; "
                                  "make a new change with the client instead")
    return reverse(session, request, by, reason, now)


def reverse(session: Session, request: ChangeRequest, by: str, reason: str, now: datetime,
            actor_kind: str = "agent") -> ChangeRequest:
    """Mark a pending change reversed, so `apply_due` never applies it; audited with who and why."""
    request.status = "reversed"
    request.decided_at = now
    request.decided_by = by
    audit.record(session, f"{request.kind}_change_reversed", "reversed", actor_kind=actor_kind, actor=by,
                 client_id=request.client_id, old_value=mask_value(request.kind, request.old_value),
                 new_value=mask_value(request.kind, request.new_value), at=now,
                 confirmation=request.confirmation, call_sid=request.call_sid, reason=reason)
    return request


def apply_due(session: Session, now: datetime | None = None) -> list[ChangeRequest]:
    """Apply every pending change whose cooling-off is over, oldest first."""
    now = now or clock.now()
    due = session.scalars(select(ChangeRequest).where(ChangeRequest.status == "pending",
                                                      ChangeRequest.effective_at.is_not(None),
                                                      ChangeRequest.effective_at <= now)
                          .order_by(ChangeRequest.created_at, ChangeRequest.id)).all()
    for request in due:
        client = session.get(Client, request.client_id)
        if client is None:
            continue
        if request.kind == "address":
            for name, value in request.new_value.items():
                setattr(client, name, value)
        elif request.kind == "phone":
            client.phone = request.new_value.get("phone")
        request.status = "applied"
        request.decided_at = now
        request.decided_by = "system:apply-due"
        audit.record(session, f"{request.kind}_change_applied", "applied", actor_kind="system",
                     actor="ivr change apply-due", client_id=client.id,
                     old_value=mask_value(request.kind, request.old_value),
                     new_value=mask_value(request.kind, request.new_value), at=now,
                     confirmation=request.confirmation, call_sid=request.call_sid)
    session.flush()
    return list(due)
