"""A known history of calls for the reports' tests: who called when, what they did, counted by hand."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from ivr import create_app
from ivr.config import ROOT
from ivr.services.demo import seed_demo
from ivr.store import db
from tests.conftest import TOKEN


JEANNE, ROBERT, MARC = ("100200300", "19480517"), ("200300400", "19611102"), ("400500600", "19900714")


def status_call_of(call, client):
    return call.press("1").press(client[0]).press(client[1])


def make_history(phone):
    with freeze_time("2026-11-10 15:00:00") as clock:  # 10:00 in Montréal
        status_call_of(phone("+15145550142").press("1"), JEANNE).hang_up()
        clock.move_to("2026-11-10 15:05:00")
        robert = status_call_of(phone("+16135550199").press("2"), ROBERT).press("0")
        assert robert.transferred
        robert.end_wait("bridged", queue_time=40).silence()  # after the agent, the question skipped
        clock.move_to("2026-11-10 15:10:00")
        waiting = phone("+15145550177").press("1").press("0")
        assert waiting.transferred
        clock.tick(100)
        waiting.hang_up()
        clock.move_to("2026-11-10 15:20:00")
        phone("+15145550178").press("1").press("1").hang_up()
        clock.move_to("2026-11-11 01:00:00")  # 20:00 in Montréal
        phone("+15145550179").press("1").press("0").hang_up()
        clock.move_to("2026-11-11 04:59:30")  # 23:59:30 in Montréal
        marc = phone("+18195550111").press("1")
        clock.move_to("2026-11-11 05:00:30")  # 00:00:30 on the 11th
        status_call_of(marc, MARC).hang_up()
        clock.move_to("2026-11-12 15:00:00")
        address = phone("+15145550142").press("1").press("2").press(JEANNE[0]).press(JEANNE[1]).say("H2X 3K8")
        address.say("H3B 2Y5").press("500").say("rue Sherbrooke Ouest").say("Montréal").press("#")
        address.press("1").press("2").press("2").press("4")  # ends the call: what callers think, 4
        assert address.ended
        clock.move_to("2026-11-19 16:00:00")
        status_call_of(phone("+15145550142").press("1"), JEANNE).hang_up()


@pytest.fixture
def app(database_url):
    """The IVR with the shipped agents' hours in force (conftest's app has agents always in)."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "TWILIO_AUTH_TOKEN": TOKEN,
                      "SECRET_KEY": "test-secret", "PUBLIC_URL": "", "HOURS_FILE": ROOT / "flows" / "hours.yaml"})
    with db.session_for(app) as session:
        seed_demo(session)
    yield app
    app.extensions["ivr.db.engine"].dispose()
