"""Every /voice/* request must be signed by Twilio for the URL Twilio used, or it gets a 403."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytest
from twilio.request_validator import RequestValidator

from ivr.app import create_app
from ivr.store import db
from ivr.telephony.phone import PhoneCall
from ivr.services.demo import seed_demo

from tests.conftest import TOKEN

PUBLIC = "https://ivr.example.gc.ca"
ENDPOINTS = ["/voice/incoming", "/voice/step?s=1", "/voice/step?s=1&timeout=1", "/voice/hold?lang=fr",
             "/voice/hold/key?lang=en", "/voice/queue-done", "/voice/status",
             "/voice/survey?lang=fr"]
FORM = {"CallSid": "CA" + "51" * 16, "From": "+15145550142", "To": "+18005550100", "Digits": "1", "CallStatus": "completed"}


def sign(url: str, form: dict[str, str], token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, form)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_every_voice_url_refuses_a_request_without_a_signature(client, path):
    response = client.post(path, data=FORM)
    assert response.status_code == 403 and b"<Response" not in response.data


@pytest.mark.parametrize("path", ENDPOINTS)
def test_every_voice_url_refuses_a_signature_made_with_another_token(client, path):
    response = client.post(path, data=FORM, headers={"X-Twilio-Signature": sign("http://localhost" + path, FORM, "x")})
    assert response.status_code == 403


@pytest.mark.parametrize("path", ENDPOINTS)
def test_every_voice_url_accepts_a_good_signature(client, path):
    response = client.post(path, data=FORM, headers={"X-Twilio-Signature": sign("http://localhost" + path, FORM)})
    assert response.status_code == 200


def test_a_signature_for_another_step_is_refused(client):
    signature = sign("http://localhost/voice/step?s=1", FORM)
    assert client.post("/voice/step?s=2", data=FORM, headers={"X-Twilio-Signature": signature}).status_code == 403


def test_a_refused_request_is_logged_without_what_the_caller_typed(client, caplog):
    caplog.set_level(logging.DEBUG)
    client.post("/voice/step?s=1", data={**FORM, "Digits": "100200300"})
    assert "missing or bad signature" in caplog.text and "100200300" not in caplog.text


# -- behind a proxy: the app sees http://localhost, Twilio signed https://ivr.example.gc.ca --------

@dataclass
class BehindProxy:
    """Twilio's side of a proxy: signs the public https URL, the app receives plain http."""

    client: Any

    def url(self, path: str) -> str:
        return PUBLIC + path

    def post(self, path: str, form: dict[str, str], signature: str) -> tuple[int, str]:
        response = self.client.post(path, data=form, base_url="http://localhost",
                                    headers={"X-Twilio-Signature": signature})
        return response.status_code, response.get_data(as_text=True)


@pytest.fixture
def proxied_app(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'proxy.db'}",
                      "TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": "s", "PUBLIC_URL": PUBLIC})
    with db.session_for(app) as session:
        seed_demo(session)
    return app


def test_behind_a_proxy_a_whole_call_is_accepted_with_https_signatures(proxied_app):
    call = PhoneCall(BehindProxy(proxied_app.test_client()), TOKEN).dial()
    call.press("1").press("1").press("100200300").press("19480517")
    assert "1 234,56 $" in call.heard()
    call.silence().press("0").hold().press("0")
    call.hang_up()
    assert set(call.statuses) == {200}


@pytest.mark.parametrize("path", ENDPOINTS)
def test_behind_a_proxy_a_signature_over_the_url_the_app_sees_is_refused(proxied_app, path):
    client = proxied_app.test_client()
    as_seen = sign("http://localhost" + path, FORM)
    assert client.post(path, data=FORM, headers={"X-Twilio-Signature": as_seen}).status_code == 403
    public = sign(PUBLIC + path, FORM)
    assert client.post(path, data=FORM, headers={"X-Twilio-Signature": public}).status_code == 200
