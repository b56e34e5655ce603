"""A known history of calls for the reports' tests: who called when, what they did, counted by hand."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from ivr.app import create_app
from ivr.config import ROOT
from ivr.services.demo import DEMO_CLIENTS, seed_demo
from ivr.store import db
from tests.conftest import TOKEN


JEANNE, ROBERT, MARC = ("100200300", "19480517"), ("200300400", "19611102"), ("400500600", "19900714")
CALLERS = ("+15145550142", "+16135550199", "+15145550177", "+15145550178", "+15145550179", "+18195550111")
"""Every caller number make_history dials from (the demo clients' and strangers')."""
SAID = ("H2X 3K8", "H3B 2Y5", "rue Sherbrooke Ouest")
"""What make_history's address change says: the old postal code, the new one, the new street."""


def personal_values() -> list[str]:
    """What must never appear in a report, an export or a chart: the demo clients' names (whole and
    each part), client numbers, birth dates (as keyed and as ISO dates), phone numbers (E.164, ten
    digits, 514-555-0142, (514) 555-0142, the last seven digits), streets, postal codes; the numbers
    make_history calls from, and what it says. Civic numbers, apartments and provinces are left
    out: "12" or "ON" are found in any page without being anyone's."""
    values: set[str] = set(SAID)
    for entry in DEMO_CLIENTS:
        client = entry["client"]
        values |= {client["name"], *client["name"].split(), client["client_number"], client["street"],
                   client["postal_code"], client["birth_date"].isoformat(), client["birth_date"].strftime("%Y%m%d")}
    for number in {*CALLERS, *(entry["client"]["phone"] for entry in DEMO_CLIENTS if entry["client"]["phone"])}:
        ten = number.removeprefix("+1")
        values |= {number, ten, f"{ten[:3]}-{ten[3:6]}-{ten[6:]}", f"({ten[:3]}) {ten[3:6]}-{ten[6:]}",
                   f"{ten[3:6]}-{ten[6:]}", ten[3:]}
    return sorted(values)


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
