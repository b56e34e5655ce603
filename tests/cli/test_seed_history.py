"""`ivr seed --demo --history N`: past calls played through the signed webhook, which the reports count.

The history's days are the weeks before "today", so each test freezes today (freezegun) and the same
seed must give the same history; the figures are read as `ivr report --format json` gives them.
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from freezegun import freeze_time
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from ivr.cli import main
from ivr.cli.playback import pool_size
from ivr.desktop import accounts
from ivr.services.demo import DEMO_CLIENTS, FICTIONAL_PREFIX, fictional_client
from ivr.store.models.calls import Call, Client, JourneyEvent
from ivr.store.models.desktop import Callback

from tests.support.databases import fresh_database_url

TODAY = "2026-11-30 20:00:00"  # 15:00 in Montréal, a Monday
FIRST_DAY, LAST_DAY = "2026-11-16", "2026-11-29"
FICTIONAL = re.compile(r"^\+1\d{3}55501\d\d$")
"""Caller IDs the North American numbering plan keeps for fiction: 555-0100 to 555-0199."""


def personal_values(calls: int) -> tuple[str, ...]:
    """What identifies the clients a history of `calls` calls may name: the demo clients and its fictional
    pool (their numbers, names, streets, postal codes, birth dates as typed, phones)."""
    entries = DEMO_CLIENTS + [fictional_client(index) for index in range(1, pool_size(calls) + 1)]
    return tuple({value for entry in entries for value in (
        entry["client"]["client_number"], entry["client"]["name"], entry["client"]["street"],
        entry["client"]["postal_code"], entry["client"]["birth_date"].strftime("%Y%m%d"), entry["client"]["phone"])
        if value})


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    monkeypatch.setattr(accounts, "HASH_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def seeded(tmp_path, monkeypatch):
    """Run `ivr seed --demo ARGS` on a new database (named `name`) on TODAY; returns (result, database URL)."""
    monkeypatch.setenv("IVR_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("IVR_DEMO", "1")  # the command sets it: monkeypatch puts the environment back
    monkeypatch.delenv("IVR_HOURS_FILE", raising=False)
    runner = CliRunner()
    opened = []

    def seed(*args: str, name: str = "ivr"):
        database = fresh_database_url(tmp_path, name)
        url = database.__enter__()
        opened.append(database)
        monkeypatch.setenv("IVR_DATABASE_URL", url)
        with freeze_time(TODAY):
            result = runner.invoke(main, ["seed", "--demo", *args])
        assert result.exit_code == 0, result.output + repr(result.exception)
        return result, url

    yield seed
    for database in opened:
        database.__exit__(None, None, None)


def report_of(url: str, monkeypatch, first_day: str = FIRST_DAY, form: str = "json") -> dict | str:
    """`ivr report` of the history's days (from `first_day`) as `form` gives it: parsed JSON, else the text."""
    monkeypatch.setenv("IVR_DATABASE_URL", url)
    result = CliRunner().invoke(main, ["report", "--from", first_day, "--to", LAST_DAY, "--format", form])
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if form == "json" else result.output


def total(report: dict, language: str = "*") -> dict:
    return next(f for f in report["figures"] if f["period"] == "total" and f["language"] == language)


def test_a_small_history_shows_every_family_of_figures_in_the_report(seeded, monkeypatch):
    result, url = seeded("--history", "40", "--seed", "16")

    assert f"40 past calls played through the webhook from {FIRST_DAY} to {LAST_DAY} (--seed 16, --weeks 2)" \
        in result.output
    assert "14 fictional clients on file for it beside the demo clients (14 added now)" in result.output
    figures = total(report_of(url, monkeypatch))
    outcomes, queue, repeats = figures["outcomes"], figures["queue"], figures["repeats"]
    assert figures["offered"] == 40
    assert outcomes["completed"] > 0 and outcomes["contained"] > 0 and outcomes["completed_then_sent"] > 0
    assert outcomes["abandoned_in_ivr"] > 0
    assert {"asked_for_agent", "not_understood", "no_answer", "not_verified", "fault", "after_hours"} \
        <= set(figures["sent_by_reason"])
    assert queue["answered"] > 0 and queue["hung_up"] > 0 and queue["waits"] > 0
    assert figures["callbacks"]["requested"] > 0 and figures["callbacks"]["done"] > 0
    assert repeats["again_7_days"] > 0 and repeats["same_subject_7_days"] > 0 and repeats["again_30_days"] > 0
    assert set(figures["completed_by_service"]) >= {"status", "address"}
    outcomes_rated = {group["outcome"] for group in figures["scores"] if group["answered"] > 0}
    assert outcomes_rated == {"self_service", "agent"}  # callers answered the question after both
    services_rated = {group["service"] for group in figures["scores"] if group["answered"] > 0}
    assert services_rated >= {"status", "address", "agent"}  # who heard their status ends with 3 and is asked
    assert sum(group["skipped"] for group in figures["scores"]) > 0
    french, english = total(report_of(url, monkeypatch), "fr")["offered"], total(report_of(url, monkeypatch), "en")["offered"]
    assert french > english > 0


def test_the_same_seed_plays_the_same_history_and_another_seed_another(seeded, monkeypatch):
    _, first = seeded("--history", "40", "--seed", "7", name="first")
    _, again = seeded("--history", "40", "--seed", "7", name="again")
    _, other = seeded("--history", "40", "--seed", "8", name="other")

    assert report_of(first, monkeypatch) == report_of(again, monkeypatch)
    assert report_of(first, monkeypatch) != report_of(other, monkeypatch)
    assert calls_in(first) == calls_in(again)


def calls_in(url: str) -> list[tuple]:
    engine = create_engine(url)
    with Session(engine) as session:
        rows = session.execute(select(Call.call_sid, Call.started_at, Call.language, Call.status, Call.transfer_reason)
                               .order_by(Call.started_at)).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_the_history_writes_no_personal_data_but_the_demo_and_fictional_clients(seeded):
    result, url = seeded("--history", "60", "--seed", "3")

    engine = create_engine(url)
    with Session(engine) as session:
        clients = set(session.scalars(select(Client.client_number)))
        callers = set(session.scalars(select(Call.caller)))
        callback_numbers = set(session.scalars(select(Callback.number)))
        journeys = " ".join(json.dumps(detail) for detail in session.scalars(select(JourneyEvent.detail)))
    engine.dispose()
    demo_phones = {entry["client"]["phone"] for entry in DEMO_CLIENTS if entry["client"]["phone"]}
    pool = {fictional_client(index)["client"]["client_number"] for index in range(1, pool_size(60) + 1)}
    assert clients == {entry["client"]["client_number"] for entry in DEMO_CLIENTS} | pool
    assert all(number.startswith(FICTIONAL_PREFIX) for number in pool)
    assert callback_numbers and all(FICTIONAL.match(number) for number in callback_numbers)
    assert {caller for caller in callers if not FICTIONAL.match(caller or "")} <= demo_phones
    assert not re.search(r"\b9\d{8}\b", journeys), "a client number typed (not on file) was kept"
    leaked = [value for value in personal_values(60) if value in result.output]
    assert not leaked and "CA" not in result.output.replace("CAD", "")


def test_the_same_history_twice_on_one_database_is_refused_with_the_fix(seeded, monkeypatch):
    _, url = seeded("--history", "10", "--seed", "5")
    with freeze_time(TODAY):
        again = CliRunner().invoke(main, ["seed", "--demo", "--history", "10", "--seed", "5"])
    assert again.exit_code == 1
    assert "the history of --seed 5 is in this database already" in again.output
    assert "give another --seed" in again.output
    assert total(report_of(url, monkeypatch))["offered"] == 10


def test_weeks_and_seed_without_a_history_are_refused_with_the_fix(seeded, tmp_path, monkeypatch):
    monkeypatch.setenv("IVR_INSTANCE_PATH", str(tmp_path))
    result = CliRunner().invoke(main, ["seed", "--demo", "--seed", "4"])
    assert result.exit_code == 2
    assert "add --history N" in result.output


@pytest.mark.parametrize("seed", ["16", "7"])
def test_a_long_history_looks_like_a_public_line_where_most_callers_call_once(seeded, monkeypatch, seed):
    """Bands of a real public-service line: a fifth to a third of the calls contained, first-contact
    resolution 70-85 %, 10-20 % of client contacts followed by another within 7 days."""
    result, url = seeded("--history", "400", "--seed", seed)
    first_day = "2026-10-05"  # 8 weeks
    assert f"from {first_day} to {LAST_DAY}" in result.output

    figures = total(report_of(url, monkeypatch, first_day))
    outcomes, repeats = figures["outcomes"], figures["repeats"]
    assert figures["offered"] == 400
    assert 0.20 <= outcomes["contained"] / figures["offered"] <= 0.35
    assert 0.70 <= repeats["first_contact_resolution"] <= 0.85
    assert 0.10 <= repeats["again_7_days"] / repeats["contacts"] <= 0.20
    every_form = [report_of(url, monkeypatch, first_day, form) for form in ("table", "csv")]
    every_form.append(json.dumps(report_of(url, monkeypatch, first_day), ensure_ascii=False))
    assert [value for value in personal_values(400) for text in every_form if value in text] == []
