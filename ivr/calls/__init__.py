"""Carrying a call one step: load its state, run the engine and its actions, save it back.

This is where the pure engine meets the database. Nothing here knows about HTTP or TwiML,
so the webhook, the console phone and the scenario runner share it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ivr.engine.flows import FlowSet
from ivr.engine.runner import advance
from ivr.engine.state import ActionDone, ActionFailed, CallState, Event, Start, Turn, TurnKind, new_call
from ivr.calls.console import ConsoleStart
from ivr import clock
from ivr.calls.status import CallStatus
from ivr import deadline
from ivr.store import calls as callstore
from ivr.store.models.calls import Call, Contact, JourneyEvent
from ivr.services.actions import ActionContext
from ivr.services.actions import run_action as _call_action
from ivr.services.clients import find_client

log = logging.getLogger(__name__)

MAX_ACTIONS_PER_STEP = 20
ACTION_BUDGET_S = 1.5  # an action slower than this is a failed one: the caller goes to its error branch


@dataclass(frozen=True)
class StepResult:
    turn: Turn
    state: CallState
    call: Call


def now_utc() -> datetime:
    return clock.now()


def start_call(session: Session, flowset: FlowSet, call_sid: str, caller: str | None, called: str | None,
               start: ConsoleStart | None = None) -> StepResult:
    """A new call from the greeting, or (console and tests only) from where `start` says."""
    state = new_call(flowset)
    call = Call(call_sid=call_sid, caller=caller, called=called, state=state.to_dict(),
                flow_version=flowset.version, started_at=now_utc(), updated_at=now_utc())
    session.add(call)
    session.flush()
    if start is None:
        return run_step(session, flowset, call, Start())
    if start.client_number:
        client = find_client(session, start.client_number)
        if client is not None:
            call.client_id = client.id
            call.verified = True
            call.verified_by = "console"
            call.verification_level = "step_up"  # the console starts past every check
    return run_step(session, flowset, call, start.event())


def load_call(session: Session, call_sid: str) -> Call | None:
    """The call, locked until the session commits: a second delivery of the same step waits, then
    finds the step answered (which lock, per database: `ivr.store.calls.lock_call`)."""
    return callstore.lock_call(session, call_sid)


DATABASE_TURNS = (TurnKind.ACTION, TurnKind.HANGUP)
"""Turns that read or change more than the call itself: a backend action, the contact history."""


def plan_step(flowset: FlowSet, state: CallState, event: Event) -> tuple[Turn, CallState]:
    """The step's first turn, computed from the call as read. When it changes nothing but the call
    (`changes_only_the_call`: a menu choice, a digit, a repeat, the way to the agents' queue), it
    is saved with a compare-and-set (`callstore.save_if_unchanged`); else the step runs with the
    call locked (`callstore.lock`, `run_step`), so its side effects happen once, and starts from
    this turn if the call did not move in between."""
    return advance(flowset, state, event)


def changes_only_the_call(turn: Turn) -> bool:
    return turn.kind not in DATABASE_TURNS


def queued(turn: Turn, now: datetime) -> dict[str, object]:
    """What a transfer changes on a call still in self-service: the desktop shows it waiting from now."""
    return {"status": CallStatus.QUEUED, "transfer_reason": turn.reason, "queue": turn.queue, "queued_at": now}


def run_step(session: Session, flowset: FlowSet, call: Call, event: Event,
             planned: tuple[Turn, CallState] | None = None) -> StepResult:
    """Apply one caller event, running any backend actions the flow asks for on the way, all on this
    thread (the console, the scenarios, the hold loop); the webhook's steps run theirs through
    `ivr.calls.action_budget`, which holds no lock while an action waits outside the database.

    `planned` is the event's first turn (`plan_step`) if it was computed from this very state.
    """
    turn, state = planned or advance(flowset, CallState.from_dict(call.state), event)
    turn, state = run_actions(session, flowset, call, turn, state)
    save_step(session, call, state, turn)
    return StepResult(turn, state, call)


def run_actions(session: Session, flowset: FlowSet, call: Call, turn: Turn,
                state: CallState) -> tuple[Turn, CallState]:
    """Run the backend actions `turn` asks for, one after another, each within ACTION_BUDGET_S and
    taking the branch its result names; the turn that follows them (what is heard on the way included)."""
    heard = list(turn.prompts)
    journey = list(turn.journey)
    for _ in range(MAX_ACTIONS_PER_STEP):
        if turn.kind is not TurnKind.ACTION:
            break
        result_event = run_action(session, call, state, turn.action or "", flowset, ACTION_BUDGET_S)
        turn, state = advance(flowset, state, result_event)
        heard.extend(turn.prompts)
        journey.extend(turn.journey)
    return replace(turn, prompts=tuple(heard), journey=tuple(journey)), state


def run_action(session: Session, call: Call, state: CallState, name: str, flowset: FlowSet,
               seconds: float, savepoint: bool = True, ends: float | None = None) -> Event:
    """Run one backend action within `seconds`; a fault or a late answer takes the error branch.
    `ends`: the end (`time.monotonic()`) of the budget it shares with the step's other actions, `seconds`
    being what was left of it: its statements are then cut at that very end (`deadline.until`), and
    on PostgreSQL the second action of a step sends no `SET LOCAL statement_timeout` of its own, the
    first one's being for the same budget (`ivr.store.budget`).

    The action's writes sit in a savepoint, or (`savepoint=False`: the transaction holds nothing
    that must outlive a failure, or the action must find no transaction open, as
    `ivr.calls.action_budget` decides) in the session's transaction, rolled back whole if it fails:
    they are kept only if it answered well and in time, so the caller is never told about a change
    that was undone.
    """
    context = ActionContext(session=session, call=call, vars=dict(state.vars), now=now_utc(),
                            position=state.position, policy=flowset.verification)
    nested = session.begin_nested() if savepoint else None
    before = callstore.columns_of(call)  # a call kept out of the ORM is not undone by the savepoint
    started = time.monotonic()
    try:
        with deadline.within(seconds) if ends is None else deadline.until(ends):
            deadline.check()
            result = _call_action(name, context)
        late = time.monotonic() - started > seconds
        if late:
            raise deadline.DeadlineExceeded(f"action {name} answered after its {seconds:.2f} s budget")
    except Exception as error:  # a backend fault takes the flow's error branch, never the call
        _undo(session, nested, call.call_sid)
        callstore.restore(call, before)
        log.warning("action %s failed on call %s: %s", name, call.call_sid, type(error).__name__)
        return ActionFailed(type(error).__name__)
    if nested is not None:
        nested.commit()
    return ActionDone(result.outcome, dict(result.values))


def _undo(session: Session, nested, call_sid: str) -> None:
    """Roll a failed action's writes back: its savepoint, or the whole transaction when the savepoint
    went with the connection (a statement interrupted at its budget may leave the connection invalid,
    as PostgreSQL did under load). The step then goes on in a fresh transaction that, on SQLite,
    takes the writer lock first, like every step's; what earlier actions of the same step wrote is
    lost with it, and the log says so."""
    bind = session.get_bind()
    if nested is not None:
        try:
            nested.rollback()
            if not (isinstance(bind, Connection) and bind.invalidated):
                return
        except SQLAlchemyError:
            pass
        log.warning("call %s: the savepoint of a failed action went with its connection; the step's earlier "
                    "writes were rolled back with it", call_sid)
    session.rollback()
    if isinstance(bind, Connection) and not bind.in_transaction():
        callstore.writing(bind)


def save_step(session: Session, call: Call, state: CallState, turn: Turn) -> None:
    """What a step changes besides its TwiML: the call's state, its journey, its status at the end."""
    now = now_utc()
    call.state = state.to_dict()
    call.updated_at = now
    call.language = state.language
    call.last_seq = state.seq
    callstore.add_journey(session.connection(), call.call_sid, state.seq, now, turn.journey)
    if turn.kind is TurnKind.TRANSFER and call.status != CallStatus.QUEUED:
        for column, value in queued(turn, now).items():
            setattr(call, column, value)
    elif turn.kind is TurnKind.HANGUP and call.status == CallStatus.IN_IVR:
        call.status = CallStatus.COMPLETED
        _record_contact(session, call, "self_service", "resolved_in_ivr")


def end_call(session: Session, call: Call, twilio_status: str, duration: int | None) -> None:
    """Twilio says the call is over: note how, and add it to the client's history once."""
    call.end_status = twilio_status
    call.duration = duration
    call.ended_at = now_utc()
    if call.status == CallStatus.IN_IVR:  # the webhook only passes final statuses: the caller left mid-way
        call.status = CallStatus.ABANDONED
        _record_contact(session, call, "self_service", "caller_hung_up")
    elif call.status == CallStatus.QUEUED:
        _record_contact(session, call, "self_service", "transferred_to_agent")


def _record_contact(session: Session, call: Call, subject: str, outcome: str) -> None:
    if call.client_id is None:
        return
    exists = session.scalar(select(Contact.id).where(Contact.call_sid == call.call_sid, Contact.channel == "ivr"))
    if exists:
        return
    positions = session.scalars(select(JourneyEvent.position).where(JourneyEvent.call_sid == call.call_sid)).all()
    flows_visited = {p.split("/")[0] for p in positions} | {CallState.from_dict(call.state).position.split("/")[0]}
    topic = "address_change" if "address" in flows_visited else "status" if "status" in flows_visited else subject
    session.add(Contact(client_id=call.client_id, at=now_utc(), channel="ivr", subject=topic, outcome=outcome,
                        call_sid=call.call_sid))
