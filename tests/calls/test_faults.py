"""Faults end with a person: what the caller hears, and that nothing is lost, doubled or falsely confirmed."""

from __future__ import annotations

import shutil
import time

import pytest
from sqlalchemy import func, select, text

from ivr import calls, deadline
from ivr.store import db
from ivr.calls import faults
from ivr.config import ROOT
from ivr.engine.findings import FlowsInvalid
from ivr.content.flowstore import store
from ivr.store.models.calls import Call, ChangeRequest, JourneyEvent
from ivr.store.models.security import AuditEvent
from ivr.services import actions

from tests.support.faultkit import broken, signed_post, someone_holds_the_lock
from tests.support.journeys import give_address, start_address_change
from tests.support.journeys import FAULT_EN, FAULT_FR

CONFIRMATION_FR = "numéro de confirmation"


def engine_of(app):
    return app.extensions["ivr.db.engine"]


def row(app, call) -> Call:
    with app.app_context():
        return db.session().scalar(select(Call).where(Call.call_sid == call.call_sid))


def count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session().scalar(query)


def press_or_say(call, answer: str):
    return call.say(answer[4:]) if answer.startswith("say:") else call.press(answer)


# -- Twilio's fallback URL -------------------------------------------------------------------------

def test_the_fallback_url_apologises_in_both_languages_and_queues_without_any_database(app, client, monkeypatch):
    def no_database():
        raise AssertionError("the fallback URL must not open the database")

    monkeypatch.setitem(app.extensions, "ivr.db", no_database)
    response = signed_post(client, "/voice/fallback", {"CallSid": "CA" + "fa" * 16, "ErrorCode": "11200",
                                                        "ErrorUrl": "https://ivr.example/voice/step"})
    assert response.status_code == 200
    from ivr.telephony.phone import Screen

    screen = Screen.parse(response.get_data(as_text=True))
    assert [s.text for s in screen.said] == [FAULT_FR, FAULT_EN]
    assert [s.language for s in screen.said] == ["fr-CA", "en-US"]
    # Twilio's fallback knows no language: the bilingual queue, and a hold loop in both languages.
    assert screen.enqueue["queue"] == "agents-bilingual" and screen.enqueue["waitUrl"] == "/voice/hold"


def test_the_fallback_url_still_checks_the_signature(client):
    assert client.post("/voice/fallback", data={"CallSid": "CAx"}).status_code == 403


# -- the database down at each kind of step --------------------------------------------------------

STEPS = {
    # what the caller does next -> the path that reaches it (French unless the path picks 2)
    "greeting": ("dial", []),
    "language menu": ("1", []),
    "main menu (English)": ("1", ["2"]),
    "keypad question": ("100200300", ["1", "1"]),
    "verification action": ("19480517", ["1", "1", "100200300"]),
    "speech question": ("say:H3B 2Y5", ["1", "2", "100200300", "19480517"]),
    "silence": ("silence", ["1", "1"]),
    "address confirmation": ("1", ["1", "2", "100200300", "19480517", "say:H2X 3K8", "say:H3B 2Y5", "500",
                                   "say:rue Sherbrooke Ouest", "say:Montréal", "#"]),
}


@pytest.mark.parametrize("where", sorted(STEPS))
def test_database_down_at_any_step_the_caller_hears_an_apology_in_their_language_and_reaches_an_agent(
        app, phone, where):
    answer, path = STEPS[where]
    english = path[:1] == ["2"]
    if answer == "dial":
        with broken(engine_of(app)):
            call = phone()
        assert call.statuses == [200]
        assert call.heard() == f"{FAULT_FR} {FAULT_EN}" and call.queue == "agents-bilingual"
        assert count(app, Call) == 0
        return
    call = phone()
    for earlier in path:
        press_or_say(call, earlier)
    before = row(app, call)
    events_before = count(app, JourneyEvent, call_sid=call.call_sid)
    with broken(engine_of(app)) as fault:
        call.silence() if answer == "silence" else press_or_say(call, answer)
    assert fault.failed >= 1 and call.statuses[-1] == 200
    if not path:  # the caller has not chosen a language yet: both, French first
        assert call.heard() == f"{FAULT_FR} {FAULT_EN}"
    else:
        assert call.heard() == (FAULT_EN if english else FAULT_FR)
    assert call.queue == ("agents-en" if english else "agents-fr" if path else "agents-bilingual")
    after = row(app, call)
    assert (after.last_seq, after.state) == (before.last_seq, before.state), "a failed step changed the call"
    assert count(app, JourneyEvent, call_sid=call.call_sid) == events_before
    assert count(app, ChangeRequest) == 0
    assert CONFIRMATION_FR not in call.heard_all()


def test_the_status_callback_with_the_database_down_still_answers_200(app, phone):
    call = phone().press("1")
    with broken(engine_of(app)):
        call.hang_up()
    assert call.statuses[-1] == 200


def test_a_status_callback_that_fails_does_not_show_the_finished_call_as_waiting_for_an_agent(app, phone, monkeypatch):
    call = phone().press("1")

    def broken_end(*args, **kwargs):
        raise RuntimeError("bug in the end-of-call bookkeeping")

    monkeypatch.setattr(calls, "end_call", broken_end)
    call.hang_up()
    assert call.statuses[-1] == 200
    assert (row(app, call).status, row(app, call).transfer_reason) == ("in_ivr", None)


# -- the step fails, the database is back a moment later: the agent still gets the context -----------

def test_a_step_whose_save_fails_is_undone_whole_and_the_call_is_recorded_as_sent_to_an_agent(app, phone):
    call = give_address(start_address_change(phone))
    with broken(engine_of(app), only=r"^UPDATE calls", times=1):
        call.press("1")
    assert call.heard() == FAULT_FR and call.queue == "agents-fr"
    assert CONFIRMATION_FR not in call.heard_all()
    assert count(app, ChangeRequest) == 0, "the caller was not told, so nothing may be stored"
    saved = row(app, call)
    assert (saved.status, saved.transfer_reason, saved.queue) == ("queued", "fault", "agents-fr")
    assert saved.verified and saved.state["vars"]["street"] == "rue Sherbrooke Ouest"
    with app.app_context():
        kinds = db.session().scalars(select(JourneyEvent.kind).where(JourneyEvent.call_sid == call.call_sid)).all()
    assert kinds[-1] == "fault"


# -- the database slower than the budget ----------------------------------------------------------

def test_a_database_slower_than_the_budget_sends_the_caller_to_an_agent_within_the_budget(app, phone, monkeypatch):
    app.config["STEP_BUDGET_S"] = 0.4
    monkeypatch.setattr(faults, "RECORD_BUDGET_S", 0.2)
    call = phone().press("2")
    before = row(app, call)
    with someone_holds_the_lock(engine_of(app)):
        started = time.monotonic()
        call.press("1")
        waited = time.monotonic() - started
    assert call.heard() == FAULT_EN and call.queue == "agents-en"
    assert waited < 0.4 + 0.2 + 0.8, f"the caller waited {waited:.1f} s in silence"
    assert row(app, call).last_seq == before.last_seq
    call2 = phone().press("1")
    assert "Pour l'état de votre demande" in call2.heard(), "the line works again once the lock is gone"


# -- backend actions that fail or are late --------------------------------------------------------

def test_an_address_action_that_raises_takes_its_error_branch_and_stores_nothing(app, phone, monkeypatch):
    def broken_backend(ctx):
        ctx.session.add(ChangeRequest(client_id=1, kind="address", confirmation="11111111", old_value={},
                                      new_value={}, call_sid=ctx.call.call_sid))
        ctx.session.flush()
        raise ConnectionError("the agency's address system refused the connection")

    monkeypatch.setitem(actions.ACTIONS, "address.submit", broken_backend)
    call = give_address(start_address_change(phone)).press("1")
    assert call.transferred and call.queue == "agents-fr"
    assert "problème technique" in call.heard() and CONFIRMATION_FR not in call.heard()
    assert count(app, ChangeRequest) == 0, "a half-made change was kept"
    assert row(app, call).transfer_reason == "address/submit:error"


def test_a_verification_that_fails_after_marking_the_call_verified_leaves_it_unverified(app, phone, monkeypatch):
    """The call is changed by actions outside the ORM's savepoint: a failed action's changes to it
    are put back by hand, so the agent never sees a caller as verified by a check that failed."""
    real = actions.ACTIONS["client.verify"]

    def verifies_then_breaks(ctx):
        real(ctx)  # marks the call verified and audits it
        raise ConnectionError("the agency's directory went away")

    monkeypatch.setitem(actions.ACTIONS, "client.verify", verifies_then_breaks)
    call = phone().press("1").press("1").press("100200300").press("19480517")
    assert call.transferred and "problème technique" in call.heard() and "1 234,56 $" not in call.heard()
    stored = row(app, call)
    assert not stored.verified and stored.verification_level is None and stored.verified_by is None
    assert count(app, AuditEvent, call_sid=call.call_sid, action="verification_succeeded") == 0


def test_a_status_lookup_that_fails_after_a_verification_keeps_the_caller_verified_for_the_agent(app, phone,
                                                                                                  monkeypatch):
    """Two actions in one step (the verification, then the status lookup): the first runs without a
    savepoint, the second behind one, so its failure undoes its own writes and not the first's;
    the agent sees a caller who was verified, with the verification audited once."""
    def broken_lookup(ctx):
        ctx.session.add(AuditEvent(action="status_lookup_started", outcome="started", actor_kind="system",
                                    actor="test", call_sid=ctx.call.call_sid))
        ctx.session.flush()
        raise ConnectionError("the agency's file system went away")

    setattr(broken_lookup, actions.DATABASE_ONLY, True)  # as the real lookup: run on the step's thread
    monkeypatch.setitem(actions.ACTIONS, "status.lookup", broken_lookup)
    call = phone().press("1").press("1").press("100200300").press("19480517")
    assert call.transferred and "problème technique" in call.heard() and "1 234,56 $" not in call.heard()
    stored = row(app, call)
    assert stored.verified and stored.transfer_reason == "status/lookup:error"
    assert count(app, AuditEvent, call_sid=call.call_sid, action="verification_succeeded") == 1
    assert count(app, AuditEvent, call_sid=call.call_sid, action="status_lookup_started") == 0


def test_an_action_that_answers_after_its_budget_is_a_failed_one(app, phone, monkeypatch):
    real = actions.ACTIONS["address.submit"]

    def slow_backend(ctx):
        result = real(ctx)
        time.sleep(0.3)
        return result

    monkeypatch.setitem(actions.ACTIONS, "address.submit", slow_backend)
    monkeypatch.setattr(calls, "ACTION_BUDGET_S", 0.1)
    call = give_address(start_address_change(phone)).press("1")
    assert call.transferred and "problème technique" in call.heard()
    assert CONFIRMATION_FR not in call.heard()
    assert count(app, ChangeRequest) == 0
    assert row(app, call).transfer_reason == "address/submit:error"


def test_an_action_stuck_in_a_slow_query_is_interrupted_at_its_budget(app, phone, monkeypatch):
    def slow_query(ctx):
        if ctx.session.get_bind().dialect.name == "postgresql":
            ctx.session.execute(text("SELECT pg_sleep(10)"))
        else:
            ctx.session.execute(text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"))
        raise AssertionError("the query should have been interrupted")

    monkeypatch.setitem(actions.ACTIONS, "status.lookup", slow_query)
    # The step's actions share this budget: the verification first, then the stuck lookup. 1 s leaves
    # the verification its time on a slow machine (0.3 s did not, once, in CI) and is far below the 10 s query.
    monkeypatch.setattr(calls, "ACTION_BUDGET_S", 1.0)
    call = phone().press("2").press("1").press("100200300")
    started = time.monotonic()
    call.press("19480517")
    assert time.monotonic() - started < 1.0 + 1.5, "the query was not interrupted at the actions' budget"
    assert call.queue == "agents-en" and "technical problem" in call.heard()
    assert row(app, call).transfer_reason == "status/lookup:error"


@pytest.mark.parametrize("database_only", [True, False], ids=["in the step's savepoint", "on an action thread"])
def test_an_action_whose_connection_was_lost_takes_its_error_branch_not_the_fault_path(app, phone, monkeypatch, caplog,
                                                                                       database_only):
    """Interrupted at its budget, a statement may leave the connection invalid (PostgreSQL under load
    in CI): the savepoint cannot be rolled back alone, so the whole transaction is, and the caller
    still hears the action's error branch rather than the step failing."""
    def loses_its_connection(ctx):
        ctx.session.connection().invalidate()
        raise deadline.DeadlineExceeded("the request's time budget is spent")

    if database_only:
        setattr(loses_its_connection, actions.DATABASE_ONLY, True)
    monkeypatch.setitem(actions.ACTIONS, "status.lookup", loses_its_connection)
    call = phone().press("2").press("1").press("100200300").press("19480517")
    assert call.queue == "agents-en" and "technical problem" in call.heard()
    assert row(app, call).transfer_reason == "status/lookup:error"
    assert "fault on call" not in caplog.text


# -- a flow reload that fails -----------------------------------------------------------------------

def test_a_broken_flow_edit_is_refused_and_calls_carry_on_with_the_last_good_flows(tmp_path, database_url):
    from ivr.app import create_app
    from ivr.telephony.phone import FlaskTransport, PhoneCall
    from ivr.services.demo import seed_demo

    from tests.conftest import TOKEN

    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "TWILIO_AUTH_TOKEN": TOKEN,
                      "FLOWS_DIR": flows})
    with db.session_for(app) as session:
        seed_demo(session)
    call = PhoneCall(FlaskTransport(app.test_client()), TOKEN).dial().press("1")
    (flows / "main.yaml").write_text((flows / "main.yaml").read_text().replace("next: status", "next: statuss"))
    with app.app_context():
        good = store().current.version
        with pytest.raises(FlowsInvalid):
            store().reload()
        assert store().current.version == good
    call.press("1")
    assert "numéro de client" in call.heard()
    fresh = PhoneCall(FlaskTransport(app.test_client()), TOKEN).dial().press("2").press("1")
    assert "client number" in fresh.heard()
    engine_of(app).dispose()
