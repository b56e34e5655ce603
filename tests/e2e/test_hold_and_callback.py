"""Waiting in line: position and wait in the caller's language, 0 still answered, 1 to be called back."""

from __future__ import annotations


import pytest
from freezegun import freeze_time
from sqlalchemy import select

from ivr.store import db
from ivr.store.models.desktop import Callback
from ivr.store.models.calls import Call
from ivr.telephony.waiting import parse_callback_number

from tests.support.desktop_fixtures import agents, quick_password_hashing, csrf_of, desk, text  # noqa: F401
from tests.support.text import plain
from tests.support.journeys import on_hold


def test_the_hold_loop_says_position_and_a_rounded_wait_and_offers_a_callback(phone):
    call = on_hold(phone).hold(position=4, average_seconds=290)
    heard = call.heard()
    assert "Vous êtes en position 4 dans la file d'attente." in heard
    assert "L'attente est d'environ 5 minutes." in heard
    assert "Pour qu'un agent vous rappelle plutôt que d'attendre, faites le 1." in heard
    assert call.last.gather["numDigits"] == "1"
    assert call.last.redirect.startswith("/voice/hold")


def test_the_wait_is_never_zero_minutes(phone):
    call = on_hold(phone).hold(position=1, average_seconds=0)
    assert "L'attente est d'environ une minute." in call.heard()
    assert "0 minute" not in call.heard()


def test_english_callers_wait_in_english(phone):
    call = phone().press("2").press("0").hold(position=2, average_seconds=100)
    assert "You are number 2 in line." in call.heard()
    assert "The wait is about 2 minutes." in call.heard()
    assert "To be called back instead of waiting, press 1." in call.heard()


def test_zero_on_hold_is_answered_and_the_caller_keeps_their_place(phone):
    call = on_hold(phone).hold()
    call.press("0")
    assert "Vous êtes déjà en attente d'un agent." in call.heard()
    assert not call.last.hangup and call.last.redirect.startswith("/voice/hold")


def test_another_key_on_hold_explains_the_choice(phone):
    call = on_hold(phone).hold().press("5")
    assert "Pour qu'un agent vous rappelle plutôt que d'attendre, faites le 1. Sinon, restez en ligne" in call.heard()


def test_one_then_confirming_the_caller_id_stores_the_callback_and_leaves_the_queue(app, phone):
    call = on_hold(phone).hold().press("1")
    assert "Nous pouvons vous rappeler au (514) 555-0142." in call.heard()
    call.press("1")
    assert "Merci. Un agent vous rappellera aujourd'hui au (514) 555-0142." in call.heard()
    assert call.ended and call.waiting is None, "the caller left the queue (<Leave>) and the call ended"
    with db.session_for(app) as session:
        callback = session.scalar(select(Callback).where(Callback.call_sid == call.call_sid))
        assert callback.number == "+15145550142"
        assert callback.language == "fr" and callback.status == "open" and callback.reason == "on_hold"
        assert callback.client.client_number == "100200300"
        assert session.get(Call, call.call_sid).status == "callback"


def test_the_queue_done_url_records_that_the_caller_left_for_a_callback(app, desk, phone):
    with freeze_time("2026-11-23 15:00") as clock:
        call = on_hold(phone).hold().press("1")
        clock.tick(40)
        call.press("1")  # <Leave>: Twilio posts the <Enqueue> action with QueueResult=leave
    assert call.hung_up and call.ended
    with db.session_for(app) as session:
        assert session.get(Call, call.call_sid).status == "callback"
    context = desk.get(f"/agent/api/calls/{call.call_sid}?lang=en").json
    assert context["journey"][-1]["summary"] == "Left the queue for a callback after waiting 40 seconds"


def test_a_caller_who_hangs_up_in_the_queue_is_recorded_as_such(app, desk, phone):
    with freeze_time("2026-11-23 15:00") as clock:
        call = on_hold(phone).hold()
        clock.tick(125)
        call.hang_up()  # Twilio posts QueueResult=hangup, then the final status callback
    with db.session_for(app) as session:
        assert session.get(Call, call.call_sid).status == "abandoned_in_queue"
    context = desk.get(f"/agent/api/calls/{call.call_sid}?lang=fr").json
    assert plain(context["journey"][-1]["summary"]) == "A raccroché après 2 minutes d'attente"
    assert context["status_label"] == "A raccroché en attente"


def test_another_number_is_entered_and_checked(app, phone):
    call = on_hold(phone).hold().press("1").press("2")
    assert "Entrez le numéro de téléphone de 10 chiffres" in call.heard()
    call.press("5551234567")  # 555 is not an area code
    assert "Désolé, nous ne pouvons pas appeler ce numéro." in call.heard()
    call.press("6135550199#")
    assert "Un agent vous rappellera aujourd'hui au (613) 555-0199." in call.heard()
    with db.session_for(app) as session:
        assert session.scalar(select(Callback.number).where(Callback.call_sid == call.call_sid)) == "+16135550199"


def test_a_hidden_caller_id_goes_straight_to_typing_a_number(phone):
    call = on_hold(phone, caller="anonymous").hold().press("1")
    assert "Entrez le numéro de téléphone de 10 chiffres" in call.heard()


def test_two_bad_numbers_put_the_caller_back_in_line_not_off_the_phone(app, phone):
    call = on_hold(phone).hold().press("1").press("2").press("12").press("999")
    assert "Vous êtes toujours en attente d'un agent." in call.heard()
    assert call.last.redirect.startswith("/voice/hold")
    assert not call.last.hangup
    with db.session_for(app) as session:
        assert session.scalars(select(Callback)).all() == []


def test_choosing_to_stay_keeps_the_caller_in_line(phone):
    call = on_hold(phone).hold().press("1").press("3")
    assert "Vous êtes toujours en attente d'un agent." in call.heard()
    assert call.last.redirect.startswith("/voice/hold")


def test_callback_numbers_are_validated_with_phonenumbers(app):
    with app.app_context():  # the regions called are the line's (flows/global.yaml)
        assert parse_callback_number("5145550142") == "+15145550142"
        assert parse_callback_number("15145550142#") == "+15145550142"
        assert parse_callback_number("0145550142") is None
        assert parse_callback_number("514555014") is None
        assert parse_callback_number("51455501422") is None


def test_callbacks_appear_on_the_desktop_with_their_context_and_can_be_marked_done(app, desk, phone):
    call = on_hold(phone).hold().press("1").press("1")
    page = text(desk.get("/agent/"))
    assert "Demandes de rappel" in page
    assert "(514) 555-0142" in page and "Jeanne Tremblay" in page
    assert "A fait le 0 après avoir entendu l'état d'une demande de pension de retraite" in page
    assert f"/agent/calls/{call.call_sid}" in page
    context = desk.get(f"/agent/api/calls/{call.call_sid}?lang=en").json
    assert context["callback"]["number"] == "+15145550142"
    assert "Asked to be called back" in [step["summary"] for step in context["journey"]]
    assert "Pressed 0 after hearing the status of their retirement pension application" == context["reason"]
    with db.session_for(app) as session:
        callback_id = session.scalar(select(Callback.id))
    done = desk.post(f"/agent/callbacks/{callback_id}/done", data={"csrf": csrf_of(page), "note": "Rappelée."},
                     follow_redirects=True)
    assert "Rappel marqué comme fait." in text(done)
    assert "Aucune demande de rappel." in text(done)
    with db.session_for(app) as session:
        assert session.get(Callback, callback_id).status == "done"
    history = desk.get("/agent/api/clients/100200300/contacts?lang=en").json["contacts"]
    assert (history[0]["channel"], history[0]["subject"], history[0]["outcome_label"]) == (
        "phone", "status", "Called back")


@pytest.mark.parametrize("language, heard", [("1", "Vous êtes toujours en attente d'un agent."),
                                             ("2", "You are still waiting for an agent.")])
def test_a_callback_on_hold_for_a_call_the_database_lost_keeps_the_caller_in_line(phone, monkeypatch, language, heard):
    from ivr import calls

    call = phone().press(language).press("0").hold()
    monkeypatch.setattr(calls, "load_call", lambda *args: None)
    call.press("1").press("1")  # a callback on the caller ID, confirmed
    assert heard in call.heard() and call.waiting is not None and not call.hung_up
    assert "transfère" not in call.heard() and "transferring" not in call.heard()
