"""Waiting for a person, decided: are agents in, who is waiting, callbacks, faults sent to the queue,
and the way back to self-service after hours. The views and their TwiML are `ivr.telephony.waiting`'s.

The engine only says "transfer"; whether agents are in is decided here, from the line's hours
(flows/hours.yaml) and the clock, so the engine stays pure and the same flows run at any hour.
Each function that writes commits its own transaction (a phone request's commits are `calls/`'s).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ivr import calls, deadline
from ivr.calls import faults
from ivr.calls.journey import JourneyKind
from ivr.calls.line import Line, Said
from ivr.calls.status import STILL_WAITING, CallStatus
from ivr.calls.step import Answer, Next, Render, finish, position_of
from ivr.config import ConfigError
from ivr.engine.flows import FlowSet
from ivr.engine.state import CallState, NoInput, new_call
from ivr.engine.hours import Hours, HoursError
from ivr.services import callbacks, survey
from ivr.services.changes import local_zone
from ivr.store import calls as callstore
from ivr.store import db
from ivr.store.models.calls import Call, JourneyEvent

log = logging.getLogger(__name__)

SELF_SERVICE_RETURN = "main/menu"
"""Where "back to the automated service" lands once a language is chosen."""


def load_hours(settings: Mapping[str, Any]) -> Hours | None:
    """The agents' hours (HOURS_FILE, IVR_HOURS_FILE, else flows/hours.yaml); None (agents always in)
    in the demo and the tests, unless they name an hours file, and when the file is missing (logged).
    Raises ConfigError, with the file's problems, when it cannot be used."""
    path = settings.get("HOURS_FILE") or None
    if path is None and not (settings.get("TESTING") or settings.get("DEMO")):
        path = Path(settings["FLOWS_DIR"]) / "hours.yaml"
    if path is not None and Path(path).exists():
        try:
            return Hours.from_file(path)
        except HoursError as error:
            raise ConfigError(f"the agent hours cannot be used:\n{error}") from None
    if path is not None:
        log.warning("no %s: agents are treated as always available", path)
    return None


# -- the step an answer belongs to -------------------------------------------------------------------
# Every URL of the hold loop and the after-hours choices that can change something carries the call's
# step when it was asked (`Call.last_seq`); a request for another step is a retry or a late copy, and
# gets the newest answer again (`Call.last_twiml`) without changing anything.


def answered_before(call_sid: str, seq: int | None) -> str | None:
    """The newest answer again when a request naming step `seq` is a retry or a late copy; else None."""
    if seq is None:
        return None
    seen = callstore.read(db.connection(), call_sid)
    if seen is not None and callstore.answered_already(seen, seq):
        return seen.last_twiml or ""
    return None


def current_seq(call_sid: str) -> int | None:
    """The call's step now, for the URLs of an answer that a URL without a step asked for (a key on
    hold, a full queue); None when the call is unknown or cannot be read."""
    try:
        seen = callstore.read(db.connection(), call_sid)
    except Exception:  # the offer must not fail for want of a step number
        log.warning("could not read the step of call %s", call_sid or "?")
        db.discard_session()
        return None
    return seen.last_seq if seen is not None else None


# -- who is waiting ----------------------------------------------------------------------------------


def note_waiting(line: Line, call_sid: str, caller: str | None, called: str | None, language: str | None) -> None:
    """Record a caller heard in an agents' queue as waiting (`callstore.note_waiting`), so who is
    waiting does not depend on the one write that just failed: created with what is known (caller
    ID, language, queue, reached through a fault) when the call is unknown. Within its own budget
    (`Budgets.record_s`); a failure is logged, and the next request of the loop tries again."""
    if not call_sid:
        return
    flowset = line.flows.current
    waiting = callstore.Waiting(call_sid, caller, called, language, faults.fault_queue(language, flowset.languages))
    try:
        with deadline.within(line.budgets.record_s):
            state = replace(new_call(flowset), language=language).to_dict()
            callstore.note_waiting(db.connection(), waiting, flowset.version, state, calls.now_utc())
    except Exception as error:  # the database may still be down: the next request of the loop tries again
        log.warning("could not record call %s as waiting: %s", call_sid, type(error).__name__)
        db.discard_session()


def wait_ended(line: Line, call_sid: str, result: str, seconds: int | None, status: str | None) -> str | None:
    """Note how a wait ended (`result`, the channel's word for it, kept in the journey; `seconds`
    waited) and, while the call was still waiting, its new `status` (None: unchanged). Returns the
    call's language (None when unknown). Within the step's budget; noting it may fail, logged: the
    caller's answer never depends on it."""
    try:
        with deadline.within(line.budgets.step_s):
            session = db.session()
            call = calls.load_call(session, call_sid)
            if call is None:
                return None
            if status is not None and call.status in STILL_WAITING:
                call.status = status
            session.add(JourneyEvent(call_sid=call.call_sid, seq=call.last_seq, at=calls.now_utc(),
                                     position=position_of(call), kind=JourneyKind.QUEUE,
                                     event=(result or "unknown")[:40], detail={"seconds": seconds}))
            session.commit()
            return call.language
    except Exception as error:  # noting how the wait ended is not worth a caller: carry on
        log.error("could not note how the wait ended on call %s: %s", call_sid or "?", type(error).__name__)
        db.discard_session()
        return None


def queue_after_fault(line: Line, call_sid: str, error: str) -> str | None:
    """After a fault in a step the caller goes to the queue: the desktop must see them there too (or
    after hours, at the closed choices). Returns the call's language (None when unknown), so the
    apology is said in it."""
    if not call_sid:
        return None
    try:
        session = db.session()
        call = session.get(Call, call_sid)
        if call is None:
            return None
        if call.status in STILL_WAITING:
            now = calls.now_utc()
            call.status = CallStatus.QUEUED if line.agents_open(now) else CallStatus.AFTER_HOURS
            call.transfer_reason = call.transfer_reason or "fault"
            call.queue = call.queue or line.flows.current.languages.queue(call.language)
            call.queued_at = call.queued_at or now
            session.add(JourneyEvent(call_sid=call_sid, seq=call.last_seq, at=now, position=position_of(call),
                                     kind=JourneyKind.FAULT, event="fault", detail={"error": error[:40]}))
            session.commit()
        return call.language
    except Exception:  # the database may be what failed: the caller is queued all the same
        log.warning("could not note the fault on call %s", call_sid)
        try:
            db.session().rollback()
        except Exception:  # pragma: no cover
            pass
        return None


# -- callbacks -----------------------------------------------------------------------------------------


def callback_due(line: Line, now: datetime) -> date:
    """The day an agent is expected to call back: today while open, else the next business day.
    "Today" is the contact centre's day (services.changes.local_zone), the one the caller is told,
    also when agents are treated as always available (demo, tests: no hours loaded)."""
    current = line.hours
    if current is None:
        return now.astimezone(local_zone()).date()
    if current.is_open(now):
        return now.astimezone(current.zone).date()
    opening = current.next_opening(now)
    if opening is not None:
        return opening.astimezone(current.zone).date()
    return current.next_business_day(now)


def over_rate(line: Line, caller: str | None, now: datetime) -> bool:
    """Has this caller ID made its hourly share of callback requests (`Budgets.callbacks_per_hour`)?"""
    return callbacks.over_rate(db.session(), caller, line.budgets.callbacks_per_hour, now)


@dataclass(frozen=True)
class CallbackSaved:
    """How a callback request ended: `body` is the answer (saved, or an earlier one again); `unknown`
    when the database does not know the call; `over_rate` when its caller ID made too many requests."""

    body: str = ""
    unknown: bool = False
    over_rate: bool = False


def save_callback(line: Line, call_sid: str, number: str, language: str | None, reason: str, mode: str,
                  seq: int | None, speaking: tuple[str, ...], render: Callable[[Said], str]) -> CallbackSaved:
    """Store the request (one open callback per number), count it against the caller ID's rate, and
    move the call one step on, with its answer (`render` of what is said: when an agent calls back,
    then goodbye, in each of `speaking`) kept for retries; all in one transaction."""
    session = db.session()
    now = calls.now_utc()
    call = calls.load_call(session, call_sid)
    if call is None:
        return CallbackSaved(unknown=True)
    if seq is not None and callstore.answered_already(call, seq):  # another copy got the lock first
        session.rollback()
        return CallbackSaved(body=call.last_twiml or "")
    if not callbacks.take_from_rate(session, call.caller, line.budgets.callbacks_per_hour, now):
        session.rollback()
        return CallbackSaved(over_rate=True)
    step = call.last_seq + 1
    callbacks.request_callback(session, call, number=number, language=language or "", reason=reason,
                               due=callback_due(line, now), now=now, seq=step, position=position_of(call),
                               detail={"mode": mode})
    texts = []
    for lang in speaking:
        texts += line.say([_when_key(line, now)], (lang,), {"number": number, "when": _when(line, now, lang)})
    texts += line.say(["hold.goodbye"], speaking)
    body = render(texts)
    call.status = CallStatus.CALLBACK
    call.state = {**(call.state or {}), "seq": step}
    call.last_seq, call.last_twiml, call.updated_at = step, body, now
    session.commit()
    log.info("call %s asked to be called back (%s)", call.call_sid, mode)
    return CallbackSaved(body=body)


def _when_key(line: Line, now: datetime) -> str:
    current = line.hours
    if current is None or current.is_open(now):
        return "hold.callback_today"
    return "hold.callback_later" if current.next_opening(now) is not None else "hold.callback_soon"


def _when(line: Line, now: datetime, language: str) -> str:
    current = line.hours
    if current is None:
        return ""
    return current.describe_next_opening(now, language, line.flows.current.prompts) or ""


# -- after hours ---------------------------------------------------------------------------------------


def back_to_self_service(line: Line, call_sid: str, seq: int | None, render: Render) -> Answer | None:
    """After hours, 2: the caller goes back to the automated service, at the main menu once a language
    is chosen (else the greeting). None when the database does not know the call."""
    session = db.session()
    call = calls.load_call(session, call_sid)
    if call is None:
        return None
    if seq is not None and callstore.answered_already(call, seq):  # another copy got the lock first
        session.rollback()
        return Answer(Next.AGAIN, body=call.last_twiml or "")
    flowset = line.flows_for(call.flow_version)
    state = CallState.from_dict(call.state)
    target = SELF_SERVICE_RETURN if state.language and _exists(flowset, SELF_SERVICE_RETURN) else flowset.start()
    state = replace(state, position=target, stack=[], awaiting="moving", finished=None, transfer_reason=None,
                    noinput=0, nomatch=0)
    call.state = state.to_dict()
    call.status = CallStatus.IN_IVR
    result = calls.run_step(session, flowset, call, NoInput())
    return finish(line, call, result, render)


def _exists(flowset: FlowSet, position: str) -> bool:
    try:
        flowset.step(position)
    except (KeyError, LookupError):
        return False
    return True


def survey_answered(line: Line, call_sid: str, score: int | None) -> None:
    """Keep the answer to the question asked after an agent call (`score` 1 to 5, None: skipped), in
    survey_answers with no trace of the call (ivr.services.survey), once per call; an unknown call
    keeps nothing. Within the step's budget; a failure is logged and the caller still hears the end:
    an answer is never worth sending them back to the queue."""
    try:
        with deadline.within(line.budgets.step_s):
            session = db.session()
            call = calls.load_call(session, call_sid)
            if call is None:
                return
            survey.keep_after_agent(session, call, calls.now_utc(), score)
            session.commit()
    except Exception as error:  # the caller's goodbye never depends on keeping their score
        log.error("could not keep the answer after an agent on call %s: %s", call_sid or "?", type(error).__name__)
        db.discard_session()
