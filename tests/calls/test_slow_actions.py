"""A backend action that hangs (an agency system that does not answer) strands no one: its caller
hears the action's error branch within the budget, and the callers dialling meanwhile are answered
and recorded as usual, because nothing (no transaction, no SQLite writer, no row) is held while an
action waits. Played against gunicorn, on SQLite and on PostgreSQL (`.ci/with-postgres`)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from ivr import calls
from ivr.store import db
from ivr.store.models.calls import Call, JourneyEvent
from ivr.telephony.phone import HttpTransport, PhoneCall

from tests.support import servers
from tests.conftest import SHIPPED_ACTION_BUDGET_S, SHIPPED_STEP_BUDGET_S, TOKEN
from tests.support.slow_backend import HANG_S, SLOW_CALLER
from tests.support.journeys import seeded_beside

STEP_BUDGET_S = SHIPPED_STEP_BUDGET_S  # 2 s: the gunicorn line's caller hears silence no longer than this
MARGIN_S = 1.0  # loopback, a loaded machine


@pytest.fixture
def slow_line(database_url, tmp_path):
    """gunicorn as deployed on this machine's SQLite (2 processes x 2 threads), with the hanging backend."""
    server = servers.start(database_url, tmp_path, "slow", workers=2, threads=2,
                           app="tests.support.slow_app:app")
    try:
        yield seeded_beside(server, database_url), server
    finally:
        server.stop()


def stored(app, call_sid: str) -> Call | None:
    with app.app_context():
        return db.session().scalar(select(Call).where(Call.call_sid == call_sid))


def journey_length(app, call_sid: str) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(JourneyEvent)
                                   .where(JourneyEvent.call_sid == call_sid))


def timed(step) -> float:
    started = time.monotonic()
    step()
    return time.monotonic() - started


def test_a_hanging_action_sends_its_caller_to_its_error_branch_in_time_and_slows_no_other_caller(slow_line):
    app, server = slow_line
    line = HttpTransport(server.url)
    slow = PhoneCall(line, TOKEN, caller=SLOW_CALLER).dial().press("2").press("1").press("100200300")
    known = [PhoneCall(line, TOKEN, caller=f"+1514555{3000 + i:04d}").dial().press("2").press("1")
             .press("100200300") for i in range(2)]

    def hangs() -> float:
        return timed(lambda: slow.press("19480517"))  # verification, then the status lookup that hangs

    def dials(i: int) -> tuple[PhoneCall, list[float]]:
        time.sleep(0.2)  # while the slow caller's lookup hangs
        call = PhoneCall(line, TOKEN, caller=f"+1514555{4000 + i:04d}")
        waits = [timed(call.dial), timed(lambda: call.press("1")), timed(lambda: call.press("1"))]
        return call, waits

    def checks_status(call: PhoneCall) -> float:
        time.sleep(0.2)
        return timed(lambda: call.press("19480517"))

    with ThreadPoolExecutor(max_workers=6) as pool:
        slow_wait = pool.submit(hangs)
        dialling = [pool.submit(dials, i) for i in range(3)]
        checking = [pool.submit(checks_status, call) for call in known]
        slow_waited = slow_wait.result()
        dialled = [future.result() for future in dialling]
        checked = [future.result() for future in checking]

    assert slow_waited < STEP_BUDGET_S + MARGIN_S, f"the slow caller waited {slow_waited:.1f} s in silence"
    assert "technical problem" in slow.heard() and slow.queue == "agents-en"
    assert (stored(app, slow.call_sid).status, stored(app, slow.call_sid).transfer_reason) == (
        "queued", "status/lookup:error")

    for call, waits in dialled:
        assert "problème technique" not in call.heard_all(), "a caller dialling meanwhile was sent away"
        assert "numéro de client" in call.heard(), call.heard_all()
        assert stored(app, call.call_sid) is not None and stored(app, call.call_sid).status == "in_ivr"
        assert max(waits) < 1.0, f"a caller dialling meanwhile waited {max(waits):.1f} s"
    for call, waited in zip(known, checked):
        assert "1 234,56 $" in call.heard() or "$1,234.56" in call.heard(), call.heard()
        assert waited < 1.0, f"a caller checking a status meanwhile waited {waited:.1f} s"

    # The lookup that hung answers at last: its result is dropped, the call stays where the error put it.
    before = (stored(app, slow.call_sid).last_seq, journey_length(app, slow.call_sid))
    time.sleep(HANG_S - slow_waited + 0.5)
    after = stored(app, slow.call_sid)
    assert (after.last_seq, journey_length(app, slow.call_sid)) == before
    assert (after.status, after.transfer_reason) == ("queued", "status/lookup:error")
    assert SHIPPED_ACTION_BUDGET_S < STEP_BUDGET_S


def test_an_agency_call_that_answers_after_the_caller_moved_on_changes_nothing(app, phone, monkeypatch):
    """In-process: an action that waits outside the database, then writes. Its caller hears the error
    branch at the budget; when the answer comes at last, its write is refused and nothing is kept."""
    from ivr.store.models.calls import ChangeRequest
    from ivr.services import actions

    from tests.support.journeys import give_address, start_address_change

    real = actions.ACTIONS["address.submit"]

    def agency_then_database(ctx):
        time.sleep(2.5)  # the agency's address system, slow to answer
        return real(ctx)

    monkeypatch.setitem(actions.ACTIONS, "address.submit", agency_then_database)
    monkeypatch.setattr(calls, "ACTION_BUDGET_S", 0.2)
    call = give_address(start_address_change(phone))
    waited = timed(lambda: call.press("1"))
    assert waited < 0.2 + 0.2 + MARGIN_S, f"the caller waited {waited:.1f} s"
    assert call.transferred and "problème technique" in call.heard() and "numéro de confirmation" not in call.heard()
    time.sleep(2.5)  # the late answer arrives
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(ChangeRequest)) == 0
    assert stored(app, call.call_sid).transfer_reason == "address/submit:error"


def test_the_shipped_actions_are_declared_database_only_and_others_are_not():
    from ivr.services import actions

    shipped = ["address.submit", "phone.update", "status.lookup", "verification.available", "client.verify"]
    assert all(actions.database_only(name) for name in shipped)
    assert not actions.database_only("agency.lookup")


def test_nothing_is_locked_while_an_action_waits_outside_the_database(app, phone, monkeypatch):
    """In-process: the verification (which writes) runs, then a lookup that asks another system. While
    that system is asked, another writer gets SQLite's writer lock, or the call's row on PostgreSQL, at once."""
    from sqlalchemy import text

    from ivr import deadline
    from ivr.services import actions

    real = actions.ACTIONS["status.lookup"]
    found = []

    def agency_lookup(ctx):
        with deadline.within(0.1, fresh=True), db.engine().connect() as other:
            try:
                if other.dialect.name == "postgresql":
                    other.execute(text("SELECT 1 FROM calls WHERE call_sid = :sid FOR UPDATE NOWAIT"),
                                  {"sid": ctx.call.call_sid})
                else:
                    other.execution_options(ivr_write_lock=True)
                    other.execute(text("SELECT 1"))  # begins as the writer: the lock file, then BEGIN IMMEDIATE
                found.append("free")
            except Exception as error:
                found.append(type(error).__name__)
            other.rollback()
        return real(ctx)

    monkeypatch.setitem(actions.ACTIONS, "status.lookup", agency_lookup)
    call = phone().press("1").press("1").press("100200300").press("19480517")
    assert found == ["free"]
    assert "1 234,56 $" in call.heard()


def test_a_caller_who_hangs_up_while_an_action_waits_is_not_put_back_in_the_queue(app, phone, monkeypatch):
    """Twilio's status callback lands while the agency is asked, which then fails (its error branch
    goes to an agent): the step's save finds the call ended and keeps nothing, so the desktop never
    lists a caller who is gone as waiting."""
    from sqlalchemy import update

    from ivr.services import actions

    def caller_hangs_up_meanwhile(ctx):
        with db.engine().begin() as other:  # what the status callback (calls.end_call) writes
            other.execute(update(Call).where(Call.call_sid == ctx.call.call_sid).values(
                status="abandoned", end_status="completed", ended_at=func.now()))
        raise ConnectionError("the agency's system went away")

    monkeypatch.setitem(actions.ACTIONS, "status.lookup", caller_hangs_up_meanwhile)
    call = phone().press("1").press("1").press("100200300").press("19480517")
    assert call.statuses[-1] == 200
    assert stored(app, call.call_sid).status == "abandoned"


def test_a_greeting_that_starts_with_a_hanging_lookup_greets_within_the_budget(tmp_path, database_url, phone,
                                                                                 monkeypatch):
    """Flows may start with an action (a lookup of the caller ID at the agency): the call is recorded
    first, and the greeting comes at the action's budget when the agency does not answer."""
    import shutil

    from ivr.app import create_app
    from ivr.config import ROOT
    from ivr.telephony.phone import FlaskTransport
    from ivr.services import actions

    def agency_knows_the_caller(ctx):
        time.sleep(2.5)  # the agency does not answer
        return actions.ActionResult("known")

    monkeypatch.setitem(actions.ACTIONS, "caller.lookup", agency_knows_the_caller)
    monkeypatch.setattr(calls, "ACTION_BUDGET_S", 0.3)
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    main = (flows / "main.yaml").read_text().replace("start: language\nsteps:\n", (
        "start: caller\nsteps:\n  caller:\n    action: caller.lookup\n    next: {known: language, error: language}\n\n"))
    (flows / "main.yaml").write_text(main)
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "TWILIO_AUTH_TOKEN": TOKEN,
                      "SECRET_KEY": "test-secret", "PUBLIC_URL": "", "FLOWS_DIR": flows})
    call = PhoneCall(FlaskTransport(app.test_client()), TOKEN)
    waited = timed(call.dial)
    assert waited < 0.3 + 0.2 + MARGIN_S, f"the caller waited {waited:.1f} s in silence"
    assert call.heard() == phone().heard(), "the caller did not hear the usual greeting"
    assert stored(app, call.call_sid).state["position"] == "main/language"
    db_engine = app.extensions["ivr.db.engine"]
    time.sleep(2.5)  # the late answer comes, and is dropped
    assert stored(app, call.call_sid).state["position"] == "main/language"
    db_engine.dispose()
