"""A time budget per webhook request: past it the database gives up rather than keep a caller in silence.

Twilio waits for our answer while the caller hears nothing; a slow database must not turn into
a dead line. While a budget is open (`within(seconds)`), every SQL statement checks it first,
SQLite interrupts a statement that runs past it, and PostgreSQL gets a `statement_timeout` of
what is left (set again when an action opens a shorter budget), so a stuck step fails in about
the budget and the caller is sent to a person.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from sqlalchemy import Engine, event

_deadline: ContextVar[float | None] = ContextVar("ivr_deadline", default=None)

SQLITE_DEFAULT_BUSY_MS = 5000


class DeadlineExceeded(TimeoutError):
    """The request's time budget ran out; the step is abandoned and rolled back."""


@contextmanager
def within(seconds: float, *, fresh: bool = False) -> Iterator[None]:
    """Open a budget; an inner budget can only shorten the outer one, unless it is `fresh`."""
    now = time.monotonic()
    outer = None if fresh else _deadline.get()
    ends = now + seconds if outer is None else min(outer, now + seconds)
    token = _deadline.set(ends)
    try:
        yield
    finally:
        _deadline.reset(token)


def open_budget(seconds: float) -> Token[float | None]:
    """Open a budget of `seconds` for what follows on this context (a whole request: Flask's
    `before_request`); `close_budget(token)` ends it (`teardown_request`). `within` for a block."""
    return _deadline.set(time.monotonic() + seconds)


def close_budget(token: Token[float | None]) -> None:
    _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left in the current budget (None when there is none); actions pass it to their clients."""
    ends = _deadline.get()
    return None if ends is None else ends - time.monotonic()


def check() -> None:
    left = remaining()
    if left is not None and left <= 0:
        raise DeadlineExceeded("the request's time budget is spent")


def guard(engine: Engine) -> None:
    """Make `engine` honour the budget: checked before each statement, enforced inside the database."""
    event.listen(engine, "before_cursor_execute", _before_statement)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_progress_handler)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "before_cursor_execute", _postgres_statement_timeout)
        event.listen(engine, "commit", _postgres_forget)
        event.listen(engine, "rollback", _postgres_forget)
        event.listen(engine, "rollback_savepoint", _postgres_forget_savepoint)


def _before_statement(_conn, _cursor, _statement, _parameters, _context, _executemany) -> None:
    check()


def _sqlite_progress_handler(dbapi_connection, _record) -> None:
    def interrupt_when_late() -> int:
        left = remaining()
        return 1 if left is not None and left <= 0 else 0

    dbapi_connection.set_progress_handler(interrupt_when_late, 2000)


def sqlite_busy_ms() -> int:
    """How long SQLite may wait for another process's write lock: what is left of the budget."""
    left = remaining()
    return SQLITE_DEFAULT_BUSY_MS if left is None else max(1, int(left * 1000))


def _postgres_statement_timeout(conn, cursor, statement, _parameters, _context, _executemany) -> None:
    # The server stops a statement that outlives what is left of the budget; set again only when the
    # budget changes (a step, then an action inside it), so a step costs one more round trip, not one per query.
    ends = _deadline.get()
    if ends is None or conn.info.get("ivr_deadline") == ends or statement.startswith(("ROLLBACK", "RELEASE")):
        return  # a failed savepoint accepts nothing but its rollback
    left = ends - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded("the request's time budget is spent")
    cursor.execute(f"SET LOCAL statement_timeout = {max(1, int(left * 1000))}")
    conn.info["ivr_deadline"] = ends


def _postgres_forget(conn) -> None:
    if not conn.invalidated:  # an invalidated connection has no info left to forget (nor any SET LOCAL)
        conn.info.pop("ivr_deadline", None)  # SET LOCAL ended with the transaction


def _postgres_forget_savepoint(conn, _name, _context) -> None:
    if not conn.invalidated:
        conn.info.pop("ivr_deadline", None)  # a SET LOCAL made inside the savepoint was undone with it
