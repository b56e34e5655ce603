"""A webhook step's backend actions: within their budget whatever they wait on, with no lock held meanwhile.

A budget that only interrupts database statements cannot stop an action that waits on something
else (an agency's web service, a stuck socket, a sleep): the step would wait with it and the
caller would hear silence past Twilio's timeout, and whatever the step had locked (SQLite's
single writer, the call's row) would stay locked for every other call. So `run_step_actions`
runs an action declared database-only (`ivr.services.actions.action`) on the step's thread, where
the database's interrupt bounds it, and hands any other to a small pool of threads
(`run_within`), waiting at most its budget, after committing what the earlier actions wrote, so
no transaction is open while it waits. Past the budget the step goes on to the action's error
branch, and the late work, when it ends, is rolled back on its own thread, so nothing it did is
kept or doubled.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from functools import partial
from typing import TypeVar

from sqlalchemy.orm import Session

from ivr import calls, clock, deadline
from ivr.store import calls as callstore
from ivr.store import db
from ivr.engine.flows import FlowSet
from ivr.engine.runner import advance
from ivr.engine.state import ActionDone, ActionFailed, CallState, Turn, TurnKind
from ivr.store.models.calls import Call
from ivr.services.actions import database_only

log = logging.getLogger(__name__)

T = TypeVar("T")

ACTION_THREADS = 16
"""Action threads per process. A late action keeps its thread until it ends: with every thread taken
by late actions, the next ones wait their budget and take their error branch; no other step waits."""


class ActionsLate(deadline.DeadlineExceeded):
    """The step's backend actions did not answer within their budget; their work will be rolled back."""


_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    """The process's pool, made after gunicorn forks (threads do not survive a fork)."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(max_workers=ACTION_THREADS, thread_name_prefix="ivr-action")
            _pool_pid = os.getpid()
        return _pool


class _Handover:
    """Who owns the work's result: the step (delivered in time) or the action thread (abandoned)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.delivered = False
        self.abandoned = False


def run_within(seconds: float, work: Callable[[], T], clean_up: Callable[[], None]) -> T:
    """`work()` on an action thread, in a copy of this context (the request's budget, Flask's app);
    its result (or its exception) if it ends within `seconds`.

    Raises ActionsLate after `seconds` otherwise; the step must then leave alone everything `work`
    uses (its session, its connection, its objects): `clean_up()` runs on the action thread when
    `work` ends, whatever it returned or raised. Exactly one side owns the result: a result that
    came at the very moment the step gave up is the step's.
    """
    handover = _Handover()
    context = contextvars.copy_context()

    def on_action_thread() -> T:
        try:
            return context.run(work)
        finally:
            with handover.lock:
                if handover.abandoned:
                    _quietly(clean_up)
                else:
                    handover.delivered = True

    future = _executor().submit(on_action_thread)
    try:
        return future.result(timeout=max(0.0, seconds))
    except FutureTimeout:
        with handover.lock:
            if not handover.delivered:
                handover.abandoned = True
                if future.cancel():  # never started (every thread busy): nobody else will clean up
                    _quietly(clean_up)
                raise ActionsLate(f"the backend actions did not answer within {seconds:.2f} s") from None
        return future.result()  # it ended as the step gave up: in time after all


def _quietly(clean_up: Callable[[], None]) -> None:
    try:
        clean_up()
    except Exception as error:  # a late action's database may be gone too; nothing else is waiting on it
        log.warning("cleaning up after late backend actions failed: %s", type(error).__name__)


GRACE_S = 0.2
"""An action run apart is waited for this much past its budget, so one stopped at its budget (a
statement interrupted) takes its error branch itself, with its own error."""


def run_step_actions(flowset: FlowSet, seen: callstore.CallRow, turn: Turn,
                     state: CallState) -> tuple[Session, Call, Turn, CallState]:
    """Run the actions `turn` asks for, for the call as `seen`, each taking the branch its result
    names; the actions of a step share ACTION_BUDGET_S, one budget ending at one moment (those on the
    step's thread open that very budget, so PostgreSQL's limit for it is set once per transaction, not
    once per action). (PostgreSQL: the step's read of the call may still hold its row, let go before
    an action runs apart.)

    An action whose transaction holds no earlier action's writes runs without a savepoint: if it
    fails, the transaction is rolled back whole (`ivr.calls.run_action`), which loses nothing (on
    PostgreSQL it lets go of the call's row, read FOR UPDATE; the save is a compare-and-set anyway)
    and spares the SAVEPOINT and RELEASE round trips of every step that runs one action, the usual
    case. Later ones keep the earlier writes behind a savepoint.

    Returns the session holding the last writes (the step's save goes in the same transaction),
    the call as the actions changed it (written back as a compare-and-set, `callstore.unlocked`),
    and the turn that follows them with what was heard on the way.
    """
    call, session = _fresh(seen.columns)
    heard, journey = list(turn.prompts), list(turn.journey)
    ends = time.monotonic() + calls.ACTION_BUDGET_S
    kept = False  # does the open transaction hold an earlier action's writes, which a failure must not undo?
    for _ in range(calls.MAX_ACTIONS_PER_STEP):
        if turn.kind is not TurnKind.ACTION:
            break
        name = turn.action or ""
        seconds = min(calls.ACTION_BUDGET_S, ends - time.monotonic())
        if database_only(name):
            event = calls.run_action(session, call, state, name, flowset, seconds, savepoint=kept, ends=ends)
        else:
            if session.in_transaction() or session.get_bind().in_transaction():  # nothing held while it waits:
                # what the earlier actions wrote is committed (PostgreSQL: and the row the step's read locked)
                call.updated_at = clock.now()
                callstore.write_back(session, call)
                session.commit()
                callstore.writing(session.get_bind())
                kept = False
            columns = callstore.columns_of(call)
            try:
                event = run_within(seconds + GRACE_S, partial(
                    calls.run_action, session, call, state, name, flowset, seconds, savepoint=False), db.closer())
            except ActionsLate as late:
                db.hand_over()  # still the late action's: it rolls its writes back and closes them when it ends
                log.warning("action %s failed on call %s: %s", name, seen.call_sid, type(late).__name__)
                call, session = _fresh(columns)
                event = ActionFailed(type(late).__name__)
        kept = kept or isinstance(event, ActionDone)  # a failed one's writes are gone (with the earlier ones', if unkept)
        turn, state = advance(flowset, state, event)
        heard.extend(turn.prompts)
        journey.extend(turn.journey)
    return session, call, replace(turn, prompts=tuple(heard), journey=tuple(journey)), state


def _fresh(columns: dict) -> tuple[Call, Session]:
    """The call as last committed, and the request's session, whose transaction will take SQLite's
    writer at its first statement, not before."""
    call = callstore.unlocked(callstore.CallRow(dict(columns)))
    callstore.writing(db.connection())
    return call, db.session()
