"""How a wait in the agents' queue ends: over when bridged or hung up; never a hang-up when the queue failed."""

from __future__ import annotations

from sqlalchemy import select

from ivr import calls, db
from ivr.desktop.models import Callback


def queued(phone):
    call = phone().press("1").press("0")
    assert call.transferred
    return call


def test_a_caller_bridged_to_an_agent_is_done_with_the_ivr(phone):
    call = queued(phone)
    call.end_wait("bridged", queue_time=40)
    assert call.hung_up


def test_when_the_queue_itself_fails_the_caller_hears_an_apology_and_is_put_back_in_line(phone):
    call = queued(phone)
    call.end_wait("system-error")
    assert not call.hung_up
    assert call.transferred and call.queue == "agents-fr"
    assert "problème technique" in call.heard()


def test_a_fault_while_noting_how_the_wait_ended_does_not_put_a_served_caller_back_in_line(phone, monkeypatch):
    call = queued(phone)

    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(calls, "load_call", broken)
    call.end_wait("hangup")
    assert call.statuses[-1] == 200 and call.hung_up


def full_queue(phone):
    """A caller sent to the agents, whom the queue refuses because it is full."""
    call = queued(phone)
    call.end_wait("queue-full")
    return call


def test_a_full_queue_offers_to_call_back_instead_of_an_endless_apology(app, phone):
    call = full_queue(phone)
    assert not call.hung_up and not call.transferred
    assert "Tous nos agents sont occupés. Nous ne pouvons pas mettre d'autres appels en attente" in call.heard()
    assert "Pour confirmer, faites le 1." in call.heard()
    assert "problème technique" not in call.heard()
    call.press("1")
    assert "Un agent vous rappellera" in call.heard() and call.hung_up
    with app.app_context():
        callback = db.session().scalar(select(Callback).where(Callback.call_sid == call.call_sid))
    assert callback.reason == "queue_full" and callback.number == "+15145550142" and callback.status == "open"


def test_a_caller_who_would_rather_wait_is_put_in_line_again_after_a_full_queue(phone):
    call = full_queue(phone).press("3")
    assert "Nous essayons de nouveau de vous transférer à un agent." in call.heard()
    assert call.transferred and call.queue == "agents-fr"


def test_silence_after_a_full_queue_tries_the_line_again(phone):
    call = full_queue(phone).silence()
    assert call.transferred and call.queue == "agents-fr"


def test_a_full_queue_that_stays_full_asks_again_rather_than_looping(phone):
    call = full_queue(phone).press("3")
    call.end_wait("queue-full")
    assert "Tous nos agents sont occupés" in call.heard() and not call.transferred
