"""A caller in Twilio's queue is seen by the agents, whatever write failed on the way there.

The faults of issue 14 §1: a worker killed mid-step (then Twilio's fallback URL), a read-only or a
write-locked SQLite file, PostgreSQL stopped then restarted. Each time the caller hears the apology
and waits in Twilio's queue; the wait URL Twilio keeps asking records them as waiting, so an agent
sees them ("context not available") and takes them, and nothing is lost or doubled. In production
the desktop also asks Twilio who is in its queues (the gateway; a recording fake here).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select

from ivr import calls
from ivr.calls import line
from ivr.store import calls as callstore
from ivr.store import db
from ivr.store.calls import REACHED_THROUGH_FAULT
from ivr.store.models.desktop import Handling
from ivr.calls.gateway import QueueMember
from ivr.store.models.calls import Call, JourneyEvent

from tests.conftest import SHIPPED_ACTION_BUDGET_S, SHIPPED_STEP_BUDGET_S
from tests.support.databases import on_postgres
from tests.support.desktop_fixtures import agents, quick_password_hashing, csrf_of, desk, gateway_log, text  # noqa: F401
from tests.support.faultkit import WorkerKilled, broken, someone_holds_the_lock, sqlite_read_only, worker_killed

APOLOGY_FR = "Désolé, nous avons un problème technique. Je vous transfère à un agent."
CONTEXT_MISSING_FR = "Contexte non disponible"
TAKEN_BY_ANOTHER_FR = "Un autre agent a déjà pris cet appel."

sqlite_only = pytest.mark.skipif(on_postgres(), reason="a fault of SQLite's file")
postgres_only = pytest.mark.skipif(not on_postgres(), reason="stops and restarts the PostgreSQL server")


@pytest.fixture(autouse=True)
def shipped_budgets(monkeypatch):
    """Faults that outlast a step are this file's subject: its steps give up at the shipped budgets (2 s,
    1.5 s), not at the roomy ones of tests/conftest.py."""
    monkeypatch.setattr(line, "STEP_BUDGET_S", SHIPPED_STEP_BUDGET_S)
    monkeypatch.setattr(calls, "ACTION_BUDGET_S", SHIPPED_ACTION_BUDGET_S)


def engine_of(app):
    return app.extensions["ivr.db.engine"]


def listed(desk, call) -> str | None:
    """The caller's row in the agents' live queue, or None when they are not listed."""
    page = text(desk.get("/agent/live/waiting"))
    match = re.search(rf'<tr class="caller" data-call="{call.call_sid}">(.*?)</tr>', page, re.S)
    return match.group(1) if match else None


def take(desk, call) -> str:
    page = text(desk.get(f"/agent/calls/{call.call_sid}"))
    return text(desk.post(f"/agent/calls/{call.call_sid}/take", data={"csrf": csrf_of(page)}, follow_redirects=True))


def assert_reaches_a_person_once(app, desk, call, gateway_log) -> None:
    """Listed with its context marked missing, taken by the first agent who tries, recorded once."""
    row = listed(desk, call)
    assert row is not None and CONTEXT_MISSING_FR in row, text(desk.get("/agent/live/waiting"))
    page = take(desk, call)
    assert TAKEN_BY_ANOTHER_FR not in page and "Connexion en cours" in page
    assert [a["call_sid"] for a in gateway_log] == [call.call_sid]
    with db.session_for(app) as session:
        assert session.scalar(select(func.count()).select_from(Call).where(Call.call_sid == call.call_sid)) == 1
        assert session.get(Call, call.call_sid).status == "with_agent"
        assert session.scalar(select(func.count()).select_from(Handling).where(
            Handling.call_sid == call.call_sid)) == 1
        found = session.scalar(select(func.count()).select_from(JourneyEvent).where(
            JourneyEvent.call_sid == call.call_sid, JourneyEvent.event == "found_waiting"))
    assert found == 1


def in_line_after_fault(call) -> None:
    assert call.transferred and APOLOGY_FR in call.heard()


# -- a worker killed mid-step, then Twilio's fallback URL -------------------------------------------

@pytest.mark.parametrize("moves", [["1"], ["1", "0"]], ids=["choosing a language", "asking for an agent"])
def test_a_worker_killed_mid_step_then_the_fallback_url_leaves_a_caller_an_agent_sees_and_takes(
        app, desk, phone, gateway_log, moves, monkeypatch):
    call = phone()
    *before, last = moves
    for keys in before:
        call.press(keys)
    monkeypatch.setattr(callstore, "add_journey", worker_killed)  # after the step's UPDATE, before its commit
    with pytest.raises(WorkerKilled):
        call.press(last)
    monkeypatch.undo()
    call.fallback()
    in_line_after_fault(call)
    assert listed(desk, call) is None  # the killed step wrote nothing
    call.hold().hold()  # Twilio asks the wait URL again and again
    assert call.waiting is not None
    with db.session_for(app) as session:
        row = session.get(Call, call.call_sid)
        assert row.status == "queued" and row.transfer_reason == REACHED_THROUGH_FAULT
        assert row.queue == "agents-bilingual"  # where the fallback URL, knowing no language, put them
    assert_reaches_a_person_once(app, desk, call, gateway_log)


def test_the_fallback_url_still_opens_no_database(app, phone, monkeypatch):
    def no_database():
        raise AssertionError("the fallback URL must not open the database")

    call = phone()
    monkeypatch.setattr(db, "connection", no_database)
    monkeypatch.setattr(db, "session", no_database)
    call.fallback()
    assert call.transferred


# -- SQLite: a read-only file, a write lock held by someone else ---------------------------------------

@sqlite_only
def test_a_caller_who_dialled_while_the_sqlite_file_was_read_only_is_recorded_once_it_is_writable(
        app, desk, phone, gateway_log):
    with sqlite_read_only(engine_of(app)):
        call = phone()  # the greeting cannot be saved: the apology and the queue
        in_line_after_fault(call)
        call.hold()  # nor the wait: the caller still hears the hold loop
        assert call.last.gather is not None and "Vous êtes en position 1" in call.heard()
    with db.session_for(app) as session:
        assert session.get(Call, call.call_sid) is None
    call.hold()  # the file is writable again: the next wait-URL request records the caller
    assert_reaches_a_person_once(app, desk, call, gateway_log)
    with db.session_for(app) as session:
        row = session.get(Call, call.call_sid)
    assert row.caller == "+15145550142" and row.language is None and row.queue == "agents-bilingual"


@sqlite_only
def test_a_caller_sent_to_an_agent_while_sqlite_was_write_locked_is_recorded_once_the_lock_is_released(
        app, desk, phone, gateway_log):
    call = phone().press("1")
    with someone_holds_the_lock(engine_of(app)):
        call.press("0")
        in_line_after_fault(call)
        call.hold()
        assert call.last.gather is not None
    call.hold().hold()
    assert_reaches_a_person_once(app, desk, call, gateway_log)


# -- PostgreSQL stopped, then restarted ----------------------------------------------------------------

def _postgres(action: str) -> None:
    """pg_ctl on the throw-away cluster of .ci/with-postgres (its socket folder holds data/)."""
    url = urlparse(os.environ["IVR_PG_ADMIN_URL"])
    query = parse_qs(url.query)
    folder, port = query["host"][0], query["port"][0]
    pg_ctl = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1]
    command = [str(pg_ctl), "-D", f"{folder}/data", "-w"]
    if action == "stop":
        command += ["-m", "fast", "stop"]  # immediate would drop the last commits: the cluster runs with synchronous_commit=off
    else:
        command += ["-o", f"-c listen_addresses= -k {folder} -p {port} -c max_connections=200 -c fsync=off",
                    "-l", f"{folder}/server.log", "start"]
    if os.getuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


class Server:
    """The test's PostgreSQL server, stopped and started on demand; running again when the test ends."""

    def __init__(self) -> None:
        self.down = False

    def stop(self) -> None:
        _postgres("stop")
        self.down = True

    def start(self) -> None:
        _postgres("start")
        self.down = False


@pytest.fixture
def postgres():
    server = Server()
    yield server
    if server.down:
        server.start()


@postgres_only
def test_a_caller_who_dialled_while_postgresql_was_stopped_reaches_an_agent_once_it_is_restarted(
        app, desk, phone, gateway_log, postgres):
    postgres.stop()
    call = phone()
    in_line_after_fault(call)
    call.hold()
    assert call.last.gather is not None  # the hold loop needs no database
    postgres.start()
    call.hold().hold()
    assert_reaches_a_person_once(app, desk, call, gateway_log)


@postgres_only
def test_a_caller_sent_to_an_agent_while_postgresql_was_stopped_reaches_an_agent_once_it_is_restarted(
        app, desk, phone, gateway_log, postgres):
    call = phone().press("1")
    postgres.stop()
    call.press("0")
    in_line_after_fault(call)
    call.hold()
    postgres.start()
    call.hold().hold()
    assert_reaches_a_person_once(app, desk, call, gateway_log)


# -- the wait URL, request by request ------------------------------------------------------------------

def test_a_wait_url_that_cannot_record_the_caller_still_answers_the_hold_loop_in_time(app, phone):
    call = phone().press("1").press("0")
    with broken(engine_of(app)):
        call.hold()
    assert call.last.gather is not None and "Vous êtes en position 1" in call.heard()


# -- the desktop asks Twilio who waits -----------------------------------------------------------------

def test_a_caller_twilio_holds_whom_the_database_never_saw_is_listed_and_can_be_taken(app, desk, gateway_log):
    gateway = app.extensions["ivr.gateway"]
    sid = "CA" + "7" * 32
    gateway.members.append(QueueMember(sid, "agents-en"))
    gateway.callers[sid] = "+16135550199"
    page = text(desk.get("/agent/live/waiting"))
    assert sid in page and CONTEXT_MISSING_FR in page
    with db.session_for(app) as session:
        row = session.get(Call, sid)
    assert (row.status, row.language, row.caller, row.queue) == ("queued", "en", "+16135550199", "agents-en")
    page = text(desk.post(f"/agent/calls/{sid}/take", data={"csrf": csrf_of(text(desk.get(f"/agent/calls/{sid}")))},
                          follow_redirects=True))
    assert TAKEN_BY_ANOTHER_FR not in page and [a["call_sid"] for a in gateway_log] == [sid]


def test_the_desktop_asks_twilio_at_most_every_few_seconds(app, desk):
    gateway = app.extensions["ivr.gateway"]
    for _ in range(5):
        desk.get("/agent/live/waiting")
    assert gateway.lookups == 1


def test_a_call_stuck_in_self_service_that_twilio_holds_is_taken_not_refused_as_taken_by_another(
        app, desk, phone, gateway_log):
    call = phone().press("1")
    with broken(engine_of(app), only=r"^\s*(UPDATE|INSERT)"):  # the transfer and its fault note both fail
        call.press("0")
    in_line_after_fault(call)
    app.extensions["ivr.gateway"].members.append(QueueMember(call.call_sid, "agents-fr"))
    app.config["QUEUE_RECONCILE_S"] = 3600  # only the take itself asks Twilio
    page = take(desk, call)
    assert TAKEN_BY_ANOTHER_FR not in page and "Connexion en cours" in page


def test_a_caller_who_is_no_longer_waiting_is_not_said_to_be_taken_by_another_agent(app, desk, phone, gateway_log):
    call = phone().press("1").press("0")
    page = text(desk.get(f"/agent/calls/{call.call_sid}"))
    call.hang_up()
    page = text(desk.post(f"/agent/calls/{call.call_sid}/take", data={"csrf": csrf_of(page)}, follow_redirects=True))
    assert TAKEN_BY_ANOTHER_FR not in page and "Cette personne n'attend plus" in page
    assert gateway_log == []


@pytest.mark.parametrize("language, words", [("fr", "Contexte non disponible"), ("en", "Context not available")])
def test_agents_see_context_not_available_in_the_language_they_work_in(app, agents, phone, language, words):
    from tests.support.desktop_fixtures import sign_in

    with broken(engine_of(app), only=r"^\s*(UPDATE|INSERT)"):
        call = phone()
    call.hold()
    browser = sign_in(app.test_client(), *(("demo", "demo") if language == "fr" else ("sam", "sam-password")))
    assert words in (listed(browser, call) or "")
    assert words in text(browser.get(f"/agent/calls/{call.call_sid}"))


def test_the_json_api_says_which_waiting_calls_have_no_context(app, agents, phone):
    with broken(engine_of(app), only=r"^\s*(UPDATE|INSERT)"):
        lost = phone()
    lost.hold()
    known = phone().press("1").press("0")
    answer = app.test_client().get("/agent/api/queue", headers={"Authorization": f"Bearer {agents['sam_token']}"})
    waiting = {row["call_sid"]: row for row in answer.get_json()["waiting"]}
    assert waiting[lost.call_sid]["context_available"] is False
    assert waiting[lost.call_sid]["context_note"].startswith("Context not available")
    assert waiting[known.call_sid]["context_available"] is True and waiting[known.call_sid]["context_note"] is None
