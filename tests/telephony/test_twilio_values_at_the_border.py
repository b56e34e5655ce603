"""Every value Twilio sends is cleaned once at the border, before anything stores or shows it.

Examples from issue 13: a caller ID with a RIGHT-TO-LEFT OVERRIDE (U+202E) that a browser displays as
another client's number, and a 5 000-character caller ID that made the call page 51 000 px wide.
"""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from ivr.store import db
from ivr.store.models.calls import Call
from ivr.telephony.requests import (MAX_DIGITS, MAX_POSITION, MAX_SECONDS, MAX_SPEECH, AmbiguousField,
                                    phone_number, read)

from tests.support.desktop_fixtures import agents, desk, quick_password_hashing, text  # noqa: F401

SID = "CA" + "0123456789abcdef" * 2


def stored_caller(app, call_sid: str) -> str | None:
    with db.session_for(app) as session:
        return session.get(Call, call_sid).caller


def test_a_caller_id_with_a_right_to_left_override_is_not_shown_as_another_clients_number(app, desk, phone):
    call = phone(caller="+1514555\u202e2410").press("1").press("0")
    page = text(desk.get(f"/agent/calls/{call.call_sid}"))
    assert "\u202e" not in page
    shown = page.replace(call.call_sid, "")  # a CallSid's hex digits may hold "0142" by chance
    assert "(514) 555-0142" not in shown and "0142" not in shown  # Jeanne Tremblay's phone
    assert "Numéro masqué" in page
    assert stored_caller(app, call.call_sid) is None


def test_a_5000_character_caller_id_is_neither_stored_nor_shown(app, desk, phone):
    call = phone(caller="+1" + "5" * 4998).press("1").press("0")
    page = text(desk.get(f"/agent/calls/{call.call_sid}"))
    assert "5" * 20 not in page and "Numéro masqué" in page
    assert stored_caller(app, call.call_sid) is None
    api = desk.get(f"/agent/api/calls/{call.call_sid}").json
    assert api["caller"] is None


def test_a_valid_caller_id_is_kept_in_e164_and_shown_as_a_phone_number(app, desk, phone):
    call = phone(caller="+15145550142").press("1").press("0")
    assert stored_caller(app, call.call_sid) == "+15145550142"
    assert "(514) 555-0142" in text(desk.get(f"/agent/calls/{call.call_sid}"))


def test_a_caller_id_stored_before_the_border_cleaned_them_is_not_shown_raw(app, desk, phone):
    call = phone().press("1").press("0")
    with db.session_for(app) as session:
        session.get(Call, call.call_sid).caller = "+1514555\u202e2410"
    page = text(desk.get(f"/agent/calls/{call.call_sid}"))
    assert "\u202e" not in page and "Numéro masqué" in page


@pytest.mark.parametrize("raw, expected", [
    ("+15145550142", "+15145550142"),
    ("5145550142", "+15145550142"),            # a North American number without its "+"
    ("+33123456789", "+33123456789"),
    ("+1514555\u202e2410", None),               # a format character: not a number
    ("+1 514 555 0142", None),                  # not as Twilio writes numbers
    ("+1" + "5" * 4998, None),
    ("anonymous", None), ("client:alice", None), ("sip:alice@example.com", None), ("", None), (None, None),
    ("+1514555014２", None),                   # a full-width digit
    ("1-800-FLOWERS", None),                    # phonenumbers would read letters as keypad digits
])
def test_caller_and_called_numbers_come_out_in_e164_or_not_at_all(raw, expected):
    assert phone_number(raw) == expected


def test_each_field_is_typed_cleaned_and_bounded():
    request = read(MultiDict({
        "CallSid": SID, "From": "+15145550142", "To": "+18005550100",
        "Digits": "12\u200b3\x00" + "4" * 500,
        "SpeechResult": "rue\u202e Sherbrooke\u00a0Ouest\n" + "a" * 5000,
        "Confidence": "0.87", "CallStatus": "completed", "CallDuration": "999999999",
        "QueueSid": "QU" + "f" * 32, "QueueResult": "bridged\u202e" + "x" * 100, "QueueTime": "12",
        "QueuePosition": "99999999", "AvgQueueTime": "-3", "ErrorCode": "11200",
    }))
    assert request.call_sid == SID and request.caller == "+15145550142" and request.called == "+18005550100"
    assert request.digits.startswith("1234") and len(request.digits) == MAX_DIGITS
    assert request.speech.startswith("rue Sherbrooke Ouest a") and len(request.speech) == MAX_SPEECH
    assert request.confidence == 0.87 and request.call_status == "completed"
    assert request.call_duration == MAX_SECONDS and request.queue_time == 12
    assert request.queue_position == MAX_POSITION and request.average_queue_time is None
    assert request.queue_sid == "QU" + "f" * 32 and request.queue_result.startswith("bridgedx")
    assert len(request.queue_result) == 40 and request.error_code == "11200"


@pytest.mark.parametrize("name, raw, attribute, expected", [
    ("CallSid", "CA123", "call_sid", ""),
    ("CallSid", SID + "0", "call_sid", ""),
    ("CallSid", "CA" + "g" * 32, "call_sid", ""),
    ("QueueSid", "CA" + "0" * 32, "queue_sid", ""),
    ("Confidence", "nan", "confidence", None),
    ("Confidence", "inf", "confidence", None),
    ("Confidence", "1.5", "confidence", None),
    ("Confidence", "-0.1", "confidence", None),
    ("CallStatus", "completed\u202e", "call_status", ""),
    ("CallStatus", "<b>done</b>", "call_status", ""),
    ("CallDuration", "12.5", "call_duration", None),
    ("CallDuration", "١٢", "call_duration", None),  # Arabic-Indic digits are digits to int(), not to Twilio
    ("QueueTime", "-1", "queue_time", None),
    ("QueuePosition", "1e9", "queue_position", None),
    ("ErrorCode", "11200<script>", "error_code", ""),
    ("Digits", "\u202e\u2066", "digits", ""),
    ("SpeechResult", "\x07\x1b[31m", "speech", "[31m"),
])
def test_a_value_that_twilio_would_not_send_is_dropped_or_made_harmless(name, raw, attribute, expected):
    assert getattr(read({name: raw}), attribute) == expected


def test_absent_fields_read_as_absent():
    request = read({})
    assert (request.call_sid, request.caller, request.digits, request.speech, request.confidence) == (
        "", None, None, "", None)


@pytest.mark.parametrize("name", ["CallSid", "From", "Digits", "SpeechResult", "QueueResult", "IvrStartAt"])
def test_a_field_the_ivr_reads_with_two_different_values_cannot_be_read(name):
    with pytest.raises(AmbiguousField):
        read(MultiDict([(name, "1"), (name, "2")]))


def test_a_repeated_field_the_ivr_does_not_read_is_left_alone():
    assert read(MultiDict([("CallSid", SID), ("SipHeader_X-Route", "a"), ("SipHeader_X-Route", "b")])).call_sid == SID
