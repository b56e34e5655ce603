"""A call's journey is folded into its facts when it ends, and the report reads those facts; facts that
are missing, outdated by a later journey row or folded for other definitions are folded again at report
time, so the figures are the same whichever way each call's facts are found (tests/support/reports.py's
history: some calls end, Robert's never does)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select, update

from ivr.engine.costs import DEFAULTS
from ivr.services.reports import By, build_report, note_call_facts
from ivr.store import db
from ivr.store.models.calls import Call, CallFacts, JourneyEvent

from tests.support.reports import app, make_history  # noqa: F401 - the line with agents' hours in force
from tests.support.reports import personal_values

ZONE = ZoneInfo("America/Toronto")


@pytest.fixture
def history(app, phone):
    make_history(phone)

    def report():
        with app.app_context(), db.engine().connect() as connection:
            return build_report(connection, date(2026, 11, 10), date(2026, 11, 19), By.DAY, ZONE, DEFAULTS).as_dict()

    def change(statement):
        with app.app_context(), db.engine().begin() as connection:
            return connection.execute(statement)

    return report, change


def test_every_ended_call_with_a_journey_has_its_facts_and_they_name_no_one(app, history):
    report, change = history
    with app.app_context(), db.engine().connect() as connection:
        ended = set(connection.scalars(select(Call.call_sid).where(Call.ended_at.is_not(None), Call.call_sid.in_(
            select(JourneyEvent.call_sid)))))
        saved = set(connection.scalars(select(CallFacts.call_sid)))
        rows = [dict(row) for row in connection.execute(select(CallFacts.__table__)).mappings()]
    assert ended and saved == ended
    assert set(rows[0]) == {"call_sid", "signature", "through_id", "flags", "wait", "step"}
    assert not [value for row in rows for value in row.values() if str(value) in personal_values()]


def test_the_figures_are_the_same_from_saved_facts_as_from_the_journey(history):
    report, change = history
    from_saved = report()
    change(CallFacts.__table__.delete())
    assert report() == from_saved


def test_facts_outdated_by_a_later_journey_row_or_other_definitions_are_folded_again(history):
    report, change = history
    from_saved = report()
    change(update(CallFacts).values(flags=0, through_id=CallFacts.through_id - 1))  # as if a row came after
    assert report() == from_saved
    change(update(CallFacts).values(through_id=select(func.max(JourneyEvent.id)).where(
        JourneyEvent.call_sid == CallFacts.call_sid).scalar_subquery(), signature="other"))
    assert report() == from_saved


def test_the_report_reads_the_saved_facts_rather_than_the_journey(history):
    report, change = history
    from_saved = report()
    change(update(CallFacts).values(flags=0))  # still current: trusted as they are
    assert report()["figures"][0]["outcomes"]["completed"] == 0 != from_saved["figures"][0]["outcomes"]["completed"]


def test_facts_can_be_folded_for_every_call_that_has_none_at_once(app, history):
    report, change = history
    from_saved = report()
    change(CallFacts.__table__.delete())
    with app.app_context(), db.engine().begin() as connection:
        note_call_facts(connection)
        saved = connection.scalar(select(func.count()).select_from(CallFacts))
        assert saved == connection.scalar(select(func.count(func.distinct(JourneyEvent.call_sid))))
        note_call_facts(connection)  # none left without facts: nothing added
        assert connection.scalar(select(func.count()).select_from(CallFacts)) == saved
    assert report() == from_saved


def test_a_call_without_a_journey_is_offered_and_nothing_else(history):
    report, change = history
    before = report()["figures"][0]
    change(insert(Call).values(call_sid="CA-no-journey", state={}, flow_version="v1", status="abandoned",
                               started_at=datetime(2026, 11, 12, 15, 0), updated_at=datetime(2026, 11, 12, 15, 0),
                               last_seq=0))
    after = report()["figures"][0]
    assert after["offered"] == before["offered"] + 1
    assert after["outcomes"] == {**before["outcomes"], "abandoned_in_ivr": before["outcomes"]["abandoned_in_ivr"] + 1}
