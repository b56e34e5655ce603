"""The Twilio webhook: signed requests only, TwiML that never drops a call, state in the database."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from ivr.app import create_app
from ivr.store import db
from ivr.config import ConfigError
from ivr.store.models.calls import Call, Contact
from ivr.telephony.phone import FlaskTransport, PhoneCall
from ivr.services import actions
from ivr.services.demo import seed_demo

from tests.conftest import TOKEN


def test_an_unsigned_request_is_refused_with_403_and_nothing_else(client):
    response = client.post("/voice/incoming", data={"CallSid": "CA1", "From": "+15145550142"})
    assert response.status_code == 403
    assert b"<Response" not in response.data


def test_a_request_signed_with_another_token_is_refused(client):
    form = {"CallSid": "CA1", "From": "+15145550142"}
    signature = RequestValidator("not-the-token").compute_signature("http://localhost/voice/incoming", form)
    response = client.post("/voice/incoming", data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_a_tampered_digit_breaks_the_signature(client, phone):
    call = phone()
    form = {"CallSid": call.call_sid, "Digits": "1"}
    url = "http://localhost" + call.last.gather["action"]
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    response = client.post(url, data={**form, "Digits": "2"}, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_behind_a_proxy_the_signature_is_checked_against_the_public_url(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
                      "TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_URL": "https://ivr.example.gc.ca"})
    form = {"CallSid": "CA" + "7" * 32, "From": "+15145550142"}
    good = RequestValidator(TOKEN).compute_signature("https://ivr.example.gc.ca/voice/incoming", form)
    as_seen = RequestValidator(TOKEN).compute_signature("http://localhost/voice/incoming", form)
    client = app.test_client()
    assert client.post("/voice/incoming", data=form, headers={"X-Twilio-Signature": as_seen}).status_code == 403
    assert client.post("/voice/incoming", data=form, headers={"X-Twilio-Signature": good}).status_code == 200


def test_every_gather_has_an_action_a_canadian_language_and_a_redirect_after_it(phone):
    call = phone()
    for answers in (["1"], ["1"], ["100200300"], ["19480517"]):
        root = ET.fromstring(call.last.xml)
        verbs = list(root)
        gather_at = [i for i, v in enumerate(verbs) if v.tag == "Gather"]
        assert len(gather_at) == 1
        gather = verbs[gather_at[0]]
        assert gather.get("action", "").startswith("/voice/step")
        assert gather.get("language") in ("fr-CA", "en-CA")
        assert verbs[gather_at[0] + 1].tag == "Redirect"
        call.press(answers[0])


def test_the_same_voice_speaks_french_throughout_a_french_call(phone):
    call = phone().press("1").press("1").press("100200300").press("19480517")
    voices = {s.voice for screen in call.screens[1:] for s in screen.said}
    assert voices == {"Polly.Chantal"}
    languages = {screen.gather["language"] for screen in call.screens[1:] if screen.gather}
    assert languages == {"fr-CA"}


def test_english_callers_hear_an_english_voice_and_wait_in_the_english_queue(phone):
    call = phone().press("2")
    assert {s.voice for s in call.last.said} == {"Polly.Joanna"}
    assert call.last.gather["language"] == "en-CA"
    call.press("0")
    assert call.queue == "agents-en"
    call.hold()
    assert "You are number 1 in line" in call.heard()


def test_the_greeting_offers_french_first_then_english(phone):
    said = phone().last.said
    assert [s.language for s in said] == ["fr-CA", "en-US"]
    assert "faites le 1" in said[0].text and "press 2" in said[1].text


def test_a_step_that_raises_sends_the_caller_to_an_agent_with_an_apology(app, phone, monkeypatch):
    def broken(ctx):
        raise RuntimeError("the benefits system is down")

    monkeypatch.setitem(actions.ACTIONS, "status.lookup", broken)
    call = phone().press("1").press("1").press("100200300").press("19480517")
    assert call.statuses[-1] == 200
    assert call.transferred
    assert "problème technique" in call.heard()
    with app.app_context():
        row = db.session().scalar(select(Call).where(Call.call_sid == call.call_sid))
        assert row.verified and row.transfer_reason == "status/lookup:error"


def test_a_crash_in_the_webhook_itself_still_answers_with_an_apology_and_a_transfer(app, phone, monkeypatch):
    from ivr import calls

    call = phone()

    def crash(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(calls, "advance", crash)  # the engine, which every step goes through
    call.press("1")
    assert call.statuses[-1] == 200
    assert call.transferred and call.queue == "agents-bilingual"  # the crash came before the language
    assert "problème technique" in call.heard() and "technical problem" in call.heard()


def test_call_state_lives_in_the_database_so_two_app_instances_serve_one_call(tmp_path):
    shared = f"sqlite:///{tmp_path / 'shared.db'}"
    config = {"TESTING": True, "DATABASE_URL": shared, "TWILIO_AUTH_TOKEN": TOKEN}
    first, second = create_app(dict(config)), create_app(dict(config))
    with db.session_for(first) as session:
        seed_demo(session)
    call = PhoneCall(FlaskTransport(first.test_client()), TOKEN).dial()
    clients = [second.test_client(), first.test_client()]
    for i, keys in enumerate(["1", "1", "100200300", "19480517"]):
        call.transport = FlaskTransport(clients[i % 2])
        call.press(keys)
    assert "1 234,56 $" in call.heard()


def test_a_retried_request_gets_the_same_answer_and_does_not_advance_the_call(client, phone):
    call = phone().press("1")
    action = call.screens[0].gather["action"]
    form = {"CallSid": call.call_sid, "Digits": "1"}
    url = "http://localhost" + action
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    again = client.post(url, data=form, headers={"X-Twilio-Signature": signature})
    assert again.get_data(as_text=True) == call.last.xml
    call.press("1")
    assert "numéro de client" in call.heard()


def test_the_status_callback_records_how_the_call_ended_and_adds_a_contact(app, phone):
    call = phone().press("1").press("1").press("100200300").press("19480517").press("2")
    call.hang_up("completed", duration=95)
    with app.app_context():
        session = db.session()
        row = session.scalar(select(Call).where(Call.call_sid == call.call_sid))
        assert row.end_status == "completed" and row.duration == 95
        contact = session.scalar(select(Contact).where(Contact.call_sid == call.call_sid))
        assert contact.subject == "status" and contact.channel == "ivr"


def test_a_caller_who_says_goodbye_is_counted_as_served_by_self_service(app, phone):
    from tests.support.journeys import give_address, start_address_change

    call = give_address(start_address_change(phone)).press("1").press("2").press("2").press("#")  # no score
    assert call.hung_up
    with app.app_context():
        contact = db.session().scalar(select(Contact).where(Contact.call_sid == call.call_sid))
        assert (contact.subject, contact.outcome) == ("address_change", "resolved_in_ivr")


def test_starting_without_a_twilio_token_outside_demo_names_the_variable(monkeypatch, tmp_path):
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    monkeypatch.delenv("IVR_DEMO", raising=False)
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "k"})
