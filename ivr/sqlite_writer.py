"""One SQLite writer at a time across processes, handed over the moment the last one finishes.

SQLite lets one transaction write at a time; the others wait in its busy handler, which sleeps
1, 2, 5, 10 ... up to 100 ms between tries. Under load a waiting step keeps missing the free lock
and a caller hears silence for hundreds of milliseconds. An advisory lock on a file beside the
database (`flock`) queues writers in the kernel instead, so the next one starts at once; SQLite's
own lock stays underneath for processes that do not use this one (the `sqlite3` shell, say).
Waiting is bounded by what is left of the request's budget (`ivr.deadline`).

Only transactions that read something and then change it ask for this (`begin_writing`, as
loading a call for a step does): they start with BEGIN IMMEDIATE under the lock, so two
deliveries of one step are served one after the other. Other transactions start deferred, so a
read never waits for a writer (WAL) and never blocks one.
"""

from __future__ import annotations

import fcntl
import os
import time

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from . import deadline

_KEY = "ivr_writer_lock_fd"
WRITE_LOCK = "ivr_write_lock"  # the execution option that asks for it


class WriterLockTimeout(TimeoutError):
    """Another process held the database for longer than this request may wait."""


def install(engine: Engine, database_path: str) -> None:
    lock_path = database_path + "-writer.lock"

    @event.listens_for(engine, "connect")
    def _open(_dbapi_connection, record) -> None:
        record.info[_KEY] = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)

    @event.listens_for(engine, "close")
    def _close(_dbapi_connection, record) -> None:
        fd = record.info.pop(_KEY, None)
        if fd is not None:
            os.close(fd)  # closing also lets go of the lock

    event.listen(engine, "checkin", _release_record)
    event.listen(engine, "reset", _release_on_reset)
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
    fd = connection.info.get(_KEY)
    if fd is None:
        return
    seconds = deadline.sqlite_busy_ms() / 1000
    give_up = time.monotonic() + seconds
    pause = 0.0001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= give_up:
                raise WriterLockTimeout(f"the database was busy for more than {seconds:.1f} s") from None
            time.sleep(pause)
            pause = min(pause * 2, 0.002)


def _release(fd: int | None) -> None:
    if fd is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _release_record(_dbapi_connection, record) -> None:
    _release(record.info.get(_KEY))


def _release_on_reset(dbapi_connection, connection_record, _reset_state) -> None:
    _release_record(dbapi_connection, connection_record)


def _finish(how: str):
    def finish(connection) -> None:
        # End the transaction ourselves first, so the next writer never finds SQLite still locked;
        # SQLAlchemy's own commit or rollback that follows then has nothing left to do.
        driver = connection.connection.driver_connection
        getattr(driver, how)()
        _release(connection.info.get(_KEY))

    return finish
