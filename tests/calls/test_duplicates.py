"""Twilio retries a request it thinks failed: the same step twice gives the same answer and one change."""

from __future__ import annotations

import threading
import time
from collections import Counter

from sqlalchemy import func, select, update

from ivr.store import db
from ivr.store.models.calls import Call, ChangeRequest, JourneyEvent

from ivr.telephony.phone import Screen

from tests.support.faultkit import signed_post
from tests.support.journeys import give_address, start_address_change


def confirm_form(call) -> tuple[str, dict[str, str]]:
    """The request the caller's "1" at the read-back makes, exactly as Twilio would send it again."""
    return call.last.gather["action"], {"CallSid": call.call_sid, "From": call.caller, "To": call.called,
                                        "Digits": "1"}


def journey(app, call) -> list[tuple]:
    with app.app_context():
        rows = db.session().execute(
            select(JourneyEvent.seq, JourneyEvent.position, JourneyEvent.kind, JourneyEvent.event)
            .where(JourneyEvent.call_sid == call.call_sid)).all()
    return [tuple(r) for r in rows]


def stored_call(app, call) -> Call:
    with app.app_context():
        return db.session().scalar(select(Call).where(Call.call_sid == call.call_sid))


def changes(app) -> list[ChangeRequest]:
    with app.app_context():
        return db.session().scalars(select(ChangeRequest)).all()


def post_at_once(app, path: str, form: dict[str, str], copies: int) -> list[tuple[int, str]]:
    """Deliver the same request `copies` times at the same moment, each on its own connection."""
    start = threading.Barrier(copies)
    answers: list[tuple[int, str]] = [(0, "")] * copies

    def deliver(i: int) -> None:
        client = app.test_client()
        start.wait()
        response = signed_post(client, path, form)
        answers[i] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def test_a_confirmation_delivered_twice_gets_the_same_answer_and_makes_one_change(app, client, phone):
    call = give_address(start_address_change(phone))
    path, form = confirm_form(call)
    call.press("1")
    first = call.last.xml
    journey_after_first = journey(app, call)
    again = signed_post(client, path, form)
    assert again.status_code == 200 and again.get_data(as_text=True) == first
    assert "numéro de confirmation" in call.heard()
    assert len(changes(app)) == 1
    assert journey(app, call) == journey_after_first, "the retry added to the agent's history"


def test_the_same_confirmation_arriving_four_times_at_once_is_served_once(app, phone):
    call = give_address(start_address_change(phone))
    before = stored_call(app, call).last_seq
    path, form = confirm_form(call)
    answers = post_at_once(app, path, form, copies=4)
    assert {status for status, _ in answers} == {200}
    assert len({body for _, body in answers}) == 1, "the copies were answered differently"
    assert "numéro de confirmation" in answers[0][1]
    assert len(changes(app)) == 1
    answered_at = int(Screen.parse(answers[0][1]).gather["action"].split("s=")[1].split("&")[0])
    assert stored_call(app, call).last_seq == answered_at > before
    repeated = [entry for entry, n in Counter(journey(app, call)).items() if n > 1]
    assert repeated == []


def test_a_greeting_delivered_three_times_at_once_starts_one_call(app):
    form = {"CallSid": "CA" + "5a" * 16, "From": "+15145550142", "To": "+18005550100", "CallStatus": "ringing"}
    answers = post_at_once(app, "/voice/incoming", form, copies=3)
    assert {status for status, _ in answers} == {200}
    assert len({body for _, body in answers}) == 1 and "Bonjour" in answers[0][1]
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Call)) == 1


def test_a_late_copy_of_an_earlier_step_repeats_the_newest_answer_and_changes_nothing(app, client, phone):
    call = phone().press("1").press("1")  # French, status: now asked for the client number
    stale_path = call.screens[1].gather["action"]  # where the main menu's answer went
    state = stored_call(app, call).state
    late = signed_post(client, stale_path, {"CallSid": call.call_sid, "Digits": "2"})
    assert late.status_code == 200 and late.get_data(as_text=True) == call.last.xml
    assert stored_call(app, call).state == state
    call.press("100200300").press("19480517")
    assert "1 234,56 $" in call.heard()


def test_steps_that_overtake_each_other_leave_the_call_where_the_newest_one_put_it(app, client, phone):
    call = phone().press("1")
    menu_path = call.last.gather["action"]
    call.press("2")  # address change: asked for the client number
    newest = call.last.xml
    for digits in ("1", "0", "9"):  # copies of the menu answer with other keys arrive afterwards
        response = signed_post(client, menu_path, {"CallSid": call.call_sid, "Digits": digits})
        assert response.get_data(as_text=True) == newest
    row = stored_call(app, call)
    assert row.status == "in_ivr" and row.state["position"] == "identify/client_number"


def test_a_phone_change_delivered_twice_is_stored_once(app, client, phone):
    call = give_address(start_address_change(phone)).press("1").press("1")
    path = call.last.gather["action"]
    form = {"CallSid": call.call_sid, "From": call.caller, "To": call.called, "Digits": "4185550123"}
    call.press("4185550123")
    again = signed_post(client, path, form)
    assert again.get_data(as_text=True) == call.last.xml
    assert [c.kind for c in changes(app)] == ["address", "phone"]


def test_a_read_from_another_session_during_a_step_does_not_wait_for_the_step(app, phone, monkeypatch):
    """Only writers queue (SQLite: the writer lock); a lookup elsewhere, say of an archived flow
    version, reads at once instead of waiting out the step's budget behind the step itself."""
    from ivr.services import actions

    real = actions.ACTIONS["status.lookup"]
    seen = []

    def lookup_with_a_side_read(ctx):
        started = time.monotonic()
        with app.extensions["ivr.db"]() as other:
            seen.append(other.scalar(select(func.count()).select_from(Call)))
        seen.append(time.monotonic() - started)
        return real(ctx)

    monkeypatch.setitem(actions.ACTIONS, "status.lookup", lookup_with_a_side_read)
    call = phone().press("1").press("1").press("100200300").press("19480517")
    assert "1 234,56 $" in call.heard()
    assert seen[0] == 1 and seen[1] < 0.5


def test_a_menu_choice_arriving_four_times_at_once_moves_the_call_once(app, phone):
    """A menu choice is saved with a compare-and-set instead of a lock: the copies that lose the race
    answer with the winner's TwiML and add nothing to the agent's history."""
    call = phone().press("1")  # French: at the main menu
    before = stored_call(app, call).last_seq
    path = call.last.gather["action"]
    form = {"CallSid": call.call_sid, "From": call.caller, "To": call.called, "Digits": "9"}  # not an option
    answers = post_at_once(app, path, form, copies=4)
    assert {status for status, _ in answers} == {200}
    assert len({body for _, body in answers}) == 1, "the copies were answered differently"
    assert "Désolé, je n'ai pas compris." in answers[0][1]  # said once: the first nomatch, not the second
    assert "toujours pas compris" not in answers[0][1]
    assert stored_call(app, call).last_seq == before + 1
    repeated = [entry for entry, n in Counter(journey(app, call)).items() if n > 1]
    assert repeated == []


def test_a_zero_arriving_three_times_at_once_queues_the_caller_once(app, phone):
    call = phone().press("1")  # French: at the main menu
    path = call.last.gather["action"]
    form = {"CallSid": call.call_sid, "From": call.caller, "To": call.called, "Digits": "0"}
    answers = post_at_once(app, path, form, copies=3)
    assert {status for status, _ in answers} == {200}
    assert len({body for _, body in answers}) == 1, "the copies were answered differently"
    assert "<Enqueue" in answers[0][1] and "agents-fr" in answers[0][1]
    row = stored_call(app, call)
    assert row.status == "queued" and row.queue == "agents-fr" and row.queued_at is not None
    repeated = [entry for entry, n in Counter(journey(app, call)).items() if n > 1]
    assert repeated == []


def test_a_step_whose_call_moved_while_its_action_ran_keeps_nothing(app, phone, monkeypatch):
    """A step that runs an action holds no lock while the action runs; if another step moved the call
    meanwhile, the step's save (a compare-and-set) finds it and the confirmation of an address the
    call is no longer at makes no change."""
    from ivr.services import actions

    at_menu = stored_call(app, phone().press("1")).state  # another call, at the main menu
    call = give_address(start_address_change(phone))
    path, form = confirm_form(call)
    real = actions.ACTIONS["address.submit"]

    def moved_first(ctx):
        with app.app_context(), db.engine().begin() as connection:  # elsewhere, a step takes the call back to the menu
            connection.execute(update(Call).where(Call.call_sid == ctx.call.call_sid).values(
                state=at_menu, last_seq=Call.last_seq + 1, updated_at=func.now()))
        return real(ctx)

    monkeypatch.setitem(actions.ACTIONS, "address.submit", moved_first)
    answer = signed_post(app.test_client(), path, form).get_data(as_text=True)
    assert changes(app) == [], "the address change was made from a plan the call had left"
    assert "numéro de confirmation" not in answer
