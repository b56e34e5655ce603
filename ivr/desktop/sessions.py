"""Agents' sessions kept on the server: a cookie alone can never outlive signing out or a timeout.

Flask's cookie session only carries a random session id; the row it points to says who signed in,
when, when they were last active and whether the session has ended. Ending the row ends the session
for every copy of the cookie (a shared computer, a stolen cookie replayed later).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ivr.store import db as store
from ivr.store.models.desktop import Agent, AgentSession

IDLE_MINUTES = 30  # an unattended screen full of personal data locks itself
SHIFT_HOURS = 9  # one shift; after that the agent signs in again, however active


@dataclass(frozen=True)
class Limits:
    idle: timedelta = timedelta(minutes=IDLE_MINUTES)
    absolute: timedelta = timedelta(hours=SHIFT_HOURS)


@dataclass(frozen=True)
class Check:
    """What a cookie's session id is worth now: the agent, or why there is none."""

    agent: Agent | None
    record: AgentSession | None = None
    expired: bool = False  # True when the agent should be told their session timed out


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything here is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def start(db: Session, agent: Agent, now: datetime) -> str:
    """A new session for the agent; the returned id goes in the cookie and is never stored as is."""
    session_id = secrets.token_urlsafe(32)
    db.add(AgentSession(id_hash=_digest(session_id), agent_id=agent.id, started_at=now, last_seen_at=now))
    db.flush()
    return session_id


def check(db: Session, session_id: str | None, now: datetime, limits: Limits, touch: bool = True) -> Check:
    """The agent behind a cookie's session id, ending the session if it has timed out.

    `touch=False` for requests the page makes by itself (the live queue): they do not count as activity,
    or an open page would never time out.
    """
    if not session_id:
        return Check(None)
    if touch:  # this read is followed by a write: a write transaction, or lose the race
        store.begin_write(db)
    record = db.scalar(select(AgentSession).where(AgentSession.id_hash == _digest(session_id)))
    if record is None or record.ended_at is not None:
        return Check(None, expired=record is not None and record.end_reason in ("idle", "shift_over"))
    reason = None
    if now - _aware(record.started_at) > limits.absolute:
        reason = "shift_over"
    elif now - _aware(record.last_seen_at) > limits.idle:
        reason = "idle"
    elif not record.agent.active:
        reason = "inactive"
    if reason is not None:
        end(record, now, reason)
        db.commit()
        return Check(None, expired=reason != "inactive")
    if touch:
        record.last_seen_at = now
        db.commit()
    return Check(record.agent, record)


def end(record: AgentSession, now: datetime, reason: str) -> None:
    if record.ended_at is None:
        record.ended_at, record.end_reason = now, reason


def end_by_id(db: Session, session_id: str | None, now: datetime, reason: str = "signed_out") -> None:
    if not session_id:
        return
    record = db.scalar(select(AgentSession).where(AgentSession.id_hash == _digest(session_id)))
    if record is not None:
        end(record, now, reason)


def end_all_for(db: Session, agent: Agent, now: datetime, reason: str) -> int:
    """Every open session of an agent (deactivated, or a role taken away): they must sign in again."""
    result = db.execute(update(AgentSession)
                        .where(AgentSession.agent_id == agent.id, AgentSession.ended_at.is_(None))
                        .values(ended_at=now, end_reason=reason))
    return result.rowcount or 0

