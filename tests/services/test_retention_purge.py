"""`ivr purge`: old call details go, anonymous daily counts and the audit trail stay."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from ivr.store import db
from ivr.store.models.calls import Call, ChangeRequest, Contact, JourneyEvent
from ivr.store.models.security import AuditEvent, CallRecording, DailyCallCount, DailyStepCount

from tests.support.security_helpers import ivr

OLD = datetime(2024, 3, 1, 14, 0, tzinfo=timezone.utc)
RECENT = datetime(2026, 1, 10, 14, 0, tzinfo=timezone.utc)
TODAY = datetime(2026, 3, 5, 9, 0, tzinfo=timezone.utc)


def count(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def status_call(phone, when):
    with freeze_time(when):
        call = phone().press("1").press("1").press("100200300").press("19480517").press("2")
        call.hang_up("completed", 80)
    return call


def transferred_call(phone, when):
    with freeze_time(when):
        call = phone().press("2").press("0")
        call.hang_up("completed", 30)
    return call


def test_purge_removes_calls_older_than_two_years_and_keeps_the_rest(app, phone, monkeypatch):
    old = [status_call(phone, OLD), transferred_call(phone, OLD + timedelta(minutes=5))]
    recent = status_call(phone, RECENT)
    with app.app_context():
        session = db.session()
        session.add(CallRecording(call_sid=old[0].call_sid, recording_sid="RE1", started_at=OLD))
        session.commit()
    audit_before = count(app, AuditEvent)
    journeys_before = count(app, JourneyEvent)
    with freeze_time(TODAY):
        result = ivr(app, monkeypatch, "purge")
    assert result.exit_code == 0, result.output
    assert "2 call contexts" in result.output and "  1 recording reference\n" in result.output
    assert "Kept: daily counts for 1 day," in result.output  # a count in plain English, never "day(s)"
    assert "Removed what was last used before 2024-03-05" in result.output
    with app.app_context():
        session = db.session()
        assert [c.call_sid for c in session.scalars(select(Call))] == [recent.call_sid]
        left = {e.call_sid for e in session.scalars(select(JourneyEvent))}
        assert left == {recent.call_sid}
        assert session.scalar(select(func.count()).select_from(CallRecording)) == 0
        day = session.get(DailyCallCount, date(2024, 3, 1))
        assert (day.calls, day.verified, day.transferred, day.seconds) == (2, 1, 1, 110)
        steps = {(s.position, s.event): s.count for s in session.scalars(select(DailyStepCount))}
        assert steps[("main/language", "chose")] == 2 and steps[("identify/verify", "outcome")] == 1
        # The audit trail is kept, with a line saying what the purge removed.
        purge_event = session.scalars(select(AuditEvent).where(AuditEvent.action == "retention_purge")).one()
        assert purge_event.detail["calls"] == 2
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == audit_before + 1
        # The client's contact history stays (the unverified transferred call had no client).
        assert session.scalar(select(func.count()).select_from(Contact)) == 2
    assert f"{journeys_before - count(app, JourneyEvent)} journey events" in result.output


def test_purge_with_a_shorter_period_and_twice_counts_each_call_once(app, phone, monkeypatch):
    status_call(phone, RECENT)
    with freeze_time(TODAY):
        first = ivr(app, monkeypatch, "purge", "--older-than", "30")
        second = ivr(app, monkeypatch, "purge", "--older-than", "30")
    assert "  1 call context\n" in first.output and "0 call contexts" in second.output
    with app.app_context():
        assert db.session().get(DailyCallCount, date(2026, 1, 10)).calls == 1


def test_purge_refuses_a_period_of_zero_days(app, monkeypatch):
    result = ivr(app, monkeypatch, "purge", "--older-than", "0")
    assert result.exit_code == 2 and "--older-than" in result.output


def test_decided_changes_are_removed_after_the_period_but_pending_ones_stay(app, phone, monkeypatch):
    from tests.support.security_helpers import change_address

    long_ago = datetime(2023, 12, 1, 14, 0, tzinfo=timezone.utc)
    with freeze_time(long_ago):
        change_address(phone)
    with freeze_time(long_ago + timedelta(days=8)):
        ivr(app, monkeypatch, "change", "apply-due")
    with freeze_time(RECENT):
        change_address(phone, number="200300400", born="19611102", on_file="K1P 5K7", language="2")
    with freeze_time(TODAY):
        result = ivr(app, monkeypatch, "purge")
    assert "  1 decided change request\n" in result.output
    with app.app_context():
        left = db.session().scalars(select(ChangeRequest)).all()
    assert [(c.status, c.new_value["postal_code"]) for c in left] == [("pending", "H3B 2Y5")]


def test_sent_notices_are_removed_after_the_period_and_queued_ones_stay(app, phone, monkeypatch):
    from ivr.store.models.security import OutgoingNotice

    from tests.support.security_helpers import change_address

    with freeze_time(OLD - timedelta(days=30)):
        change_address(phone)
        change_address(phone, number="200300400", born="19611102", on_file="K1P 5K7", language="2")
    with app.app_context():
        session = db.session()
        first = session.scalars(select(OutgoingNotice).order_by(OutgoingNotice.id)).first()
        first.status, first.sent_at = "sent", OLD - timedelta(days=29)
        session.commit()
    with freeze_time(TODAY):
        result = ivr(app, monkeypatch, "purge")
    assert "  1 sent notice\n" in result.output
    with app.app_context():
        assert [n.status for n in db.session().scalars(select(OutgoingNotice))] == ["queued"]


@pytest.fixture
def call_notes(app):
    """A table another module might add, whose rows belong to a call (like an agent's handling notes)."""
    from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text

    from ivr.store.models.calls import Base

    table = Table("test_call_notes", Base.metadata, Column("id", Integer, primary_key=True),
                  Column("call_sid", String(64), ForeignKey("calls.call_sid")), Column("note", Text))
    with app.app_context():
        table.create(db.engine())
    yield table
    Base.metadata.remove(table)


def test_rows_of_other_tables_that_belong_to_a_purged_call_go_with_it(app, phone, monkeypatch, call_notes):
    old, recent = status_call(phone, OLD), status_call(phone, RECENT)
    with app.app_context():
        session = db.session()
        session.execute(call_notes.insert(), [{"call_sid": old.call_sid, "note": "called about her pension"},
                                              {"call_sid": recent.call_sid, "note": "recent"}])
        session.commit()
    with freeze_time(TODAY):
        result = ivr(app, monkeypatch, "purge")
    assert result.exit_code == 0 and "1 test_call_notes row of those calls" in result.output
    with app.app_context():
        left = db.session().execute(select(call_notes.c.note)).scalars().all()
    assert left == ["recent"]
