"""One SQLite writer at a time across processes, handed over the moment the last one finishes.

SQLite lets one transaction write at a time; the others wait in its busy handler, which sleeps
1, 2, 5, 10 ... up to 100 ms between tries. Under load a waiting step keeps missing the free lock
and a caller hears silence for hundreds of milliseconds. An advisory lock on a file beside the
database (`flock`) queues writers instead, so the next one starts at once; SQLite's own lock stays
underneath for processes that do not use this one (the `sqlite3` shell, say). Threads of one
process first queue on a lock of their own, which hands over without polling, so at most one
thread per process polls the file. Waiting is bounded by what is left of the request's budget
(`ivr.store.budget`).

Only transactions that read something and then change it ask for this (`begin_writing`, as
loading a call for a step does): they start with BEGIN IMMEDIATE under the lock, so two
deliveries of one step are served one after the other. Other transactions start deferred, so a
read never waits for a writer (WAL) and never blocks one.

What it is worth shows only with several writers (bench/RESULTS.md, "What each storage trick is
worth"): under gunicorn (2 processes x 2 threads, 8 clients) the IVR without it served 14 %,
16 % and 25 % fewer requests in three runs of alternate rounds, fewer in each of the last run's
four rounds, with a p99 of 121 ms against 90 ms (on a machine busy with other work, where runs
of the same code differ by more); when it came, the read+write baseline's p99 fell from 70-80 ms
to 22-28 ms (second session). Alone in one thread it costs 1-2 % of a request's CPU
(a `flock` per writer) and buys nothing.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from ivr.store import budget

_KEY = "ivr_writer_lock_fd"
_THREADS = "ivr_writer_thread_lock"
_HELD = "ivr_writer_lock_held"
POLL_AT_MOST_S = 0.0005  # one thread per process polls: often enough that the lock is never left idle long
_thread_locks: dict[str, threading.Lock] = {}  # one per database file, shared by the engines on it
WRITE_LOCK = "ivr_write_lock"  # the execution option that asks for it


class WriterLockTimeout(TimeoutError):
    """Another process held the database for longer than this request may wait."""


def install(engine: Engine, database_path: str) -> None:
    lock_path = database_path + "-writer.lock"

    thread_lock = _thread_locks.setdefault(lock_path, threading.Lock())

    @event.listens_for(engine, "connect")
    def _open(_dbapi_connection, record) -> None:
        record.info[_KEY] = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        record.info[_THREADS] = thread_lock

    @event.listens_for(engine, "close")
    def _close(_dbapi_connection, record) -> None:
        _release(record.info)
        fd = record.info.pop(_KEY, None)
        if fd is not None:
            os.close(fd)

    event.listen(engine, "checkin", _release_record)
    event.listen(engine, "reset", _release_on_reset)
    event.listen(engine, "invalidate", _release_on_invalidate)
    event.listen(engine, "commit", _finish("commit"))
    event.listen(engine, "rollback", _finish("rollback"))


def begin_writing(session: Session) -> None:
    """Start the session's transaction as a writer (SQLite only; PostgreSQL locks rows instead).

    Must come before the session's first query: a transaction already begun keeps its kind.
    """
    bind = session.get_bind()
    if bind.dialect.name == "sqlite" and not session.in_transaction():
        session.connection(execution_options={WRITE_LOCK: True})


def wants_lock(connection) -> bool:
    return bool(connection.get_execution_options().get(WRITE_LOCK))


def acquire(connection) -> None:
    """Called as a transaction begins: wait for our turn, within the budget."""
    info = connection.info
    fd = info.get(_KEY)
    if fd is None:
        return
    seconds = budget.busy_ms() / 1000
    give_up = time.monotonic() + seconds
    if not info[_THREADS].acquire(timeout=seconds):
        raise WriterLockTimeout(f"the database was busy for more than {seconds:.1f} s")
    pause = 0.0001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            info[_HELD] = True
            return
        except BlockingIOError:
            if time.monotonic() >= give_up:
                info[_THREADS].release()
                raise WriterLockTimeout(f"the database was busy for more than {seconds:.1f} s") from None
            time.sleep(pause)
            pause = min(pause * 2, POLL_AT_MOST_S)


def _release(info: dict) -> None:
    if info.pop(_HELD, False):
        fcntl.flock(info[_KEY], fcntl.LOCK_UN)
        info[_THREADS].release()


def _release_record(_dbapi_connection, record) -> None:
    _release(record.info)


def _release_on_reset(dbapi_connection, connection_record, _reset_state) -> None:
    _release_record(dbapi_connection, connection_record)


def _release_on_invalidate(dbapi_connection, connection_record, _exception) -> None:
    _release_record(dbapi_connection, connection_record)  # the connection is gone: so is its transaction


def _finish(how: str):
    def finish(connection) -> None:
        # End the transaction ourselves first, so the next writer never finds SQLite still locked;
        # SQLAlchemy's own commit or rollback that follows then has nothing left to do.
        if connection.invalidated:  # its DBAPI connection is gone, closed with its transaction, and the
            return  # lock released (`_release_on_invalidate`); SQLAlchemy reconnects at the next use
        driver = connection.connection.driver_connection
        getattr(driver, how)()
        _release(connection.info)
        if wants_lock(connection):  # a writer is one transaction; the next begins deferred unless asked
            connection.execution_options(**{WRITE_LOCK: False})

    return finish
