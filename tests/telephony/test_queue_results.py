"""How a wait in the agents' queue ends: over when bridged or hung up; never a hang-up when the queue failed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ivr import calls
from ivr.store import db
from ivr.config import ConfigError, check
from ivr.store.models.desktop import Callback
from ivr.telephony import outcomes

from tests.support.faultkit import signed_post
from tests.support.journeys import queued_in


def queued(phone):
    call = phone().press("1").press("0")
    assert call.transferred
    return call


def test_a_caller_bridged_to_an_agent_is_done_with_the_ivr_after_the_optional_question(phone):
    call = queued(phone)
    call.end_wait("bridged", queue_time=40)
    assert not call.transferred and "faites de 1 à 5" in call.heard()  # what callers think (issue 16)
    call.silence()
    assert call.hung_up


def test_when_the_queue_itself_fails_the_caller_hears_an_apology_and_is_put_back_in_line(phone):
    call = queued(phone)
    call.end_wait("system-error")
    assert not call.hung_up
    assert call.transferred and call.queue == "agents-fr"
    assert "problème technique" in call.heard()


def test_a_fault_while_noting_how_the_wait_ended_does_not_put_a_served_caller_back_in_line(phone, monkeypatch):
    call = queued(phone)

    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(calls, "load_call", broken)
    call.end_wait("hangup")
    assert call.statuses[-1] == 200 and call.hung_up


def full_queue(phone):
    """A caller sent to the agents, whom the queue refuses because it is full."""
    call = queued(phone)
    call.end_wait("queue-full")
    return call


def test_a_full_queue_offers_to_call_back_instead_of_an_endless_apology(app, phone):
    call = full_queue(phone)
    assert not call.hung_up and not call.transferred
    assert "Tous nos agents sont occupés. Nous ne pouvons pas mettre d'autres appels en attente" in call.heard()
    assert "Pour confirmer, faites le 1." in call.heard()
    assert "problème technique" not in call.heard()
    call.press("1")
    assert "Un agent vous rappellera" in call.heard() and call.hung_up
    with app.app_context():
        callback = db.session().scalar(select(Callback).where(Callback.call_sid == call.call_sid))
    assert callback.reason == "queue_full" and callback.number == "+15145550142" and callback.status == "open"


def test_a_caller_who_would_rather_wait_is_put_in_line_again_after_a_full_queue(phone):
    call = full_queue(phone).press("3")
    assert "Nous essayons de nouveau de vous transférer à un agent." in call.heard()
    assert call.transferred and call.queue == "agents-fr"


def test_silence_after_a_full_queue_tries_the_line_again(phone):
    call = full_queue(phone).silence()
    assert call.transferred and call.queue == "agents-fr"


def test_a_full_queue_that_stays_full_asks_again_rather_than_looping(phone):
    call = full_queue(phone).press("3")
    call.end_wait("queue-full")
    assert "Tous nos agents sont occupés" in call.heard() and not call.transferred


# -- every QueueResult of Twilio's reference, from one table (telephony/outcomes.py) -------------------

FAULT = {"fr": "Désolé, nous avons un problème technique.", "en": "Sorry, we have a technical problem."}
FAILING = {"fr": "Désolé, nous ne pouvons pas vous transférer à un agent pour le moment.",
           "en": "Sorry, we cannot connect you to an agent right now."}
FULL = {"fr": "Tous nos agents sont occupés. Nous ne pouvons pas mettre d'autres appels en attente pour le moment.",
        "en": "All our agents are busy. We cannot put more calls on hold right now."}
KEYS = {"fr": "1", "en": "2"}  # at the language menu


def status_of(app, call) -> str:
    with app.app_context():
        return calls.load_call(db.session(), call.call_sid).status


def test_the_table_names_every_queue_result_of_twilios_reference():
    assert set(outcomes.QUEUE_RESULTS) == {"bridged", "bridging-in-process", "queue-full", "error", "system-error",
                                           "hangup", "leave", "redirected", "redirected-from-bridged"}


OVER = [result for result, outcome in outcomes.QUEUE_RESULTS.items()
        if outcome.answer is outcomes.AfterQueue.HANG_UP and result not in ("hangup", "bridged")]
"""Results that end the IVR's part at once; "bridged" asks the optional end-of-call question first."""


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("result", OVER)
def test_a_wait_that_ended_with_a_person_or_elsewhere_is_over_without_an_apology_or_a_new_place_in_line(
        app, phone, result, language):
    call = queued_in(phone, language).end_wait(result)
    assert call.hung_up and not call.transferred
    assert FAULT[language] not in call.heard_now() and call.heard() == ""
    assert status_of(app, call) == outcomes.QUEUE_RESULTS[result].status != "queued"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_redirected_from_bridged_is_not_a_technical_problem_and_the_call_is_no_longer_waiting(app, phone, language):
    call = queued_in(phone, language).end_wait("redirected-from-bridged")
    assert "technical" not in call.heard() and "technique" not in call.heard()
    assert not call.transferred
    assert status_of(app, call) == "with_agent"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_caller_who_hangs_up_in_line_is_recorded_as_such(app, phone, language):
    call = queued_in(phone, language).hang_up()
    assert status_of(app, call) == "abandoned_in_queue"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_full_queue_offers_a_callback_in_the_callers_language(phone, language):
    call = queued_in(phone, language).end_wait("queue-full")
    assert FULL[language] in call.heard() and FULL["en" if language == "fr" else "fr"] not in call.heard()
    assert not call.transferred


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("result", ["error", "system-error"])
def test_a_failed_queue_apologises_in_the_callers_language_and_puts_them_back_in_line(app, phone, result, language):
    call = queued_in(phone, language).end_wait(result)
    assert FAULT[language] in call.heard() and FAULT["en" if language == "fr" else "fr"] not in call.heard()
    assert call.transferred and call.queue == f"agents-{language}"
    assert status_of(app, call) == "queued"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_queue_result_not_in_twilios_reference_is_logged_and_the_caller_kept_in_line(app, phone, language, caplog):
    call = queued_in(phone, language).end_wait("teleported")
    assert "QueueResult 'teleported' is not in Twilio's reference" in caplog.text
    assert call.transferred and FAULT[language] in call.heard()
    assert status_of(app, call) == "queued"


def failing_queue(phone, language: str, times: int):
    call = queued_in(phone, language)
    for _ in range(times):
        call.end_wait("error")
    return call


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_queue_that_keeps_failing_is_tried_a_bounded_number_of_times_then_a_callback_is_offered(
        app, phone, language):
    retries = app.config["QUEUE_RETRIES"]
    call = failing_queue(phone, language, retries)
    assert call.transferred  # tried again each time so far
    call.end_wait("error")
    assert not call.transferred
    assert FAILING[language] in call.heard() and FAULT[language] not in call.heard()
    assert "rester en ligne" not in call.heard() and "stay in line" not in call.heard()  # the line is what fails
    call.press("1")
    assert call.hung_up
    with app.app_context():
        callback = db.session().scalar(select(Callback).where(Callback.call_sid == call.call_sid))
    assert callback.reason == "queue_error" and callback.language == language and callback.status == "open"


GOODBYE = {"fr": "Rappelez-nous plus tard", "en": "Please call us again later"}
NOINPUT = {"fr": "Je n'ai rien entendu.", "en": "I didn't hear anything."}
NOMATCH = {"fr": "Désolé, je n'ai pas compris.", "en": "Sorry, I didn't get that."}
OFFER = {"fr": "Pour confirmer, faites le 1.", "en": "To confirm, press 1."}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_no_answer_to_the_callback_offer_of_a_failing_queue_is_asked_once_more_then_goodbye_not_a_loop(
        app, phone, language):
    call = failing_queue(phone, language, app.config["QUEUE_RETRIES"] + 1).silence()
    assert NOINPUT[language] in call.heard() and OFFER[language] in call.heard() and not call.hung_up
    call.silence()
    assert GOODBYE[language] in call.heard() and call.hung_up


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("key", ["3", "9", "*"])
def test_a_key_not_offered_after_a_failing_queue_gets_the_usual_reprompt_once_then_goodbye(
        app, phone, language, key):
    call = failing_queue(phone, language, app.config["QUEUE_RETRIES"] + 1).press(key)
    assert NOMATCH[language] in call.heard() and OFFER[language] in call.heard()
    assert GOODBYE[language] not in call.heard() and not call.hung_up
    call.press(key)
    assert GOODBYE[language] in call.heard() and call.hung_up


def test_after_a_reprompt_the_failing_queues_callback_offer_still_takes_the_callback(app, phone):
    call = failing_queue(phone, "fr", app.config["QUEUE_RETRIES"] + 1).press("3").press("1")
    assert call.hung_up
    with app.app_context():
        callback = db.session().scalar(select(Callback).where(Callback.call_sid == call.call_sid))
    assert callback.reason == "queue_error" and callback.status == "open"


def test_silence_at_the_number_question_of_a_failing_queue_is_asked_again_once(app, phone):
    call = failing_queue(phone, "en", app.config["QUEUE_RETRIES"] + 1).press("2").silence()
    assert NOINPUT["en"] in call.heard() and not call.hung_up
    call.silence()
    assert GOODBYE["en"] in call.heard() and call.hung_up


def test_the_number_of_tries_of_a_failing_queue_is_a_setting(app, phone):
    app.config["QUEUE_RETRIES"] = 0
    call = queued_in(phone, "fr").end_wait("system-error")
    assert not call.transferred and FAILING["fr"] in call.heard()


@pytest.mark.parametrize("value", ["-1", "11", "lots"])
def test_a_number_of_queue_tries_out_of_bounds_is_refused_at_start(value):
    config = {"TWILIO_AUTH_TOKEN": "t", "SECRET_KEY": "a-long-random-key-for-the-test", "QUEUE_RETRIES": value}
    with pytest.raises(ConfigError, match="IVR_QUEUE_RETRIES is"):
        check(config)


# -- every CallStatus of Twilio's reference, from the same table -------------------------------------

def post_status(app, call, status: str):
    return signed_post(app.test_client(), "/voice/status", {"CallSid": call.call_sid, "CallStatus": status,
                                                              "CallDuration": "30"})


@pytest.mark.parametrize("status", sorted(outcomes.FINAL_CALL_STATUSES))
def test_a_final_call_status_ends_the_call(app, phone, status):
    call = phone()
    assert post_status(app, call, status).status_code == 200
    with app.app_context():
        row = calls.load_call(db.session(), call.call_sid)
    assert row.ended_at is not None and row.end_status == status


@pytest.mark.parametrize("status", sorted(outcomes.LIVE_CALL_STATUSES) + ["teleported"])
def test_a_call_status_of_a_call_still_under_way_or_unknown_ends_nothing(app, phone, status, caplog):
    call = phone()
    assert post_status(app, call, status).status_code == 200
    with app.app_context():
        assert calls.load_call(db.session(), call.call_sid).ended_at is None
    assert ("is not in Twilio's reference" in caplog.text) == (status == "teleported")
    call.press("1")  # and the call goes on
    assert call.last.gather is not None


def test_after_a_bridged_call_the_question_takes_one_key_or_a_word_and_silence_goes_to_the_same_answer_url(phone):
    call = phone().press("2").press("0")
    call.end_wait("bridged", queue_time=40)
    assert call.last.xml == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/voice/survey?lang=en" '
        'actionOnEmptyResult="false" finishOnKey="" input="dtmf speech" language="en-CA" method="POST" '
        'numDigits="1" timeout="6"><Say language="en-US" voice="Polly.Joanna">Optional: to rate this call, from not '
        'satisfied to very satisfied, press 1 to 5.</Say></Gather><Redirect method="POST">/voice/survey?lang=en'
        '</Redirect></Response>')
