"""A call's step, owned in one place: the start, each step and the end of a call, each to an Answer.

The webhook views hand a typed request (`StepRequest`) and a renderer; the step reads the call,
chooses how to save it, runs the engine and the backend actions, and commits. It knows no HTTP
form and no TwiML: what the caller hears is rendered by the renderer it is handed (`Render`), and
the rendered answer is saved with the step, so a retried request is answered the same way again.

How a step is saved (the rule of `ivr.calls.plan_step`):
- a step that changes nothing but the call (another question, or the queue while agents are in)
  is computed from the call as read and saved with a compare-and-set (`callstore.save_if_unchanged`),
  so SQLite's single writer is held for two statements;
- one that runs backend actions runs them holding no lock (`ivr.calls.action_budget`), then saves
  with a compare-and-set on the call as read;
- one that ends the call, or any step while calls are recorded, runs with the call locked
  (`callstore.lock`), so its side effects happen once.
Which lock that is, per database, is `ivr.store.calls`'s business: the step never names a dialect.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ivr import calls
from ivr.calls import action_budget
from ivr.calls.console import ConsoleStart
from ivr.calls.journey import JourneyKind
from ivr.calls.line import Line, Said
from ivr.calls.status import CallStatus
from ivr.engine.flows import FlowSet
from ivr.engine.state import CallState, Event, NoInput, Start, Turn, TurnKind, new_call
from ivr.services import reports
from ivr.store import calls as callstore
from ivr.store import db
from ivr.store.models.calls import Call, JourneyEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StepRequest:
    """What a channel says happened on a call, typed once at its border (`ivr.telephony.requests`)."""

    call_sid: str
    """The call's identifier; "" when the request named none usable."""
    seq: int | None = None
    """The step the request answers (`Call.last_seq` when it was asked); None: taken as it comes."""
    event: Event = field(default_factory=NoInput)
    """What the caller did: keys, words, silence (the greeting's is `Start`)."""
    language: str | None = None
    """The caller's language as the request's URL carries it; None when not chosen (or not known)."""
    caller: str | None = None
    """The caller's number in E.164; None when withheld or not a phone number."""
    called: str | None = None
    """The number called, in E.164."""
    start: ConsoleStart | None = None
    """Where a demo or test call starts instead of the greeting (`ivr.calls.console`)."""


class Next(StrEnum):
    """What an Answer asks the caller to hear next."""

    TURN = "turn"
    """The turn the engine gave: a question, words then the agents' queue, or goodbye."""
    CLOSED = "closed"
    """A transfer while agents are out: `said`, then the after-hours choices."""
    AGAIN = "again"
    """A retry or a late copy of a request: the answer already given, `body`, again."""
    FAULT = "fault"
    """The call cannot be carried on: the apology and the agents' queue."""


@dataclass(frozen=True)
class Answer:
    """A step's answer: the turns to say and what next, and (once rendered and saved) its document."""

    next: Next
    turn: Turn | None = None
    state: CallState | None = None
    language: str | None = None
    """CLOSED and FAULT: the caller's language, None when not known (every language is spoken)."""
    said: tuple[tuple[str, str], ...] = ()
    """CLOSED: (language, text) said before the after-hours choices."""
    seq: int | None = None
    """CLOSED: the call's step, carried in the choices' URLs."""
    at: datetime | None = None
    """CLOSED: the moment agents were found out (the opening hours are told from it)."""
    body: str = ""
    """The rendered document: AGAIN's saved one, or the one this step saved."""


Render = Callable[[Answer], str]
"""Turns an Answer into the channel's document (TwiML for Twilio voice)."""


def again(body: str) -> Answer:
    return Answer(Next.AGAIN, body=body)


def fault(language: str | None = None) -> Answer:
    return Answer(Next.FAULT, language=language)


def start(line: Line, request: StepRequest, render: Render) -> Answer:
    """A call comes in: greet the caller (or, demo and test servers only, start where `request.start`
    says). A retried greeting gets the same answer and no second call."""
    seen = callstore.read(db.connection(), request.call_sid)
    if seen is not None and seen.last_twiml:  # Twilio retried: same answer, no new call
        return again(seen.last_twiml)
    if seen is None and request.start is None and not line.recorder.enabled():
        answer = _greet(line, request, render)
        if answer is not None:
            return answer
    session = db.session()
    try:
        result = calls.start_call(session, line.flows.current, request.call_sid, request.caller, request.called,
                                  request.start)
    except IntegrityError:  # the same greeting delivered twice at once: the other one won
        session.rollback()
        existing = calls.load_call(session, request.call_sid)
        if existing is None or not existing.last_twiml:
            raise
        return again(existing.last_twiml)
    log.info("call %s started on flows %s", request.call_sid, result.call.flow_version)
    return finish(line, result.call, line.recorder.with_notice(result, line.flows.current), render, first_turn=True)


def _greet(line: Line, request: StepRequest, render: Render) -> Answer | None:
    """The greeting saved in one statement with the new call, when it leads to a question (it
    always does in the shipped flows); None when it runs an action, transfers or hangs up."""
    flowset = line.flows.current
    first = new_call(flowset)
    turn, state = calls.plan_step(flowset, first, Start())
    if turn.kind is TurnKind.ACTION:  # recorded first, then its actions run as any step's do
        return _greet_with_actions(line, request, flowset, first, (turn, state), render)
    if not calls.changes_only_the_call(turn) or turn.kind is TurnKind.TRANSFER:
        return None
    answer = Answer(Next.TURN, turn, state)
    body = render(answer)
    if not _added(request, flowset, state, body, turn):
        return _saved_first(request.call_sid)
    log.info("call %s started on flows %s", request.call_sid, flowset.version)
    return replace(answer, body=body)


def _greet_with_actions(line: Line, request: StepRequest, flowset: FlowSet, first: CallState,
                        planned: tuple[Turn, CallState], render: Render) -> Answer:
    """A greeting that starts with backend actions (a lookup of the caller ID, say): the new call is
    saved as it stands before them, in a short transaction of its own, then they run like any
    step's, holding no lock while they wait (`_answer_with_actions`)."""
    if not _added(request, flowset, first, None, None):
        return _saved_first(request.call_sid)
    seen = callstore.read(db.connection(), request.call_sid)
    if seen is None:
        raise LookupError(f"call {request.call_sid} was saved but cannot be read back")
    log.info("call %s started on flows %s", request.call_sid, flowset.version)
    return _answer_with_actions(line, seen, planned, render)


def _added(request: StepRequest, flowset: FlowSet, state: CallState, body: str | None, turn: Turn | None) -> bool:
    """Save the new call with its first answer (`body`, None when its first actions run apart); False
    when another delivery of the same greeting saved it first."""
    try:
        callstore.add_answered_call(db.connection(), request.call_sid, request.caller, request.called,
                                    flowset.version, state.to_dict(), state.language, state.seq, body,
                                    turn.journey if turn is not None else (), calls.now_utc())
    except IntegrityError:
        return False
    return True


def _saved_first(call_sid: str) -> Answer:
    """The answer of the delivery of the same greeting that was saved first."""
    seen = callstore.read(db.connection(), call_sid)
    if seen is None or not seen.last_twiml:
        raise LookupError(f"call {call_sid} was saved by another delivery, which has not answered yet")
    return again(seen.last_twiml)


def step(line: Line, request: StepRequest, render: Render) -> Answer:
    """Carry the call one step on `request.event`; a retry or a late copy gets the newest answer
    again, an unknown call the apology and the queue. On PostgreSQL the first read locks the call's
    row already: that delays no other call, and the locked path need not read it again."""
    seen = callstore.read(db.connection(), request.call_sid, lock=True)
    if seen is None:
        log.warning("step for an unknown call %s", request.call_sid or "?")
        return fault()
    if callstore.answered_already(seen, request.seq):
        return again(seen.last_twiml or "")
    planned = calls.plan_step(line.flows_for(seen.flow_version), CallState.from_dict(seen.state), request.event)
    if not line.recorder.enabled():  # recording follows every turn, from the locked path
        answer = _answer_without_lock(line, seen, planned, render)
        if answer is not None:
            return answer
    if planned[0].kind is TurnKind.ACTION:
        return _answer_with_actions(line, seen, planned, render)
    session = db.session()
    call = callstore.lock(session, request.call_sid, seen)
    if call is None or callstore.answered_already(call, request.seq):  # another delivery got there first
        return again(call.last_twiml) if call is not None and call.last_twiml else fault()
    unmoved = call.state == seen.state and call.flow_version == seen.flow_version
    result = calls.run_step(session, line.flows_for(call.flow_version), call, request.event,
                            planned if unmoved else None)
    log.info("call %s at %s: %s", call.call_sid, result.state.position, result.turn.kind)
    return finish(line, call, result, render)


def _answer_without_lock(line: Line, seen: callstore.CallRow, planned: tuple[Turn, CallState],
                         render: Render) -> Answer | None:
    """A step that changes nothing but the call, saved with a compare-and-set. None when it needs
    the locked path: an action, the end of the call, a transfer after hours or out of self-service,
    or another delivery of the same step saved first."""
    turn, state = planned
    if not calls.changes_only_the_call(turn):
        return None
    now = calls.now_utc()
    queued = None
    if turn.kind is TurnKind.TRANSFER:
        if seen.status != CallStatus.IN_IVR or not line.agents_open(now):
            return None
        queued = calls.queued(turn, now)
    answer = Answer(Next.TURN, turn, state)
    body = render(answer)
    if not callstore.save_if_unchanged(db.connection(), seen, state.to_dict(), state.language, state.seq, body,
                                       turn.journey, now, queued):
        return None
    log.info("call %s at %s: %s", seen.call_sid, state.position, turn.kind)
    return replace(answer, body=body)


def _answer_with_actions(line: Line, seen: callstore.CallRow, planned: tuple[Turn, CallState],
                         render: Render) -> Answer:
    """A step that runs backend actions, within their budget whatever they wait on, holding no lock
    (no transaction, no row, no writer) while one waits outside the database (`ivr.calls.action_budget`).
    Their last writes and the step's save are one transaction, a compare-and-set on the call as
    read: a step another delivery moved first keeps nothing more and answers as that one did."""
    try:
        session, call, turn, state = action_budget.run_step_actions(line.flows_for(seen.flow_version), seen, *planned)
        calls.save_step(session, call, state, turn)
        log.info("call %s at %s: %s", seen.call_sid, state.position, turn.kind)
        return finish(line, call, calls.StepResult(turn, state, call), render)
    except callstore.CallMoved:
        db.discard_session()
        now = callstore.read(db.connection(), seen.call_sid)
        return again(now.last_twiml) if now is not None and now.last_twiml else fault()


def finish(line: Line, call: Call, result: calls.StepResult, render: Render, first_turn: bool = False) -> Answer:
    """The answer of a step run on `call` (locked, or read for a compare-and-set): recording follows
    the turn, a transfer while agents are out becomes the after-hours choices, and the call, its
    answer and what the step changed are committed together."""
    session = db.session()
    flowset = line.flows_for(call.flow_version)
    line.recorder.follow(session, call, flowset, result.state, first_turn)
    now = calls.now_utc()
    closed = _after_hours(line, session, call, result.turn, flowset, now)
    if closed is None:
        answer = Answer(Next.TURN, result.turn, result.state)
    else:
        answer = Answer(Next.CLOSED, language=call.language, said=tuple(closed), seq=call.last_seq, at=now)
    body = render(answer)
    call.last_twiml = body
    callstore.write_back(session, call)
    session.commit()
    return replace(answer, body=body)


def _after_hours(line: Line, session: Session, call: Call, turn: Turn, flowset: FlowSet, now: datetime) -> Said | None:
    """What precedes the after-hours choices when `turn` transfers the caller while agents are out (the
    call is then marked "after_hours" and its journey says so); None when agents are in or the turn does
    not transfer (the caller is queued as usual)."""
    if turn.kind is not TurnKind.TRANSFER or line.agents_open(now):
        return None
    settings = flowset.settings
    texts = [(u.language, u.text) for u in turn.prompts
             if u.key not in (settings.transfer_prompt, settings.fault_prompt) and u.text]
    if turn.reason == "fault":
        texts += line.say(["closed.fault"], line.flows.current.languages.speaking(call.language))
    call.status = CallStatus.AFTER_HOURS
    session.add(JourneyEvent(call_sid=call.call_sid, seq=call.last_seq, at=now, position=position_of(call),
                             kind=JourneyKind.CLOSED, event="after_hours", detail={"reason": turn.reason}))
    log.info("call %s asked for an agent after hours", call.call_sid)
    return texts


def position_of(call: Call) -> str:
    """The call's place in its flows ("main/menu"), as its state says; "" before it has one."""
    return str((call.state or {}).get("position", ""))


def end(call_sid: str, how: str, duration: int | None) -> None:
    """The call is over (`how`: the channel's final status, "completed", "busy"...; `duration` in
    seconds): note it, add it to the client's history once (`ivr.calls.end_call`), and fold its
    journey into the facts the reports read (`ivr.services.reports.note_call_facts`)."""
    session = db.session()
    call = calls.load_call(session, call_sid)
    if call is not None:
        calls.end_call(session, call, how, duration)
        session.flush()
        reports.note_call_facts(session.connection(), call_sid)  # the report reads them, not the journey
        session.commit()
