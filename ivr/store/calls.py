"""The statements every step needs, built once: read a call, save it, lock it, add to its journey.

Most of a call's steps (a menu choice, a digit, a repeat, the way to the queue) change nothing
but the call: they are saved with a compare-and-set (`save_if_unchanged`). Steps that run
backend actions change a call kept out of the ORM (`unlocked`) and write it back with a
compare-and-set (`write_back`); the few that end the call lock it (`lock_call`, through the ORM).
Through the ORM, reading and saving a call cost more than the engine and the TwiML together
(second session: a read 350 µs, 105 µs as Core; a save 810 µs, 205 µs), so these are
SQLAlchemy Core statements, built once when the module is imported: SQLAlchemy keeps a
statement's cache key on the statement, so one built once is keyed once (0.2 µs; built at each
use, 15 µs for the read and 100 µs for the save, plus building it). Built at each use, they cost
a request 16-20 % more CPU on SQLite and 13-16 % on PostgreSQL (11-12 % of its wall-clock time;
bench/tricks.py, bench/RESULTS.md "What each storage trick is worth").
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ivr.store import sqlite as sqlite_writer
from ivr.engine.state import JourneyEntry
from ivr.engine.journey import JourneyKind
from ivr.store.models.calls import Call, CallStatus, JourneyEvent

log = logging.getLogger(__name__)

_CALLS = Call.__table__
_JOURNEY = JourneyEvent.__table__

_READ = select(_CALLS).where(_CALLS.c.call_sid == bindparam("wanted"))
_READ_LOCKED = _READ.with_for_update()

_SAVE_IF_UNCHANGED = (
    _CALLS.update()
    .where(_CALLS.c.call_sid == bindparam("wanted"), _CALLS.c.last_seq == bindparam("read_seq"))
    .values(state=bindparam("new_state"), language=bindparam("new_language"), last_seq=bindparam("new_seq"),
            last_twiml=bindparam("answer"), updated_at=bindparam("now"))
)
_QUEUED_IF_UNCHANGED = _SAVE_IF_UNCHANGED.values(  # the same, for a step that sends the caller to the agents
    status=bindparam("new_status"), transfer_reason=bindparam("new_transfer_reason"), queue=bindparam("new_queue"),
    queued_at=bindparam("new_queued_at"))

_ADD_JOURNEY = _JOURNEY.insert()

_ADD_CALL = _CALLS.insert()

_WRITE_BACK = _CALLS.update().where(_CALLS.c.call_sid == bindparam("wanted"))  # SET: the columns given
_WRITE_BACK_IF_UNCHANGED = _WRITE_BACK.where(  # a step saves last_seq and updated_at; Twilio's status callback, these two
    _CALLS.c.last_seq == bindparam("read_seq"), _CALLS.c.updated_at == bindparam("read_at"),
    _CALLS.c.status == bindparam("read_status"), _CALLS.c.ended_at.is_not_distinct_from(bindparam("read_ended")))


class CallMoved(Exception):
    """A step run without the call locked found it moved on when saving: another delivery answered
    first, or the call ended meanwhile."""

REACHED_THROUGH_FAULT = "reached_through_fault"
"""Transfer reason of a caller found waiting in an agents' queue whose call was not recorded as sent
there: the write that should have said so failed (a worker killed mid-step, a read-only or locked
SQLite file, PostgreSQL down). Agents see such calls marked "context not available"."""

NOT_YET_WAITING = (CallStatus.IN_IVR.value, CallStatus.AFTER_HOURS.value)
"""Statuses of a call that a caller heard in a queue proves out of date."""

_NOW_WAITING = (
    _CALLS.update()
    .where(_CALLS.c.call_sid == bindparam("wanted"), _CALLS.c.status.in_(NOT_YET_WAITING),
           _CALLS.c.ended_at.is_(None))
    .values(status=CallStatus.QUEUED.value, transfer_reason=func.coalesce(_CALLS.c.transfer_reason, REACHED_THROUGH_FAULT),
            queue=func.coalesce(_CALLS.c.queue, bindparam("new_queue")),
            queued_at=func.coalesce(_CALLS.c.queued_at, bindparam("now")), updated_at=bindparam("now"))
)


@dataclass(frozen=True)
class CallRow:
    """A call as read, before deciding whether the step must lock it."""

    columns: dict[str, Any]
    locked: bool = False  # PostgreSQL: read with FOR UPDATE, in the transaction still open on the connection

    @property
    def call_sid(self) -> str:
        return self.columns["call_sid"]

    @property
    def state(self) -> dict[str, Any]:
        return self.columns["state"]

    @property
    def flow_version(self) -> str:
        return self.columns["flow_version"]

    @property
    def last_seq(self) -> int:
        return self.columns["last_seq"]

    @property
    def last_twiml(self) -> str | None:
        return self.columns["last_twiml"]

    @property
    def status(self) -> str:
        return self.columns["status"]


def read(connection: Connection, call_sid: str, lock: bool = False) -> CallRow | None:
    """The call as it is now; waits for no writer and blocks none (a deferred read, or MVCC).

    On PostgreSQL the transaction stays open for what follows on the request's connection: the
    save (`save_if_unchanged`) or the locked path, whose session joins it. With `lock`, the row is
    read with FOR UPDATE, as the locked path would read it: a lock on one call, which delays no
    other call, and spares a step that runs an action a second read (`lock` takes the row as read).
    SQLite ends the transaction at once (its lock would be the whole database): a read snapshot
    kept into a write fails when another process wrote in between. (A commit, not a rollback,
    which psycopg would answer with DEALLOCATE ALL.)
    """
    connection.execution_options(**{sqlite_writer.WRITE_LOCK: False})
    row_lock = lock and connection.dialect.name == "postgresql"
    row = connection.execute(_READ_LOCKED if row_lock else _READ, {"wanted": call_sid}).mappings().first()
    if connection.dialect.name != "postgresql":
        connection.commit()
    return CallRow(dict(row), locked=row_lock) if row is not None else None


def answered_already(call: Call | CallRow, seq: int | None) -> bool:
    """Is a request that names step `seq` a retry or a late copy? True when the call has moved on
    from that step and has an answer to give again (`last_twiml`, the newest one); a request that
    names no step is taken as it comes."""
    if seq is not None and seq != call.last_seq and call.last_twiml:
        log.info("call %s: request for step %s while at %s; answered again", call.call_sid, seq, call.last_seq)
        return True
    return False


def writing(connection: Connection) -> None:
    """The connection's next transaction takes the writer lock when it begins (SQLite; on
    PostgreSQL, where rows are locked instead, nothing changes), not before its first statement."""
    if not connection.in_transaction():  # SQLite, or a read already ended: start as the writer
        connection.execution_options(**{sqlite_writer.WRITE_LOCK: True})


def lock(session: Session, call_sid: str, seen: CallRow | None = None) -> Call | None:
    """The call for a step that changes more than the call (the end of the call, a transfer after
    hours, a step another delivery raced), locked until the session commits: `lock_call`. `seen`,
    the call as this request read it, is not used any more: the call is read again under the lock,
    through the ORM, which writes it back when the session commits. (Keeping this `Call` out of the
    ORM, read from `seen` and written back by hand, saved 1-5 % of a request's CPU on SQLite and
    1 % on PostgreSQL once the steps with actions stopped locking: not worth its code. See
    bench/RESULTS.md, "What each storage trick is worth".)"""
    return lock_call(session, call_sid)


def lock_call(session: Session, call_sid: str) -> Call | None:
    """The call as an ORM object, locked until the session commits, or None when there is none: a
    second delivery of the same step waits, then finds the step answered (PostgreSQL: the row, read
    with FOR UPDATE; SQLite: the database's single writer, taken as the transaction begins). The
    ORM writes back what the step changed when the session commits. Must come before the session's
    first query, as `ivr.store.db.begin_write`."""
    sqlite_writer.begin_writing(session)  # nothing on PostgreSQL, and SQLite's compiler drops FOR UPDATE
    return session.scalar(select(Call).where(Call.call_sid == call_sid).with_for_update())


_as_read: WeakKeyDictionary[Call, dict[str, Any]] = WeakKeyDictionary()
"""The columns of each call from `unlocked` as last read or written: what `write_back` compares with."""


def unlocked(seen: CallRow) -> Call:
    """The call as `seen`, for a step that must lock nothing while it waits (its backend actions):
    changed by the step and its actions like any object, kept out of the ORM's session, and
    written back (`write_back`) with a compare-and-set on the step and the moment it was read at
    (`last_seq`, `updated_at`, which every save changes) and on how it stood (`status`, `ended_at`,
    which the end of the call changes), so a step that another delivery moved first, or whose
    caller hung up meanwhile, raises CallMoved and keeps nothing."""
    call = Call(**seen.columns)
    _as_read[call] = dict(seen.columns)
    return call


def columns_of(call: Call) -> dict[str, Any]:
    """The call's column values now, to put back if an action that changed them fails."""
    return {column.key: getattr(call, column.key) for column in _CALLS.columns}


def restore(call: Call, columns: dict[str, Any]) -> None:
    for key, value in columns.items():
        if getattr(call, key) != value:
            setattr(call, key, value)


def write_back(session: Session, call: Call) -> None:
    """Write what the step changed on a call from `unlocked`, in the session's transaction, as a
    compare-and-set (CallMoved when the call moved on meanwhile); a call the ORM loaded or added
    (`lock_call`, a new call, the console, the hold loop) is left to the ORM, which flushes it."""
    as_read = _as_read.get(call)
    if as_read is None:
        return
    changed = {key: value for key, value in columns_of(call).items() if value != as_read.get(key)}
    saved = session.connection().execute(_WRITE_BACK_IF_UNCHANGED, {
        "wanted": call.call_sid, "read_seq": as_read["last_seq"], "read_at": as_read["updated_at"],
        "read_status": as_read["status"], "read_ended": as_read["ended_at"], "last_seq": call.last_seq,
        "updated_at": call.updated_at, **changed})
    if saved.rowcount != 1:
        raise CallMoved(f"call {call.call_sid} moved on from step {as_read['last_seq']} while its actions ran")
    as_read.update(changed)


def save_if_unchanged(connection: Connection, call: CallRow, state: dict[str, Any], language: str | None, seq: int,
                      answer: str, journey: Iterable[JourneyEntry], now: datetime,
                      queued: dict[str, Any] | None = None) -> bool:
    """Save a step computed from `call` if nobody moved the call since it was read (compare-and-set
    on `last_seq`), with its journey, in one short transaction; `queued` when the step transfers.
    False, keeping nothing, when another delivery of the step was saved first."""
    values = {"wanted": call.call_sid, "read_seq": call.last_seq, "new_state": state, "new_language": language,
              "new_seq": seq, "answer": answer, "now": now}
    if queued:
        values.update({f"new_{column}": value for column, value in queued.items()})
    writing(connection)
    saved = connection.execute(_QUEUED_IF_UNCHANGED if queued else _SAVE_IF_UNCHANGED, values).rowcount
    if saved != 1:
        connection.rollback()
        return False
    add_journey(connection, call.call_sid, seq, now, journey)
    connection.commit()
    return True


def add_answered_call(connection: Connection, call_sid: str, caller: str | None, called: str | None,
                      flow_version: str, state: dict[str, Any], language: str | None, seq: int, answer: str | None,
                      journey: Iterable[JourneyEntry], now: datetime) -> None:
    """A new call with its greeting already answered (or, `answer` None, about to be: its first
    actions run apart), in one short transaction. Raises
    IntegrityError (after a rollback) when another delivery of the same greeting saved it first."""
    writing(connection)
    try:
        connection.execute(_ADD_CALL, {
            "call_sid": call_sid, "caller": caller, "called": called, "state": state, "flow_version": flow_version,
            "language": language, "last_seq": seq, "last_twiml": answer, "started_at": now, "updated_at": now})
    except IntegrityError:
        connection.rollback()
        raise
    add_journey(connection, call_sid, seq, now, journey)
    connection.commit()


def add_journey(connection: Connection, call_sid: str, seq: int, at: datetime,
                entries: Iterable[JourneyEntry]) -> None:
    """A step's journey in one statement; these rows are only ever added."""
    rows = [{"call_sid": call_sid, "seq": seq, "at": at, "position": entry.position, "kind": entry.kind,
             "event": entry.event, "detail": entry.detail} for entry in entries]
    if rows:
        connection.execute(_ADD_JOURNEY, rows)


@dataclass(frozen=True)
class Waiting:
    """What is known of a caller found in an agents' queue, without the call's own record: from the
    wait-URL request (Twilio's form) or from Twilio's list of queue members."""

    call_sid: str
    caller: str | None
    called: str | None
    language: str | None
    queue: str


def note_waiting(connection: Connection, waiting: Waiting, flow_version: str, state: dict[str, Any],
                 now: datetime) -> bool:
    """Record that a caller is waiting in an agents' queue, whatever write failed before: a call the
    database does not know is created (status queued, reason REACHED_THROUGH_FAULT, what is known);
    one still "in_ivr" (or "after_hours") becomes queued. Anything else is left alone: a call already
    queued, taken, ended or waiting for a callback. Each write is one conditional statement, so two
    requests at once record the caller once. True when something was written."""
    seen = read(connection, waiting.call_sid)
    if seen is not None and (seen.status not in NOT_YET_WAITING or seen.columns["ended_at"] is not None):
        if connection.in_transaction():
            connection.commit()  # PostgreSQL keeps the read's transaction open
        return False
    writing(connection)
    if seen is None:
        try:
            connection.execute(_ADD_CALL, {
                "call_sid": waiting.call_sid, "caller": waiting.caller, "called": waiting.called, "state": state,
                "flow_version": flow_version, "status": CallStatus.QUEUED.value, "language": waiting.language,
                "transfer_reason": REACHED_THROUGH_FAULT, "queue": waiting.queue, "queued_at": now, "last_seq": 0,
                "started_at": now, "updated_at": now})
        except IntegrityError:  # another request recorded it first
            connection.rollback()
            return False
        seq = 0
    else:
        if connection.execute(_NOW_WAITING, {"wanted": waiting.call_sid, "new_queue": waiting.queue,
                                             "now": now}).rowcount != 1:
            connection.rollback()
            return False
        seq = seen.last_seq
    connection.execute(_ADD_JOURNEY, [{"call_sid": waiting.call_sid, "seq": seq, "at": now, "position": "",
                                       "kind": JourneyKind.FAULT.value, "event": "found_waiting", "detail": {"queue": waiting.queue}}])
    connection.commit()
    log.warning("call %s was found waiting in %s without being recorded there: recorded now", waiting.call_sid,
                waiting.queue)
    return True
