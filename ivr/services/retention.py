"""Keeping personal data only as long as needed: `ivr purge` removes old call details.

What goes: call journeys, call contexts (the Call rows with the engine state and the TwiML
said), recording references, sent notices and decided change requests, once older than the
retention period (2 years after last use by default), and the counts of callback requests per
caller ID (keyed hashes) whose hour is over. What stays: anonymous daily counts
(filled here before anything is removed), the audit trail (masked, append-only) and the
client's contact history.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Column, Table, delete, or_, select
from sqlalchemy.orm import Session

from ivr import clock
from ivr.engine.counts import counted
from ivr.store.models.calls import Call, CallStatus, ChangeRequest, JourneyEvent
from ivr.store.models.security import CallbackRequestCount, CallRecording, DailyCallCount, DailyStepCount, OutgoingNotice
from ivr.services import audit
from ivr.services.callbacks import RATE_WINDOW

DEFAULT_RETENTION_DAYS = 730
TRANSFERRED = {CallStatus.QUEUED, CallStatus.WITH_AGENT, CallStatus.ABANDONED_IN_QUEUE}
ABANDONED = {CallStatus.ABANDONED, CallStatus.ABANDONED_IN_QUEUE}


@dataclass
class PurgeReport:
    cutoff: datetime
    calls: int = 0
    journey_events: int = 0
    recordings: int = 0
    notices: int = 0
    change_requests: int = 0
    callback_counts: int = 0
    linked: dict[str, int] = field(default_factory=dict)
    days_counted: list[date] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"Removed what was last used before {self.cutoff:%Y-%m-%d %H:%M} UTC:",
            f"  {counted(self.calls, 'call context')}",
            f"  {counted(self.journey_events, 'journey event')}",
            f"  {counted(self.recordings, 'recording reference')}",
            f"  {counted(self.notices, 'sent notice')}",
            f"  {counted(self.change_requests, 'decided change request')}",
            f"  {counted(self.callback_counts, 'callback request count', 'callback request counts')} of hours gone by",
            *(f"  {counted(count, f'{name} row')} of those calls" for name, count in sorted(self.linked.items())),
            f"Kept: daily counts for {counted(len(self.days_counted), 'day')}, the audit trail, the contact history.",
        ]


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def purge(session: Session, older_than_days: int = DEFAULT_RETENTION_DAYS, now: datetime | None = None,
          by: str = "ivr purge") -> PurgeReport:
    """Remove call details older than the period, counting them first; audited."""
    if older_than_days < 1:
        raise ValueError("the retention period must be at least 1 day")
    now = now or clock.now()
    cutoff = now - timedelta(days=older_than_days)
    report = PurgeReport(cutoff=cutoff)
    old_calls = session.scalars(select(Call).where(Call.updated_at < cutoff,
                                                   or_(Call.ended_at.is_(None), Call.ended_at < cutoff))).all()
    sids = [c.call_sid for c in old_calls]
    days: dict[date, Counter] = {}
    for call in old_calls:
        counts = days.setdefault(_aware(call.started_at).date(), Counter())
        counts["calls"] += 1
        counts["verified"] += int(bool(call.verified))
        counts["resolved_in_ivr"] += int(call.status == CallStatus.COMPLETED)
        counts["transferred"] += int(call.status in TRANSFERRED)
        counts["abandoned"] += int(call.status in ABANDONED)
        counts["seconds"] += call.duration or 0
    steps: Counter = Counter()
    for chunk in _chunks(sids):
        for at, position, event in session.execute(select(JourneyEvent.at, JourneyEvent.position, JourneyEvent.event)
                                                   .where(JourneyEvent.call_sid.in_(chunk))):
            steps[(_aware(at).date(), position, event)] += 1
    for day, counts in days.items():
        row = session.get(DailyCallCount, day) or DailyCallCount(day=day, calls=0, verified=0, resolved_in_ivr=0,
                                                                 transferred=0, abandoned=0, seconds=0)
        session.add(row)
        for name, value in counts.items():
            setattr(row, name, (getattr(row, name) or 0) + value)
    for (day, position, event), count in steps.items():
        row = session.get(DailyStepCount, (day, position[:120], event)) or DailyStepCount(
            day=day, position=position[:120], event=event, count=0)
        session.add(row)
        row.count = (row.count or 0) + count
    session.flush()
    linked = _tables_linked_to_calls()
    for chunk in _chunks(sids):
        report.journey_events += session.execute(
            delete(JourneyEvent).where(JourneyEvent.call_sid.in_(chunk))).rowcount or 0
        report.recordings += session.execute(
            delete(CallRecording).where(CallRecording.call_sid.in_(chunk))).rowcount or 0
        for table, column in linked:
            removed = session.execute(delete(table).where(column.in_(chunk))).rowcount or 0
            if removed:
                report.linked[table.name] = report.linked.get(table.name, 0) + removed
        report.calls += session.execute(delete(Call).where(Call.call_sid.in_(chunk))).rowcount or 0
    report.notices = session.execute(delete(OutgoingNotice).where(
        OutgoingNotice.status == "sent", OutgoingNotice.sent_at < cutoff)).rowcount or 0
    decided = select(ChangeRequest.id).where(ChangeRequest.status.in_(("applied", "reversed", "superseded")),
                                             ChangeRequest.decided_at < cutoff)
    session.execute(delete(OutgoingNotice).where(OutgoingNotice.change_request_id.in_(decided)))
    report.change_requests = session.execute(delete(ChangeRequest).where(ChangeRequest.id.in_(
        decided.scalar_subquery()))).rowcount or 0
    report.callback_counts = session.execute(delete(CallbackRequestCount).where(  # counted nothing any more
        CallbackRequestCount.window_start <= now - RATE_WINDOW)).rowcount or 0
    report.days_counted = sorted(days)
    audit.record(session, "retention_purge", "done", actor_kind="system", actor=by, at=now,
                 older_than_days=older_than_days, calls=report.calls, journey_events=report.journey_events,
                 recordings=report.recordings, notices=report.notices, change_requests=report.change_requests,
                 linked=report.linked)
    return report


def _tables_linked_to_calls() -> list[tuple[Table, Column]]:
    """Other tables whose rows belong to a call (agents' handling notes, callbacks …): they go with it."""
    found = []
    for table in Call.metadata.sorted_tables:
        if table.name in (Call.__tablename__, JourneyEvent.__tablename__, CallRecording.__tablename__):
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == Call.__tablename__ and fk.column.name == "call_sid":
                found.append((table, fk.parent))
    return found


def _chunks(items: list[str], size: int = 500):
    for i in range(0, len(items), size):
        yield items[i:i + size]
