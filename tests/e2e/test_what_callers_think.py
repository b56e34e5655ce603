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
from ivr.store.models.calls import Call, JourneyEvent
from ivr.store.models.survey import SurveyAnswer

from tests.support.faultkit import signed_post
from tests.support.journeys import JEANNE, phone_question


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


def _stored_rows(app):
    with app.app_context():
        return [dict(row._mapping) for row in db.session().execute(select(SurveyAnswer.__table__))]


@freeze_time("2026-11-23 15:00:00")
def test_jeanne_says_cinq_after_changing_her_phone_and_the_row_kept_leads_back_to_no_call_or_client(app, phone):
    call = phone_question(phone).type("18195550123#").press("2")
    assert "faites de 1 à 5" in call.heard()
    call.say("cinq")
    assert "Merci de votre réponse" in call.heard() and call.hung_up
    (row,) = _stored_rows(app)
    with app.app_context():
        (call_sid, version) = db.session().execute(select(Call.call_sid, Call.flow_version)).one()
    assert {k: v for k, v in row.items() if k != "id"} == {
        "day": date(2026, 11, 23), "language": "fr", "service": "phone", "outcome": "self_service",
        "flow_version": version, "score": 5}
    kept = " ".join(str(value) for value in row.values())
    assert not [v for v in (call_sid, *JEANNE, "5145550142", "8195550123") if v in kept]


@freeze_time("2026-11-23 15:00:00")
def test_0_at_the_question_after_self_service_still_reaches_an_agent_and_keeps_no_answer(app, phone):
    call = phone_question(phone, language="2").type("18195550123#").press("2")
    assert "press 1 to 5" in call.heard()
    call.press("0")
    assert call.transferred and call.queue == "agents-en"
    assert _stored_rows(app) == []


@freeze_time("2026-11-23 15:00:00")
def test_the_pound_key_after_self_service_skips_the_question_and_is_kept_as_skipped(app, phone):
    call = phone_question(phone).type("18195550123#").press("2").press("#")
    assert "Au revoir" in call.heard() and "faites de 1 à 5" not in call.heard() and call.hung_up
    assert [(a["service"], a["score"]) for a in _answers(app)] == [("phone", None)]


@freeze_time("2026-11-23 15:00:00")
def test_after_an_agent_0_skips_the_question_and_ends_the_call_rather_than_queue_again(app, phone):
    call = phone("+15145550142").press("1").press("0")
    call.end_wait("bridged", queue_time=30)
    assert "faites de 1 à 5" in call.heard()  # in the caller's language
    call.press("0")
    assert call.hung_up and not call.transferred
    assert [(a["language"], a["outcome"], a["score"]) for a in _answers(app)] == [("fr", "agent", None)]


@freeze_time("2026-11-23 15:00:00")
def test_a_caller_who_left_the_queue_unanswered_is_not_asked(app, phone):
    call = phone("+16135550199").press("2").press("0")
    call.end_wait("hangup", queue_time=30)
    assert "press 1 to 5" not in call.heard_all()
    assert _answers(app) == []


@freeze_time("2026-11-23 15:00:00")
def test_the_calls_journey_and_state_never_hold_the_score_given_after_self_service(app, phone):
    call = phone_question(phone, language="2").type("18195550123#").press("2").say("four")
    assert "Thank you for your answer" in call.heard()
    with app.app_context():
        session = db.session()
        journey = session.execute(select(JourneyEvent.position, JourneyEvent.event, JourneyEvent.detail).where(
            JourneyEvent.position.like("survey/%")).order_by(JourneyEvent.id)).all()
        state = session.scalar(select(Call.state))
    assert ("survey/question", "entered", {"name": "survey_score", "value": "•", "by": "speech"}) in journey
    assert not [row for row in journey if "4" in str(row.detail) or "four" in str(row.detail)]
    assert "survey_score" not in state.get("vars", {})
    assert [a["score"] for a in _answers(app)] == [4]


@freeze_time("2026-11-23 15:00:00")
def test_an_answer_after_an_agent_that_twilio_sends_twice_is_kept_once(app, client, phone):
    call = phone("+16135550199").press("2").press("0")
    call.end_wait("bridged", queue_time=30)
    path, form = call.last.gather["action"], {"CallSid": call.call_sid, "From": call.caller, "To": call.called,
                                              "Digits": "3"}
    first, again = signed_post(client, path, form), signed_post(client, path, form)
    assert first.status_code == again.status_code == 200 and b"Thank you for your answer" in again.data
    assert [a["score"] for a in _answers(app)] == [3]
