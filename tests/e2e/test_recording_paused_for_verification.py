"""Recorded calls: callers are told in both languages, and nothing they enter to prove who they are
(or their new address) is recorded."""

from __future__ import annotations

import json
import logging

import pytest
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client

from ivr.app import create_app
from ivr.store import db
from ivr.telephony.phone import FlaskTransport, PhoneCall
from ivr.telephony.recording import RecordingFake, TwilioRecordingControl
from ivr.services.demo import seed_demo

from tests.conftest import TOKEN


@pytest.fixture
def fake():
    return RecordingFake()


@pytest.fixture
def recorded_phone(tmp_path, fake):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'rec.db'}", "TWILIO_AUTH_TOKEN": TOKEN,
                      "SECRET_KEY": "s", "PUBLIC_URL": "", "RECORD_CALLS": True, "RECORDING_CONTROL": fake})
    with db.session_for(app) as session:
        seed_demo(session)
    return lambda: PhoneCall(FlaskTransport(app.test_client()), TOKEN).dial()


def kinds(fake) -> list[str]:
    return [what for what, _ in fake.actions]


def test_the_greeting_says_the_call_is_recorded_in_french_then_english_before_the_menu(recorded_phone, fake):
    said = recorded_phone().last.said
    assert "peut être enregistré" in said[0].text and said[0].language == "fr-CA"
    assert "may be recorded" in said[1].text and said[1].language == "en-US"
    assert "faites le 1" in said[2].text
    assert fake.actions == []  # recording starts only once the caller has heard that


def test_without_recording_the_greeting_says_nothing_about_it(phone):
    assert "enregistré" not in phone().heard() and "recorded" not in phone().heard()


def test_recording_is_paused_while_the_caller_gives_number_and_birth_date(recorded_phone, fake):
    call = recorded_phone().press("1")
    assert kinds(fake) == ["start"]
    call.press("1")  # status: the client number is asked
    assert kinds(fake) == ["start", "pause"]
    call.press("100200300")
    assert kinds(fake) == ["start", "pause"]
    call.press("19480517")
    assert "1 234,56 $" in call.heard()
    assert kinds(fake) == ["start", "pause", "resume"]
    assert {sid for _, sid in fake.actions} == {call.call_sid}


def test_recording_stays_paused_through_the_step_up_and_the_new_address_then_resumes(recorded_phone, fake):
    call = recorded_phone().press("2").press("2").press("100200300").press("19480517").say("H2X 3K8")
    call.say("H3B 2Y5").press("500").say("rue Sherbrooke Ouest").say("Montréal")
    assert kinds(fake) == ["start", "pause"]  # one pause from the client number to the apartment
    call.press("#")
    assert "500 rue Sherbrooke Ouest" in call.heard()
    assert kinds(fake) == ["start", "pause", "resume"]  # the read-back and confirmation are recorded
    call.press("1").press("1")
    assert kinds(fake) == ["start", "pause", "resume", "pause"]  # the new phone number


def test_a_recording_failure_never_drops_the_call(recorded_phone, fake, caplog):
    fake.fail = True
    call = recorded_phone().press("1").press("1").press("100200300").press("19480517")
    assert "1 234,56 $" in call.heard()
    assert "recording control failed" in caplog.text


class RecordingHttpClient(HttpClient):
    """Twilio's HTTP layer, recorded instead of sent: no network in tests."""

    def __init__(self):
        super().__init__(logging.getLogger("tests.twilio"), is_async=False)
        self.requests: list[dict] = []

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        self.requests.append({"method": method, "uri": uri, "data": dict(data or {})})
        body = {"sid": "RE" + "1" * 32, "call_sid": "CA1", "account_sid": "AC" + "0" * 32,
                "status": (data or {}).get("Status", "in-progress")}
        return Response(201 if uri.endswith("Recordings.json") else 200, json.dumps(body))


def test_the_twilio_control_pauses_the_current_recording_through_the_rest_api():
    http = RecordingHttpClient()
    control = TwilioRecordingControl(Client("AC" + "0" * 32, "token", http_client=http))
    sid = control.start("CA123")
    control.pause("CA123")
    control.resume("CA123")
    assert sid == "RE" + "1" * 32
    base = "https://api.twilio.com/2010-04-01/Accounts/AC" + "0" * 32 + "/Calls/CA123/Recordings"
    assert [(r["method"], r["uri"]) for r in http.requests] == [
        ("POST", base + ".json"),
        ("POST", base + "/Twilio.CURRENT.json"),
        ("POST", base + "/Twilio.CURRENT.json"),
    ]
    assert http.requests[1]["data"] == {"Status": "paused", "PauseBehavior": "skip"}
    assert http.requests[2]["data"] == {"Status": "in-progress"}


def test_recording_without_an_account_sid_refuses_to_start_and_names_the_variable(tmp_path, monkeypatch):
    from ivr.config import ConfigError

    monkeypatch.delenv("IVR_DEMO", raising=False)
    with pytest.raises(ConfigError, match="TWILIO_ACCOUNT_SID"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "k", "TWILIO_AUTH_TOKEN": "t",
                    "TWILIO_ACCOUNT_SID": "", "RECORD_CALLS": True})
