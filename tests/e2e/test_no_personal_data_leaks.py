"""Full calls for every demo client, with every log line captured at DEBUG: no personal value of any
demo client may appear in a log line, a TwiML URL, a journey row or the anonymous counts."""

from __future__ import annotations

import json
import logging
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from ivr import calls
from ivr.store import db
from ivr.logs import install, scrub
from ivr.store.models.calls import JourneyEvent
from ivr.store.models.survey import SurveyAnswer
from ivr.store.models.security import AuditEvent, DailyCallCount, DailyStepCount
from ivr.services.demo import DEMO_CLIENTS

from tests.support.security_helpers import ivr


def personal_values() -> dict[str, str]:
    """Every form in which a demo client's personal data could leak, with what it is."""
    values: dict[str, str] = {}
    for entry in DEMO_CLIENTS:
        c = entry["client"]
        born = c["birth_date"]
        values[c["client_number"]] = "client number"
        values[born.strftime("%Y%m%d")] = "birth date"
        values[born.isoformat()] = "birth date"
        values[c["postal_code"]] = "postal code"
        values[c["postal_code"].replace(" ", "")] = "postal code"
        values[c["street"]] = "street"
        values[f"{c['civic_number']} {c['street']}"] = "address"
        values[c["name"]] = "name"
        if c["phone"]:
            national = c["phone"][2:]
            values[c["phone"]] = "phone"
            values[national] = "phone"
            values[f"{national[:3]}-{national[3:6]}-{national[6:]}"] = "phone"
            values[f"({national[:3]}) {national[3:6]}-{national[6:]}"] = "phone"
    return values


PERSONAL = personal_values()
CLIENTS = [(e["client"]["client_number"], e["client"]["birth_date"].strftime("%Y%m%d"), e["client"]["postal_code"],
            e["client"]["phone"]) for e in DEMO_CLIENTS]


def leaks(text: str) -> list[str]:
    return [f"{kind} {value!r}" for value, kind in PERSONAL.items() if value.lower() in text.lower()]


def url_attributes(xml: str) -> list[str]:
    found = []
    for element in ET.fromstring(xml).iter():
        found.extend(v for v in element.attrib.values())
        if element.tag in ("Redirect", "Play") and element.text:
            found.append(element.text)
    return found


def run_every_kind_of_call(phone) -> list:
    """Status, address and phone changes, failures, throttling, a hold, for every demo client."""
    made = []
    for i, (number, born, postal, own_phone) in enumerate(CLIENTS):
        other = CLIENTS[(i + 1) % len(CLIENTS)]
        moved_to = DEMO_CLIENTS[(i + 1) % len(DEMO_CLIENTS)]["client"]
        for language in ("1", "2"):
            caller = own_phone or "+18195550100"
            status = phone(caller=caller).press(language).press("1").press(number).press(born)
            status.press("1").press("2").press("0").hold().hang_up("completed", 120)
            change = phone(caller=other[3] or caller).press(language).press("2").press(number).press(born)
            change.say(postal).say(moved_to["postal_code"]).press(moved_to["civic_number"]).say(moved_to["street"])
            change.say(moved_to["city"]).press((moved_to["apartment"] or "") + "#").press("1").press("1")
            change.press((other[3] or "+14185550123")[2:]).press("2").press("3")  # and a score of 3
            assert change.ended  # the IVR said goodbye and hung up; the phone posted the status callback
            made += [status, change]
        wrong = phone(caller=caller).press("1").press("2").press(number).press(born).say("A1A 1A1").say("B2B 2B2")
        wrong.hang_up("completed", 60)
        made.append(wrong)
    for number, *_ in CLIENTS:  # three misses on one file suspend it; the right answers then get an agent
        for attempt in range(3):
            miss = phone(caller=f"+1514555{attempt:04d}").press("2").press("1").press(number).press("19000101")
            made.append(miss if miss.transferred else miss.press("0"))
        made.append(phone().press("1").press("1").press(number).press(CLIENTS[0][1]))
    attacker = phone(caller="+18195550111").press("2").press("1")
    for guess in range(600000000, 600000004):
        if attacker.transferred:
            break
        attacker.press(str(guess)).press("20000101")
    made.append(attacker)
    return made


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("ivr", "werkzeug", "sqlalchemy", "sqlalchemy.engine", "twilio"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def test_no_personal_value_of_any_demo_client_leaks_from_complete_calls(app, phone, debug_logs, monkeypatch):
    start = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
    with freeze_time(start):
        made = run_every_kind_of_call(phone)
    with freeze_time(start + timedelta(days=8)):
        ivr(app, monkeypatch, "change", "apply-due")
        for number, *_ in CLIENTS:
            ivr(app, monkeypatch, "audit", number)

    # A crash whose message carries personal values: the traceback is logged, scrubbed.
    def crash(*args, **kwargs):
        raise RuntimeError(f"lookup failed for {CLIENTS[0][0]} born 1948-05-17 at H2X 3K8 tel +15145550142")

    monkeypatch.setattr(calls, "advance", crash)  # the engine, which every step goes through
    crashed = phone()
    assert crashed.transferred
    monkeypatch.undo()

    assert len(made) > 20 and any(c.transferred for c in made)
    assert any("1 234,56 $" in c.heard_all() for c in made)  # the calls really reached personal data
    problems = []
    records = debug_logs.records
    assert any(r.name.startswith("sqlalchemy") for r in records)  # DEBUG capture really covered libraries
    assert any(r.exc_text and "RuntimeError" in r.exc_text for r in records)
    for record in records:
        for text in (record.getMessage(), record.exc_text or "", record.stack_info or ""):
            problems += [f"log {record.name}: {leak}" for leak in leaks(text)]
    problems += [f"formatted logs: {leak}" for leak in leaks(debug_logs.text)]
    for call in made + [crashed]:
        for screen in call.screens:
            for url in url_attributes(screen.xml):
                problems += [f"TwiML URL {url!r}: {leak}" for leak in leaks(url)]
    with app.app_context():
        session = db.session()
        journeys = session.scalars(select(JourneyEvent)).all()
        assert len(journeys) > 100
        for row in journeys:
            text = json.dumps([row.position, row.kind, row.event, row.detail], ensure_ascii=False)
            problems += [f"journey {row.position}: {leak}" for leak in leaks(text)]
        answers = [dict(row._mapping) for row in session.execute(select(SurveyAnswer.__table__))]
        assert [a["score"] for a in answers].count(3) == 2 * len(CLIENTS)  # each address change was scored
        problems += [f"survey answer: {leak}" for a in answers for leak in leaks(json.dumps(a, default=str))]
        for row in session.scalars(select(AuditEvent)):
            text = json.dumps([row.actor, row.caller, row.old_value, row.new_value, row.detail], ensure_ascii=False)
            problems += [f"audit {row.action}: {leak}" for leak in leaks(text)]
    assert problems == []


def test_the_anonymous_counts_left_by_purge_hold_no_personal_value(app, phone, monkeypatch):
    with freeze_time(datetime(2024, 1, 5, 12, 0, tzinfo=timezone.utc)):
        run_every_kind_of_call(phone)
    with freeze_time(datetime(2026, 6, 1, tzinfo=timezone.utc)):
        ivr(app, monkeypatch, "purge")
    with app.app_context():
        session = db.session()
        steps = session.scalars(select(DailyStepCount)).all()
        days = session.scalars(select(DailyCallCount)).all()
        assert steps and days and days[0].calls > 20
        text = json.dumps([[s.position, s.event] for s in steps], ensure_ascii=False)
    assert leaks(text) == []


def test_tracebacks_and_stack_traces_of_any_logger_are_scrubbed(caplog):
    install()  # as create_app and every server do
    caplog.set_level(logging.DEBUG)
    try:
        raise KeyError("100200300")
    except KeyError:
        logging.getLogger("some.library").exception("failed for %s", "H2X 3K8")
    logging.getLogger("other").warning("phone %s", "+15145550142", stack_info=True)
    text = caplog.text
    assert "KeyError" in text and "•••-•••-300" in text
    assert "100200300" not in text and "H2X 3K8" not in text and "5145550142" not in text


def test_a_werkzeug_access_line_is_scrubbed_and_form_data_never_reaches_the_url(caplog, phone):
    caplog.set_level(logging.INFO)
    logging.getLogger("werkzeug").info('%s - - [%s] "%s" %s -', "127.0.0.1", "23/Nov/2026 15:00:00",
                                       "POST /voice/step?client=100200300&born=19480517 HTTP/1.1", "200")
    assert "100200300" not in caplog.text and "19480517" not in caplog.text
    call = phone().press("1").press("1").press("100200300")
    assert all("100200300" not in u for s in call.screens for u in url_attributes(s.xml))


def test_scrub_masks_client_numbers_postal_codes_and_dates_and_keeps_call_ids():
    assert scrub("client 100200300") == "client •••-•••-300"
    assert scrub("code H2X 3K8 or h2x3k8") == "code H2X ••• or H2X •••"
    assert scrub("born datetime.date(1948, 5, 17)") == "born datetime.date(••••, •, ••)"
    assert scrub("call CAabc123 at identify/verify") == "call CAabc123 at identify/verify"
