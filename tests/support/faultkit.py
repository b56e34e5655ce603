"""Tools to break the database on purpose: statements that fail, a lock held by someone else."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError
from twilio.request_validator import RequestValidator

from tests.conftest import TOKEN


class DatabaseDown(Exception):
    """What the driver raises when the server has gone away."""


@dataclass
class BrokenDatabase:
    """While `down`, every SQL statement matching `only` fails as if the server had gone away."""

    engine: Engine
    down: bool = False
    only: str = ""
    times: int | None = None  # fail this many statements, then work again
    failed: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        event.listen(self.engine, "before_cursor_execute", self._maybe_fail)

    def _maybe_fail(self, _conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        if not self.down or (self.only and not re.search(self.only, statement, re.IGNORECASE)):
            return
        with self._lock:
            if self.times is not None and self.failed >= self.times:
                return
            self.failed += 1
        raise OperationalError(statement, {}, DatabaseDown("server closed the connection unexpectedly"))

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._maybe_fail)


@contextmanager
def broken(engine: Engine, only: str = "", times: int | None = None) -> Iterator[BrokenDatabase]:
    fault = BrokenDatabase(engine, down=True, only=only, times=times)
    try:
        yield fault
    finally:
        fault.remove()


@contextmanager
def someone_holds_the_lock(engine: Engine) -> Iterator[None]:
    """Another connection holds the calls table (SQLite: the write lock), as a stuck job would."""
    connection = engine.connect().execution_options(ivr_write_lock=True)
    try:
        if engine.dialect.name == "postgresql":
            connection.execute(text("LOCK TABLE calls IN ACCESS EXCLUSIVE MODE"))
        else:
            connection.execute(text("UPDATE calls SET updated_at = updated_at"))  # BEGIN IMMEDIATE already taken
        yield
    finally:
        connection.rollback()
        connection.close()


class WorkerKilled(BaseException):
    """The worker process died mid-request (gunicorn's timeout, the OOM killer): no handler runs."""


def worker_killed(*args, **kwargs):
    """Put in place of a function a step calls after its first write and before its commit."""
    raise WorkerKilled("the worker died mid-step")


@contextmanager
def sqlite_read_only(engine: Engine) -> Iterator[None]:
    """The SQLite file cannot be written (SQLite's own refusal: PRAGMA query_only, as for a file the
    server may not write); every connection, pooled or new, until the block ends."""

    def read_only(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA query_only = 1")

    engine.dispose()
    event.listen(engine, "connect", read_only)
    try:
        yield
    finally:
        event.remove(engine, "connect", read_only)
        engine.dispose()


def signed_post(client, path: str, form: dict[str, str]):
    url = "http://localhost" + path
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    return client.post(url, data=form, headers={"X-Twilio-Signature": signature})
