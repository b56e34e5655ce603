"""The statements most steps need, built once: read a call, save a step that asked another question.

Most of a call's steps are a menu choice, a digit or a repeat, which change nothing but the call.
Through the ORM, reading and saving such a step cost more than the engine and the TwiML
together, so these are plain SQLAlchemy Core statements, prepared when the module is imported.
Steps that run a backend action, transfer or hang up still load the `Call` object under a lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select

from . import sqlite_writer
from .engine import JourneyEntry
from .models import Call, JourneyEvent

_CALLS = Call.__table__
_JOURNEY = JourneyEvent.__table__

_READ = select(_CALLS.c.call_sid, _CALLS.c.state, _CALLS.c.flow_version, _CALLS.c.last_seq,
               _CALLS.c.last_twiml).where(_CALLS.c.call_sid == bindparam("wanted"))

_SAVE_IF_UNCHANGED = (
    _CALLS.update()
    .where(_CALLS.c.call_sid == bindparam("wanted"), _CALLS.c.last_seq == bindparam("read_seq"))
    .values(state=bindparam("new_state"), language=bindparam("new_language"), last_seq=bindparam("new_seq"),
            last_twiml=bindparam("answer"), updated_at=bindparam("now"))
)

_ADD_JOURNEY = _JOURNEY.insert()


@dataclass(frozen=True)
class CallRow:
    """What a step needs to know of a call before deciding whether it must lock it."""

    call_sid: str
    state: dict[str, Any]
    flow_version: str
    last_seq: int
    last_twiml: str | None


def read(engine: Engine, call_sid: str) -> CallRow | None:
    """The call as it is now; waits for no writer and blocks none (a deferred read, or MVCC)."""
    with engine.connect() as connection:
        row = connection.execute(_READ, {"wanted": call_sid}).first()
    return CallRow(*row) if row is not None else None


def save_if_unchanged(engine: Engine, call: CallRow, state: dict[str, Any], language: str | None, seq: int,
                      answer: str, journey: Iterable[JourneyEntry], now: datetime) -> bool:
    """Save a step computed from `call` if nobody moved the call since it was read (compare-and-set
    on `last_seq`), with its journey, in one short transaction. False, keeping nothing, when another
    delivery of the step was saved first."""
    with engine.connect() as connection:
        connection = connection.execution_options(**{sqlite_writer.WRITE_LOCK: True})
        saved = connection.execute(_SAVE_IF_UNCHANGED, {
            "wanted": call.call_sid, "read_seq": call.last_seq, "new_state": state, "new_language": language,
            "new_seq": seq, "answer": answer, "now": now}).rowcount
        if saved != 1:
            connection.rollback()
            return False
        add_journey(connection, call.call_sid, seq, now, journey)
        connection.commit()
    return True


def add_journey(connection: Connection, call_sid: str, seq: int, at: datetime,
                entries: Iterable[JourneyEntry]) -> None:
    """A step's journey in one statement; these rows are only ever added."""
    rows = [{"call_sid": call_sid, "seq": seq, "at": at, "position": entry.position, "kind": entry.kind,
             "event": entry.event, "detail": entry.detail} for entry in entries]
    if rows:
        connection.execute(_ADD_JOURNEY, rows)
