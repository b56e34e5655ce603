"""Tables for trust and privacy: the append-only audit trail, notices to old addresses,
recording references, and the anonymous daily counts that outlive purged calls."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import DDL, JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from ivr import clock
from ivr.store.models.calls import Base


class AuditIsAppendOnly(PermissionError):
    """Someone tried to edit or delete an audit row; the trail only grows."""


class AuditEvent(Base):
    """Who did what to whose file, when, how they were verified, and how it ended.

    Values are stored masked (see ivr.privacy): enough to show what changed, never the
    full address, phone, birth date or client number.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        # The throttle counts one kind of event for one key over a day: with the action in the
        # index, that count reads only those rows, however many calls one caller ID makes.
        Index("ix_audit_subject_action_at", "subject_key", "action", "at"),
        Index("ix_audit_caller_action_at", "caller_key", "action", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    action: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(40))
    actor_kind: Mapped[str] = mapped_column(String(10))  # caller, agent, system
    actor: Mapped[str] = mapped_column(String(80))  # how a caller was verified, or the agent's id
    client_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: the trail outlives rows
    call_sid: Mapped[str | None] = mapped_column(String(64))
    caller: Mapped[str | None] = mapped_column(String(32))  # masked caller ID
    subject_key: Mapped[str | None] = mapped_column(String(64))  # keyed hash of the client number entered
    caller_key: Mapped[str | None] = mapped_column(String(64))  # keyed hash of the caller ID
    old_value: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    new_value: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(_mapper, _connection, target: AuditEvent) -> None:
    raise AuditIsAppendOnly(f"audit event {target.id} cannot be changed: the audit trail is append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(_mapper, _connection, target: AuditEvent) -> None:
    raise AuditIsAppendOnly(f"audit event {target.id} cannot be deleted: the audit trail is append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state) -> None:
    """Bulk `update(AuditEvent)` / `delete(AuditEvent)` skip the mapper hooks; refuse them here."""
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and getattr(table, "name", None) == AuditEvent.__tablename__:
        raise AuditIsAppendOnly("audit events cannot be changed or deleted: the audit trail is append-only")


# The database refuses too, for SQL that bypasses the ORM (SQLite here; on PostgreSQL deny
# UPDATE/DELETE on audit_events to the app's role, see docs/security.md).
for _verb in ("UPDATE", "DELETE"):
    event.listen(AuditEvent.__table__, "after_create", DDL(
        f"CREATE TRIGGER IF NOT EXISTS audit_events_no_{_verb.lower()} BEFORE {_verb} ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END").execute_if(dialect="sqlite"))


class OutgoingNotice(Base):
    """A letter to send: after a change by phone, the address we had is told about it."""

    __tablename__ = "outgoing_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    change_request_id: Mapped[int | None] = mapped_column(ForeignKey("change_requests.id"))
    kind: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(2))
    address: Mapped[dict[str, Any]] = mapped_column(JSON)  # where the letter goes: the OLD address
    status: Mapped[str] = mapped_column(String(20), default="queued")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column()


class CallRecording(Base):
    """A reference to a call recording kept by the telephony provider."""

    __tablename__ = "call_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    recording_sid: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=clock.now)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)


class DailyCallCount(Base):
    """Calls per day with no personal data, filled by `ivr purge` before details are removed."""

    __tablename__ = "daily_call_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    verified: Mapped[int] = mapped_column(Integer, default=0)
    resolved_in_ivr: Mapped[int] = mapped_column(Integer, default=0)
    transferred: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[int] = mapped_column(Integer, default=0)


class DailyStepCount(Base):
    """How often each step saw each event on a day (per-step analytics that outlive journeys)."""

    __tablename__ = "daily_step_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    position: Mapped[str] = mapped_column(String(120), primary_key=True)
    event: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class CallbackRequestCount(Base):
    """Callback requests from one caller ID in the current window (an hour from its first request).

    One row per caller ID, kept as a keyed hash (`ivr.privacy.caller_key`), counted with one
    conditional UPDATE so requests arriving together cannot pass the limit (`ivr.services.callbacks`).
    """

    __tablename__ = "callback_request_counts"

    caller_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    requests: Mapped[int] = mapped_column(Integer, default=0)


__all__ = ["AuditEvent", "AuditIsAppendOnly", "CallRecording", "CallbackRequestCount", "DailyCallCount",
           "DailyStepCount", "OutgoingNotice"]
