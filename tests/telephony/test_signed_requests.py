"""Twilio signs every value of a repeated field; the IVR checks exactly that, and reads only what was signed.

Twilio's webhook security (https://www.twilio.com/docs/usage/webhooks/webhooks-security): the URL, then
each POST field by name; twilio-python's RequestValidator.compute_signature takes every value of a
repeated name from a MultiDict (sorted, duplicates once), so the signature covers the set of values.
"""

from __future__ import annotations

import urllib.parse

from ivr.telephony.phone import FlaskTransport, PhoneCall, sign

from tests.conftest import TOKEN

STEP = "/voice/step?s=1"


def post(client, path: str, pairs: list[tuple[str, str]], signature: str):
    """A POST whose body is exactly `pairs`, in that order, as a client on the network could send it."""
    return client.post(path, data=urllib.parse.urlencode(pairs), content_type="application/x-www-form-urlencoded",
                       headers={"X-Twilio-Signature": signature})


def test_the_phone_signs_a_repeated_field_as_twilio_does():
    # twilio-python's own test vector for a repeated field (tests/unit/test_request_validator.py,
    # test_compute_signature_duplicate_multi_dict): token 12345, Digits sent twice.
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    form = {"Sid": "CA123", "SidAccount": "AC123", "Digits": ["5678", "1234"]}
    assert sign("12345", url, form) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_a_genuine_call_whose_requests_repeat_a_field_is_answered_all_the_way(app):
    call = PhoneCall(FlaskTransport(app.test_client()), TOKEN,
                     extra_fields={"SipHeader_X-Route": ["east", "west"]}).dial()
    call.press("1").press("1").press("100200300").press("19480517")
    assert "1 234,56 $" in call.heard()
    call.hang_up()
    assert set(call.statuses) == {200}


def test_a_keypress_appended_to_a_signed_request_is_refused(phone, client):
    call = phone().press("1")
    signed = {"CallSid": call.call_sid, "From": call.caller, "Digits": "1"}
    signature = sign(TOKEN, "http://localhost" + STEP, signed)
    pairs = list(signed.items())
    assert post(client, STEP, pairs, signature).status_code == 200
    assert post(client, STEP, [*pairs, ("Digits", "0")], signature).status_code == 403
    assert post(client, STEP, [("Digits", "0"), *pairs], signature).status_code == 403


def test_a_signed_request_with_two_different_keypresses_is_refused_as_unreadable(phone, client):
    call = phone()
    form = {"CallSid": call.call_sid, "Digits": ["1", "2"]}
    signature = sign(TOKEN, "http://localhost" + STEP, form)  # the order of 1 and 2 is not signed
    response = post(client, STEP, [("CallSid", call.call_sid), ("Digits", "1"), ("Digits", "2")], signature)
    assert response.status_code == 400 and b"<Response" not in response.data


def test_a_field_sent_twice_with_the_same_value_is_read_once(phone, client):
    call = phone()
    form = {"CallSid": call.call_sid, "Digits": ["1", "1"]}
    signature = sign(TOKEN, "http://localhost" + STEP, form)
    response = post(client, STEP, [("CallSid", call.call_sid), ("Digits", "1"), ("Digits", "1")], signature)
    assert response.status_code == 200 and "Pour l'état de votre demande" in response.get_data(as_text=True)
