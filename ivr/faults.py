"""When a step fails: keep what can still be kept, so the agent who answers knows the caller.

The step's own transaction is rolled back whole (so nothing the caller was about to be told is
half-saved); then, in a new transaction with a short budget of its own, the call is marked as
queued for an agent because of a fault, with a journey entry saying so. If the database is down
that fails too, and the caller still gets their apology and the queue from the webhook.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from . import deadline
from .engine import CallState
from .models import Call, JourneyEvent

log = logging.getLogger(__name__)

RECORD_BUDGET_S = 0.5


def fault_queue(language: str | None) -> str:
    return f"agents-{language if language in ('fr', 'en') else 'fr'}"


def record(session_factory, call_sid: str, language: str | None, error: BaseException) -> bool:
    """Mark the call as sent to an agent by a fault; True when that was saved."""
    if not call_sid:
        return False
    try:
        with deadline.within(RECORD_BUDGET_S, fresh=True):
            session: Session = session_factory()
            try:
                _mark(session, call_sid, language, error)
                session.commit()
            finally:
                session.close()
    except Exception as second:  # the database that failed the step may fail this too
        log.warning("could not record the fault on call %s: %s", call_sid, type(second).__name__)
        return False
    return True


def _mark(session: Session, call_sid: str, language: str | None, error: BaseException) -> None:
    from .calls import load_call, now_utc

    call: Call | None = load_call(session, call_sid)
    if call is None:
        return
    position = CallState.from_dict(call.state).position if call.state else ""
    session.add(JourneyEvent(call_sid=call_sid, seq=call.last_seq, at=now_utc(), position=position[:120],
                             kind="fault", event=type(error).__name__[:40], detail={}))
    if call.status == "in_ivr":
        call.status = "queued"
        call.transfer_reason = "fault"
        call.queue = fault_queue(language or call.language)
        call.queued_at = now_utc()
