"""What callers think (issue 16): one optional 1-5 question after a completed call, kept with no trace of the caller."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from freezegun import freeze_time
from sqlalchemy import select

from ivr.config import ROOT
from ivr.engine.costs import read_costs
from ivr.services.reports import By, build_report
from ivr.store import db
from ivr.store.models.survey import SurveyAnswer

def _answers(app):
    with app.app_context():
        return [row._asdict() for row in db.session().execute(select(
            SurveyAnswer.day, SurveyAnswer.language, SurveyAnswer.service, SurveyAnswer.outcome,
            SurveyAnswer.score))]


@freeze_time("2026-11-23 15:00:00")
def test_after_a_bridged_agent_call_the_caller_rates_it_by_key_and_the_row_keeps_no_caller(app, phone):
    call = phone("+16135550199").press("2").press("0")
    assert call.transferred
    call.end_wait("bridged", queue_time=30)
    assert "press 1 to 5" in call.heard()
    call.press("4")
    assert "Thank you for your answer" in call.heard()
    assert _answers(app) == [{"day": date(2026, 11, 23), "language": "en", "service": "agent",
                              "outcome": "agent", "score": 4}]
    with app.app_context():
        columns = set(SurveyAnswer.__table__.columns.keys())
    assert not columns & {"call_sid", "client_id", "caller", "called"}


@freeze_time("2026-11-23 15:00:00")
def test_after_an_agent_call_a_score_said_aloud_is_kept(app, phone):
    call = phone("+16135550199").press("2").press("0")
    call.end_wait("bridged", queue_time=30)
    call.say("five")
    assert "Thank you for your answer" in call.heard()
    assert [a["score"] for a in _answers(app)] == [5]


@freeze_time("2026-11-23 15:00:00")
def test_after_an_agent_call_silence_skips_politely_and_is_counted_in_the_report(app, phone):
    call = phone("+16135550199").press("2").press("0")
    call.end_wait("bridged", queue_time=30)
    call.silence()
    assert "Goodbye" in call.heard() and "press 1 to 5" not in call.heard()
    with app.app_context(), db.engine().connect() as connection:
        report = build_report(connection, date(2026, 11, 23), date(2026, 11, 23), By.DAY,
                              ZoneInfo("America/Montreal"), read_costs(ROOT / "flows"))
    (scores,) = report.total().scores
    assert (scores.service, scores.asked, scores.answered, scores.skipped, scores.mean) == ("agent", 1, 0, 1, None)


@freeze_time("2026-11-23 15:00:00")
def test_a_caller_who_asked_for_a_person_in_self_service_is_not_asked_after_the_queue_hangup(app, phone):
    call = phone("+16135550199").press("2").press("0")
    call.hang_up()
    assert _answers(app) == []
