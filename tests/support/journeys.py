"""Callers' journeys shared by tests: the keys that reach a step, a call on hold, a verified status call, the rows a call left."""

from __future__ import annotations

import json

from sqlalchemy import select

from ivr.store import db
from ivr.store.models.calls import Call, JourneyEvent
from ivr.store.models.desktop import Callback

VERIFIED_STATUS = ["1", "1", "100200300", "19480517"]


VERIFIED_ADDRESS = ["1", "2", "100200300", "19480517", "say:H2X 3K8"]  # with the step-up (issue 5)


ADDRESS_GIVEN = [*VERIFIED_ADDRESS, "say:H3B 2Y5", "500", "say:rue Sherbrooke", "say:Montréal", "#"]


PATHS = {
    "main/language": [],
    "main/menu": ["1"],
    "identify/client_number": ["1", "1"],
    "identify/birth_date": ["1", "1", "100200300"],
    "status/after_status": VERIFIED_STATUS,
    "status/after_refused": ["1", "1", "300400500", "19750228"],
    "step_up/postal_code_on_file": ["1", "2", "100200300", "19480517"],
    "address/postal_code": VERIFIED_ADDRESS,
    "address/civic_number": [*VERIFIED_ADDRESS, "say:H3B 2Y5"],
    "address/street": [*VERIFIED_ADDRESS, "say:H3B 2Y5", "500"],
    "address/city": [*VERIFIED_ADDRESS, "say:H3B 2Y5", "500", "say:rue Sherbrooke"],
    "address/apartment": [*VERIFIED_ADDRESS, "say:H3B 2Y5", "500", "say:rue Sherbrooke", "say:Montréal"],
    "address/confirm": ADDRESS_GIVEN,
    "address/offer_phone": [*ADDRESS_GIVEN, "1"],
    "address/phone": [*ADDRESS_GIVEN, "1", "1"],
    "address/anything_else": [*ADDRESS_GIVEN, "1", "2"],
    "survey/question": [*ADDRESS_GIVEN, "1", "2", "2"],
}
OPTIONAL_QUESTIONS = {"survey/question"}
"""Prompts that silence or another answer skip at once, politely ending the call (0 still reaches an agent)."""


FAULT_FR = "Désolé, nous avons un problème technique. Je vous transfère à un agent."


FAULT_EN = "Sorry, we have a technical problem. I'm transferring you to an agent."


LANGUAGE_KEY = {"fr": "1", "en": "2"}


def stored_rows(app, call_sid: str) -> str:
    with db.session_for(app) as session:
        journey = [e.detail for e in session.scalars(select(JourneyEvent).where(JourneyEvent.call_sid == call_sid))]
        call = session.get(Call, call_sid)
        return json.dumps({"journey": journey, "state": call.state, "reason": call.transfer_reason},
                          ensure_ascii=False)


def phone_question(phone, language="1"):
    """Jeanne, verified with the step-up, moves and is asked for her new phone number."""
    call = phone().press(language).press("2").press("100200300").press("19480517").say("H2X 3K8")
    return call.say("H3B 2Y5").press("500").say("rue Sherbrooke Ouest").say("Montréal").press("#").press("1") \
               .press("1")


def queued_in(phone, language: str):
    call = phone().press(LANGUAGE_KEY[language]).press("0")
    assert call.transferred and call.queue == f"agents-{language}"
    return call


JEANNE = ("100200300", "19480517", "H2X 3K8", "+15145550142")


def status_call(phone, number, born, caller="+15145559999"):
    return phone(caller=caller).press("1").press("1").press(number).press(born)


def fail_once(phone, number, caller):
    """One failed verification, then the caller asks for an agent (if not already sent to one)."""
    call = status_call(phone, number, "19000101", caller=caller)
    return call if call.transferred else call.press("0")


def on_hold_offered_a_callback(phone, caller: str = "+15145550142"):
    """An English caller in the agents' queue, offered a callback (pressed 1 on hold)."""
    return phone(caller=caller).press("2").press("0").hold().press("1")


def open_callbacks(app, number: str) -> list[Callback]:
    with db.session_for(app) as session:
        return list(session.scalars(select(Callback).where(Callback.number == number, Callback.status == "open")))


def seeded_beside(server, database_url: str):
    """An app on the real server's database, seeded with the demo clients, once the server answers."""
    from ivr.app import create_app
    from ivr.services.demo import seed_demo
    from ivr.telephony.phone import HttpTransport
    from tests.conftest import TOKEN

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "TWILIO_AUTH_TOKEN": TOKEN,
                      "SECRET_KEY": "test-secret"})
    with db.session_for(app, writes=True) as session:
        seed_demo(session)
    wait_until_it_answers(HttpTransport(server.url), server.log)
    return app


def on_hold(phone, caller: str = "+15145550142"):
    return phone(caller=caller).press("1").press("1").press("100200300").press("19480517").press("0")


def start_address_change(phone, language: str = "1"):
    call = phone().press(language).press("2")
    # The change needs the step-up: the postal code on file (issue 5).
    return call.press("100200300").press("19480517").say("H2X 3K8")


def give_address(call, apartment: str = "#"):
    call.say("H3B 2Y5").press("500").say("rue Sherbrooke Ouest").say("Montréal").press(apartment)
    return call


from tests.support.desktop_fixtures import (  # noqa: F401
    agents,
    csrf_of,
    desk,
    quick_password_hashing,
    text,
)
from tests.support.lines import line  # noqa: F401


def wait_until_it_answers(transport, log, seconds: float = 60) -> None:
    """A worker boots and migrates before it answers; on a loaded machine that can take a while."""
    import time

    give_up = time.monotonic() + seconds
    while True:
        try:
            if transport.post("/voice/fallback", {}, "")[0] == 403:  # unsigned: refused, but answered
                return
        except OSError:
            pass
        assert time.monotonic() < give_up, log.read_text()
        time.sleep(0.5)
