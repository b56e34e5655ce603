"""The request's time budget (`ivr.deadline`) enforced inside the database, per dialect.

Every statement checks the budget first (`DeadlineExceeded` once it is spent). SQLite then
interrupts a statement that runs past it (a progress handler, every 2 000 virtual-machine
instructions) and waits for another process's write lock no longer than what is left
(`busy_ms`). PostgreSQL gets a `SET LOCAL statement_timeout` of what is left, sent only when a
budget begins with no limit in force in the transaction or a looser one (a step, then an action
inside it opening a shorter one; a step's actions open one budget between them, `deadline.until`,
so the second finds its limit set): one more round trip per budget, not one per statement, and none
to widen the limit again when an action's budget ends (the step's last statements keep the
action's, at most 1.5 s, for statements of milliseconds; one fewer round trip per step with
actions). The server forgets it when the transaction ends, or the savepoint that set it is
rolled back, and so does the connection's `info` here. Set before every statement instead,
a request costs 3-4 % more CPU and 4 % more wall-clock time with PostgreSQL on a unix socket on
the same machine (bench/tricks.py, bench/RESULTS.md); across a network each of those extra round
trips costs more, which is why it stays.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine, event

from ivr import deadline

SQLITE_DEFAULT_BUSY_MS = 5000  # outside a budget (CLI commands), SQLite waits this long for a writer
_SET_FOR = "ivr_deadline"  # connection.info: the budget (its end) the statement_timeout was checked for
_LIMIT_MS = "ivr_statement_timeout_ms"  # connection.info: the statement_timeout set in this transaction


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


def busy_ms() -> int:
    """How long SQLite may wait for another process's write lock, in ms: what is left of the budget
    (at least 1), or SQLITE_DEFAULT_BUSY_MS outside one."""
    left = deadline.remaining()
    return SQLITE_DEFAULT_BUSY_MS if left is None else max(1, int(left * 1000))


def _before_statement(_conn, _cursor, _statement, _parameters, _context, _executemany) -> None:
    deadline.check()


def _sqlite_progress_handler(dbapi_connection, _record) -> None:
    def interrupt_when_late() -> int:
        left = deadline.remaining()
        return 1 if left is not None and left <= 0 else 0

    dbapi_connection.set_progress_handler(interrupt_when_late, 2000)


def _postgres_statement_timeout(conn, cursor, statement, _parameters, _context, _executemany) -> None:
    # The server stops a statement that outlives what is left of the budget. Set when a budget's
    # first statement finds no limit in force, or a looser one than what is left (an action's
    # budget inside its step's); never loosened within a transaction: once an action's budget
    # ends, the step's last statements keep its stricter limit (at most ACTION_BUDGET_S, 1.5 s;
    # they take milliseconds) rather than pay one more round trip to widen it.
    ends = deadline.ends_at()
    if ends is None or conn.info.get(_SET_FOR) == ends or statement.startswith(("ROLLBACK", "RELEASE")):
        return  # a failed savepoint accepts nothing but its rollback
    left = ends - time.monotonic()
    if left <= 0:
        raise deadline.DeadlineExceeded("the request's time budget is spent")
    wanted = max(1, int(left * 1000))
    if conn.info.get(_LIMIT_MS, wanted + 1) > wanted:
        cursor.execute(f"SET LOCAL statement_timeout = {wanted}")
        conn.info[_LIMIT_MS] = wanted
    conn.info[_SET_FOR] = ends


def _postgres_forget(conn) -> None:
    if not conn.invalidated:  # an invalidated connection has no info left to forget (nor any SET LOCAL)
        conn.info.pop(_SET_FOR, None)  # SET LOCAL ended with the transaction
        conn.info.pop(_LIMIT_MS, None)


def _postgres_forget_savepoint(conn, _name, _context) -> None:
    if not conn.invalidated:
        conn.info.pop(_SET_FOR, None)  # a SET LOCAL made inside the savepoint was undone with it:
        conn.info.pop(_LIMIT_MS, None)  # which limit is in force is not known, so the next budget sets its own
