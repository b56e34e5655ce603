"""Callback requests cannot be flooded or replayed: one open callback per number, a rate per caller ID,
and every callback or after-hours URL names the step it answers, so a retry or a late copy is answered
again and changes nothing (as on /voice/step)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ivr.store import db
from ivr.store.models.desktop import Callback
from ivr.store.models.calls import Call, Contact, JourneyEvent

from tests.support.desktop_fixtures import agents, quick_password_hashing, csrf_of, desk, text  # noqa: F401
from tests.support.faultkit import signed_post
from tests.support.lines import line  # noqa: F401
from tests.support.journeys import on_hold_offered_a_callback as on_hold, open_callbacks, seeded_beside
from tests.support.journeys import wait_until_it_answers

LIMIT = 3  # callback requests per caller ID per hour (the default of CALLBACK_REQUESTS_PER_HOUR)


def answer_form(call, digits: str) -> tuple[str, dict[str, str]]:
    """The request the caller's keys make at the open question, exactly as Twilio would send it again."""
    return call.last.gather["action"], {"CallSid": call.call_sid, "From": call.caller, "To": call.called,
                                        "Digits": digits}


def thanks_of(call) -> str:
    """The answer that stored the callback (the phone then followed its <Leave> to the queue's end)."""
    return next(screen.xml for screen in call.screens if "An agent will call you back" in screen.text)


def post_all_at_once(app, requests: list[tuple[str, dict[str, str]]]) -> list[tuple[int, str]]:
    """Each request on its own connection, all released at the same moment."""
    start = threading.Barrier(len(requests))
    answers: list[tuple[int, str]] = [(0, "")] * len(requests)

    def deliver(i: int) -> None:
        client = app.test_client()
        start.wait()
        response = signed_post(client, *requests[i])
        answers[i] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def callback_events(app, call_sid: str) -> list[tuple[str, str]]:
    with db.session_for(app) as session:
        return [tuple(row) for row in session.execute(
            select(JourneyEvent.kind, JourneyEvent.event).where(JourneyEvent.call_sid == call_sid,
                                                               JourneyEvent.kind == "callback"))]


def journey(app, call_sid: str) -> list[tuple]:
    with db.session_for(app) as session:
        return [tuple(row) for row in session.execute(
            select(JourneyEvent.seq, JourneyEvent.kind, JourneyEvent.event).where(JourneyEvent.call_sid == call_sid))]


# -- one open callback per number ------------------------------------------------------------------


def test_twenty_five_callers_asking_at_once_to_be_called_back_on_one_number_leave_one_open_callback(app, phone):
    calls = [on_hold(phone, caller=f"+1514555{1000 + i:04d}").press("2") for i in range(25)]  # "another number"
    assert all("Enter the 10-digit phone number" in call.heard() for call in calls)
    answers = post_all_at_once(app, [answer_form(call, "6135550199#") for call in calls])
    assert {status for status, _ in answers} == {200}
    assert all("An agent will call you back today at (613) 555-0199." in body for _, body in answers), \
        "a caller was told something other than what was done"
    [callback] = open_callbacks(app, "+16135550199")
    assert callback.call_sid in {call.call_sid for call in calls}, "the callback holds one of the calls"
    for call in calls:
        assert Counter(callback_events(app, call.call_sid))[("callback", "requested")] == 1, "a request was lost"
    with db.session_for(app) as session:
        assert session.scalar(select(func.count()).select_from(Callback)) == 1
        assert set(session.scalars(select(Call.status).where(Call.call_sid.in_([c.call_sid for c in calls])))) == {
            "callback"}


def test_a_second_call_for_the_same_number_updates_the_open_callback_and_both_journeys_say_so(app, desk, phone):
    first = on_hold(phone).press("1")
    with freeze_time("2026-11-24 14:00"):  # a day later, from another phone, in French, for the same number
        second = phone(caller="+14185550123").press("1").press("0").hold().press("1").press("2")
        second.press("5145550142#")
    assert "Un agent vous rappellera aujourd'hui au (514) 555-0142." in second.heard()
    [callback] = open_callbacks(app, "+15145550142")
    assert (callback.call_sid, callback.language, str(callback.due)) == (second.call_sid, "fr", "2026-11-24")
    first_steps = [s["summary"] for s in desk.get(f"/agent/api/calls/{first.call_sid}?lang=en").json["journey"]]
    second_steps = [s["summary"] for s in desk.get(f"/agent/api/calls/{second.call_sid}?lang=en").json["journey"]]
    assert "Asked to be called back" in first_steps
    assert first_steps[-1] == "Callback request taken over by a later call for the same number"
    assert "Asked to be called back, replacing an open request for the same number" in second_steps


def test_the_database_refuses_a_second_open_callback_for_one_number(app, phone):
    call = on_hold(phone).press("1")
    with db.session_for(app) as session:
        session.add(Callback(call_sid=call.call_sid, number="+15145550142", language="en", reason="on_hold",
                             due=open_callbacks(app, "+15145550142")[0].due, status="open"))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


def test_a_done_callback_does_not_stop_a_new_request_for_the_same_number(app, desk, phone):
    on_hold(phone).press("1")
    [callback] = open_callbacks(app, "+15145550142")
    desk.post(f"/agent/callbacks/{callback.id}/done", data={"csrf": csrf_of(text(desk.get("/agent/"))),
                                                            "call_sid": callback.call_sid})
    later = on_hold(phone).press("1")
    assert "An agent will call you back today" in later.heard()
    [reopened] = open_callbacks(app, "+15145550142")
    assert reopened.id != callback.id and reopened.call_sid == later.call_sid


# -- a rate per caller ID --------------------------------------------------------------------------


def test_past_the_rate_the_caller_hears_why_and_stays_in_line(app, phone):
    numbers = ["6135550101", "6135550102", "6135550103"]
    for number in numbers:
        on_hold(phone).press("2").press(number + "#")
    call = on_hold(phone)
    heard = call.heard()
    assert "We have already received several callback requests from this phone in the past hour" in heard
    assert "please call again later" in heard and "You are still waiting for an agent." in heard
    assert call.last.redirect.startswith("/voice/hold") and not call.last.hangup and call.waiting is not None
    with db.session_for(app) as session:
        assert session.scalar(select(func.count()).select_from(Callback)) == LIMIT
        assert session.get(Call, call.call_sid).status == "queued"


def test_the_rate_is_counted_per_hour(app, phone):
    with freeze_time("2026-11-23 15:00") as clock:
        for number in ["6135550101", "6135550102", "6135550103"]:
            on_hold(phone).press("2").press(number + "#")
        assert "several callback requests" in on_hold(phone).heard()
        clock.tick(3600)
        call = on_hold(phone).press("2").press("6135550104#")
    assert "An agent will call you back today at (613) 555-0104." in call.heard()


def test_a_flood_from_one_caller_id_records_the_rate_and_keeps_the_others_in_line(app, phone):
    calls = [on_hold(phone) for _ in range(25)]
    answers = post_all_at_once(app, [answer_form(call, "1") for call in calls])
    assert {status for status, _ in answers} == {200}
    thanked = [body for _, body in answers if "An agent will call you back today" in body]
    refused = [body for _, body in answers if "several callback requests" in body]
    assert len(thanked) == LIMIT and len(refused) == 25 - LIMIT
    assert all("/voice/hold" in body and "<Hangup" not in body for body in refused), "a caller was dropped"
    assert len(open_callbacks(app, "+15145550142")) == 1


def test_a_request_the_database_could_not_keep_is_not_counted(app, phone, monkeypatch):
    from ivr.calls import waiting

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(waiting, "callback_due", broken)
    for _ in range(LIMIT):
        on_hold(phone).press("1")
    monkeypatch.undo()
    assert "An agent will call you back today" in on_hold(phone).press("1").heard()


# -- retries and late copies -----------------------------------------------------------------------


def test_a_confirmation_replayed_after_the_agent_marked_the_callback_done_changes_nothing(app, desk, client, phone):
    call = on_hold(phone)
    path, form = answer_form(call, "1")
    call.press("1")
    thanks = thanks_of(call)
    [callback] = open_callbacks(app, "+15145550142")
    page = text(desk.get("/agent/"))
    desk.post(f"/agent/callbacks/{callback.id}/done", data={"csrf": csrf_of(page), "call_sid": call.call_sid})
    before = journey(app, call.call_sid)
    again = signed_post(client, path, form)
    assert again.status_code == 200 and again.get_data(as_text=True) == thanks
    assert open_callbacks(app, "+15145550142") == []
    with db.session_for(app) as session:
        assert session.get(Callback, callback.id).status == "done"
    assert journey(app, call.call_sid) == before


def test_a_typed_number_replayed_after_done_does_not_reopen_the_callback(app, desk, client, phone):
    call = on_hold(phone).press("2")
    path, form = answer_form(call, "6135550199#")
    call.press("6135550199#")
    [callback] = open_callbacks(app, "+16135550199")
    desk.post(f"/agent/callbacks/{callback.id}/done", data={"csrf": csrf_of(text(desk.get("/agent/"))),
                                                            "call_sid": call.call_sid})
    assert signed_post(client, path, form).get_data(as_text=True) == thanks_of(call)
    assert open_callbacks(app, "+16135550199") == []


def test_a_confirmation_delivered_four_times_at_once_is_one_request(app, phone):
    call = on_hold(phone)
    answers = post_all_at_once(app, [answer_form(call, "1")] * 4)
    assert len({body for _, body in answers}) == 1 and "An agent will call you back today" in answers[0][1]
    assert callback_events(app, call.call_sid) == [("callback", "requested")]
    for _ in range(LIMIT - 1):  # the copies were not counted against the caller's rate
        assert "An agent will call you back today" in on_hold(phone).press("1").heard()


def test_a_late_copy_of_an_earlier_answer_gets_the_newest_answer(app, client, phone):
    call = on_hold(phone)
    stale_path, _ = answer_form(call, "2")
    call.press("1")
    late = signed_post(client, stale_path, {"CallSid": call.call_sid, "From": call.caller, "To": call.called,
                                            "Digits": "2"})
    assert late.get_data(as_text=True) == thanks_of(call), "the late '2' asked for another number again"
    [callback] = open_callbacks(app, "+15145550142")
    assert callback.call_sid == call.call_sid


def test_marking_a_callback_done_twice_adds_one_contact(app, desk, phone):
    call = phone().press("1").press("1").press("100200300").press("19480517").press("0").hold().press("1").press("1")
    [callback] = open_callbacks(app, "+15145550142")
    form = {"csrf": csrf_of(text(desk.get("/agent/"))), "call_sid": call.call_sid, "note": "Rappelée."}
    desk.post(f"/agent/callbacks/{callback.id}/done", data=form)
    again = desk.post(f"/agent/callbacks/{callback.id}/done", data=form, follow_redirects=True)
    assert "Ce rappel est déjà marqué comme fait." in text(again)
    with db.session_for(app) as session:
        assert session.scalar(select(func.count()).select_from(Contact).where(
            Contact.outcome == "called_back")) == 1


def test_a_callback_taken_over_by_a_newer_call_is_not_marked_done_from_the_older_page(app, desk, phone):
    first = on_hold(phone).press("1")
    page = text(desk.get("/agent/"))  # the agent sees the first call's request
    [callback] = open_callbacks(app, "+15145550142")
    on_hold(phone, caller="+14185550123").press("2").press("5145550142#")  # a newer request for the number
    done = desk.post(f"/agent/callbacks/{callback.id}/done", data={"csrf": csrf_of(page),
                                                                   "call_sid": first.call_sid},
                     follow_redirects=True)
    assert "Cette demande de rappel a été mise à jour par un appel plus récent" in text(done)
    assert len(open_callbacks(app, "+15145550142")) == 1


# -- after hours -----------------------------------------------------------------------------------


def test_back_to_self_service_delivered_twice_moves_the_call_once(line):
    with freeze_time("2026-11-23 22:00"):
        call = line().press("1").press("0")
        path, form = answer_form(call, "2")
        call.press("2")
        newest = call.last.xml
        with db.session_for(line.app) as session:
            seq = session.get(Call, call.call_sid).last_seq
        again = signed_post(line.app.test_client(), path, form)
    assert again.get_data(as_text=True) == newest
    with db.session_for(line.app) as session:
        assert session.get(Call, call.call_sid).last_seq == seq


def test_an_after_hours_confirmation_replayed_after_done_changes_nothing(line):
    with freeze_time("2026-11-23 22:00"):
        call = line().press("1").press("0").press("1")
        path, form = answer_form(call, "1")
        call.press("1")
        thanks = call.last.xml
        with db.session_for(line.app) as session:
            callback = session.scalar(select(Callback).where(Callback.call_sid == call.call_sid))
            callback.status = "done"
            session.commit()
        again = signed_post(line.app.test_client(), path, form)
    assert again.get_data(as_text=True) == thanks
    assert open_callbacks(line.app, "+15145550142") == []


def test_every_callback_and_after_hours_url_names_the_step_it_answers(line):
    with freeze_time("2026-11-23 22:00"):
        call = line().press("1").press("0")
        assert "s=" in call.last.gather["action"] and "s=" in call.last.redirect  # the after-hours menu
        call.press("1")
        assert "s=" in call.last.gather["action"] and "s=" in call.last.redirect  # confirm the number
        call.press("2")
        assert "s=" in call.last.gather["action"]  # type a number


def test_the_upgrade_keeps_the_newest_of_several_open_callbacks_for_one_number(database_url):
    """A database flooded before this rule: the index cannot be made over duplicates, so the older
    open callbacks of a number become 'replaced' (none deleted) and the newest stays open."""
    from datetime import date, datetime, timezone

    from sqlalchemy import text as sql

    from ivr.store import schema
    from ivr.store.db import make_engine

    engine = make_engine(database_url)
    schema.upgrade(engine, "0004")
    now = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
    with engine.begin() as connection:
        for i in range(3):
            connection.execute(Call.__table__.insert().values(
                call_sid=f"CAflood{i}", state={}, flow_version="v", status="callback", verified=False,
                started_at=now, updated_at=now, last_seq=1))
            connection.execute(sql("INSERT INTO callbacks (call_sid, number, language, reason, requested_at, due, "
                                   "status) VALUES (:sid, '+15145550142', 'fr', 'on_hold', :now, :due, 'open')"),
                               {"sid": f"CAflood{i}", "now": now, "due": date(2026, 11, 23)})
    schema.upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(sql("SELECT call_sid, status FROM callbacks ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("CAflood0", "replaced"), ("CAflood1", "replaced"), ("CAflood2", "open")]


def test_purge_removes_the_callback_counts_whose_hour_is_over(app, phone):
    from datetime import datetime, timedelta, timezone

    from ivr.store.models.security import CallbackRequestCount
    from ivr.services.retention import purge

    on_hold(phone).press("1")
    with db.session_for(app) as session:
        assert purge(session, now=datetime.now(timezone.utc)).callback_counts == 0
        report = purge(session, now=datetime.now(timezone.utc) + timedelta(hours=1, seconds=1))
        assert report.callback_counts == 1
        assert "  1 callback request count of hours gone by" in report.lines()
        assert session.scalar(select(func.count()).select_from(CallbackRequestCount)) == 0


def test_a_callback_rate_that_is_not_a_sensible_number_stops_the_server_with_the_fix(database_url):
    from ivr.app import create_app
    from ivr.config import ConfigError

    from tests.conftest import TOKEN

    with pytest.raises(ConfigError, match="IVR_CALLBACK_REQUESTS_PER_HOUR is 'lots': set it to a whole number"):
        create_app({"TESTING": True, "DATABASE_URL": database_url, "TWILIO_AUTH_TOKEN": TOKEN,
                    "CALLBACK_REQUESTS_PER_HOUR": "lots"})


def test_twenty_five_calls_in_a_second_and_a_half_to_a_real_server_leave_one_open_callback(database_url, tmp_path):
    """The fault as it was seen: gunicorn (two processes, four threads each) on the shared database."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    from ivr.telephony.phone import HttpTransport, PhoneCall

    from tests.support import servers
    from tests.conftest import TOKEN

    server = servers.start(database_url, tmp_path, "callbacks", workers=2)
    try:
        app = seeded_beside(server, database_url)
        calls = [PhoneCall(HttpTransport(server.url), TOKEN, caller=f"+1514555{2000 + i:04d}").dial()
                 .press("2").press("0").hold().press("1").press("2") for i in range(25)]

        def type_the_number(i: int) -> str:
            time.sleep(i * 0.06)  # 25 requests over 1.5 s
            return calls[i].press("6135550199#").heard()

        with ThreadPoolExecutor(max_workers=25) as pool:
            heard = list(pool.map(type_the_number, range(25)))
    finally:
        server.stop()
    assert all("An agent will call you back today at (613) 555-0199." in words for words in heard)
    [callback] = open_callbacks(app, "+16135550199")
    assert callback.call_sid in {call.call_sid for call in calls}
    assert all(callback_events(app, call.call_sid).count(("callback", "requested")) == 1 for call in calls)
