"""The console phone ends its calls as Twilio does, so the desktop never keeps a console caller waiting.

Issue 12: after about 30 calls with `ivr call`, the desktop listed 23 callers "waiting" for ever.
Twilio posts the <Enqueue> action (QueueResult) when a caller leaves the queue, and the final
status callback (CallStatus=completed, CallDuration) when either side hangs up; so does the phone.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from freezegun import freeze_time
from sqlalchemy import select

from ivr.store import db
from ivr.cli import main
from ivr.desktop import service
from ivr.store.models.desktop import Callback
from ivr.store.models.calls import Call, JourneyEvent
from ivr.telephony.phone import CallEnded

from tests.support.desktop_fixtures import agents, desk, quick_password_hashing  # noqa: F401

VERIFIED_STATUS = ["1", "1", "100200300", "19480517"]


@pytest.fixture
def console(app, tmp_path, monkeypatch):
    """`ivr call --in-process ARGS`, on the test app's database; `input` is what is typed at the keyboard."""
    monkeypatch.setenv("IVR_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("IVR_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("IVR_DEMO", "0")  # `ivr call --in-process` turns demo mode on; put it back afterwards
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)

    def run(*presses: str, input: str | None = None):
        args = ["call", "--in-process"] + [arg for key in presses for arg in ("--press", key)]
        result = CliRunner().invoke(main, args, input=input)
        assert result.exit_code == 0, result.output
        return result

    return run


def calls_left_open(app) -> list[tuple[str, str]]:
    """Calls the desktop or the reports would still count as going on: (status, why)."""
    with db.session_for(app) as session:
        rows = session.scalars(select(Call)).all()
        return [(c.status, c.end_status or "no status callback") for c in rows
                if c.ended_at is None or c.status in ("in_ivr", "queued")]


def waiting_on_the_desktop(app) -> int:
    with db.session_for(app) as session:
        return len(service.waiting_calls(session))


# -- the exact example: many console calls, none left behind -----------------------------------------


def test_console_calls_that_end_every_way_leave_no_caller_waiting_and_none_in_the_ivr(app, console):
    scripts = [
        ("1",),                                  # hangs up at the main menu
        ("2", "0"),                              # hangs up on hold
        (*VERIFIED_STATUS,),                     # hangs up after hearing the status
        (*VERIFIED_STATUS, "0"),                 # asks for an agent after the status, hangs up on hold
        ("2", "0", "1", "1"),                    # on hold, asks to be called back
        ("1", "silence", "hangup"),              # hangs up on purpose
    ]
    for _ in range(2):
        for script in scripts:
            console(*script)
    assert calls_left_open(app) == []
    assert waiting_on_the_desktop(app) == 0
    with db.session_for(app) as session:
        # Both asked from the same phone for the same number: one open callback, the newer request took it over.
        assert session.scalars(select(Callback.status).where(Callback.reason == "on_hold")).all() == ["open"]
        assert len(session.scalars(select(JourneyEvent).where(JourneyEvent.kind == "callback",
                                                              JourneyEvent.event == "requested")).all()) == 2


def test_thirty_calls_from_the_phone_api_end_with_twilios_status_callback(app, phone):
    for i in range(30):
        call = phone().press(str(1 + i % 2))
        if i % 3:
            call.press("0").hold()
        call.hang_up()
        assert call.ended
    assert calls_left_open(app) == []
    assert waiting_on_the_desktop(app) == 0


# -- hanging up from the terminal ----------------------------------------------------------------------


def test_a_scripted_console_call_hangs_up_after_its_last_answer(app, console):
    result = console("1", "1")
    assert "-> you hung up" in result.output
    with db.session_for(app) as session:
        row = session.scalars(select(Call)).one()
    assert (row.status, row.end_status) == ("abandoned", "completed")
    assert row.duration is not None and row.ended_at is not None


def test_the_interactive_console_says_how_to_hang_up_and_ctrl_d_does(app, console):
    result = console(input="2\n0\n")  # then the keyboard closes: Ctrl-D
    assert "'hangup' or Ctrl-D hangs up" in result.output
    assert "-> transferred to agents-en" in result.output
    assert "[on hold] IVR [en-US]: To be called back instead of waiting, press 1." in result.output
    assert "-> you hung up" in result.output
    with db.session_for(app) as session:
        row = session.scalars(select(Call)).one()
        assert (row.status, row.end_status) == ("abandoned_in_queue", "completed")
        assert session.scalar(select(JourneyEvent.event).where(JourneyEvent.kind == "queue")) == "hangup"
    assert waiting_on_the_desktop(app) == 0


def test_typing_hangup_ends_the_call(app, console):
    result = console(input="1\nhangup\n")
    assert "-> you hung up" in result.output
    assert calls_left_open(app) == []


def test_a_key_no_phone_has_typed_at_the_console_is_explained_and_asked_again_without_moving_the_call(app, console):
    result = console(input="2\n;\n1\nhangup\n")
    assert "';' is not something a caller can do: press keys of a phone keypad (0-9, * and #)" in result.output
    assert "(presses) ;" not in result.output
    assert "(presses) 1" in result.output and "-> you hung up" in result.output
    assert "Enter your 9-digit client number." in result.output  # the 1 after the refused ';' chose the status


def test_a_console_caller_on_hold_presses_1_and_is_called_back(app, console, desk):
    result = console(input="2\n0\n1\n1\n")
    assert "[on hold] IVR [en-US]: We can call you back at (514) 555-0142." in result.output
    assert "An agent will call you back today at (514) 555-0142." in result.output
    assert "-> the IVR hung up" in result.output
    with db.session_for(app) as session:
        callback = session.scalars(select(Callback)).one()
        assert (callback.number, callback.reason, callback.status) == ("+15145550142", "on_hold", "open")
        row = session.get(Call, callback.call_sid)
        assert (row.status, row.end_status) == ("callback", "completed")
        queue_results = session.scalars(select(JourneyEvent.event).where(JourneyEvent.kind == "queue")).all()
        assert queue_results == ["leave"]
    assert waiting_on_the_desktop(app) == 0
    assert "(514) 555-0142" in desk.get("/agent/").get_data(as_text=True)


def test_a_console_caller_on_hold_can_type_another_number_for_the_callback(app, console):
    result = console("2", "0", "1", "2", "6135550199#")
    assert "Enter the 10-digit phone number" in result.output
    assert "-> the IVR hung up" in result.output
    with db.session_for(app) as session:
        assert session.scalars(select(Callback.number)).one() == "+16135550199"


# -- the phone, as Twilio -------------------------------------------------------------------------------


def test_when_the_ivr_hangs_up_the_phone_posts_the_final_status_callback(app, phone):
    with freeze_time("2026-11-23 10:00") as clock:
        call = phone().press("1").press("1").press("100200300")
        clock.tick(65)
        call.press("19480517").press("2")  # the main menu
        call.press("0").hold()
        clock.tick(30)
        call.press("1").press("1")  # a callback; the IVR says goodbye and hangs up
    assert call.hung_up and call.ended
    with db.session_for(app) as session:
        row = session.get(Call, call.call_sid)
        assert (row.end_status, row.duration) == ("completed", 95)
        assert session.scalars(select(JourneyEvent.detail).where(JourneyEvent.kind == "queue")).one() == {
            "seconds": 30}


def test_a_caller_who_hangs_up_on_hold_leaves_the_queue_then_the_call(app, phone):
    call = phone().press("2").press("0")
    assert waiting_on_the_desktop(app) == 1
    call.hold().hang_up()
    assert call.statuses[-2:] == [200, 200]  # QueueResult=hangup to the <Enqueue> action, then the status callback
    with db.session_for(app) as session:
        row = session.get(Call, call.call_sid)
        assert (row.status, row.end_status) == ("abandoned_in_queue", "completed")
    assert waiting_on_the_desktop(app) == 0


def test_a_finished_call_cannot_be_hung_up_twice_nor_answered(phone):
    call = phone().press("1").hang_up()
    with pytest.raises(CallEnded):
        call.hang_up()
    with pytest.raises(CallEnded):
        call.press("1")


def test_going_back_in_line_follows_the_redirect_to_the_hold_loop_as_twilio_does(phone):
    call = phone().press("2").press("0").hold().press("1").press("3")
    assert "You are still waiting for an agent." in call.heard()
    assert "You are number 1 in line." in call.heard()  # the <Redirect> after the words was followed
    assert call.waiting is not None and not call.ended
