"""How a wait in the agents' queue ends: over when bridged or hung up; never a hang-up when the queue failed."""

from __future__ import annotations

from ivr import calls


def queued(phone):
    call = phone().press("1").press("0")
    assert call.transferred
    return call


def test_a_caller_bridged_to_an_agent_is_done_with_the_ivr(phone):
    call = queued(phone)
    call._post(call.last.enqueue["action"], {"QueueResult": "bridged", "QueueTime": "40"})
    assert call.hung_up


def test_when_the_queue_itself_fails_the_caller_hears_an_apology_and_is_put_back_in_line(phone):
    call = queued(phone)
    call._post(call.last.enqueue["action"], {"QueueResult": "system-error"})
    assert not call.hung_up
    assert call.transferred and call.queue == "agents-fr"
    assert "problème technique" in call.heard()


def test_a_fault_while_noting_how_the_wait_ended_does_not_put_a_served_caller_back_in_line(phone, monkeypatch):
    call = queued(phone)

    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(calls, "load_call", broken)
    call._post(call.last.enqueue["action"], {"QueueResult": "hangup"})
    assert call.statuses[-1] == 200 and call.hung_up
