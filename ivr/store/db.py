"""The database: one engine per app, one session per request, SQLite tuned for several processes.

Two SQLite settings stay because they pay (bench/tricks.py: the benchmark's calls in one process,
each variant with its own app, interleaved call by call; 300 calls each, 2026-12-01; figures in
bench/RESULTS.md, "What each storage trick is worth"):
- `synchronous=NORMAL` (with WAL, the log is synced at checkpoints rather than at every commit;
  a power cut may lose the last commits, never corrupt the file): with SQLite's default FULL a
  request costs 21-28 % more CPU and 2 to 3 times the wall-clock time.
- BEGIN sent straight to the driver from the "begin" event (`_sqlite_begin`): through
  SQLAlchemy's `exec_driver_sql`, as its pysqlite recipe does, a request costs 7-12 % more CPU.
Savepoints (one per backend action) are SQLAlchemy's own: sending them as plain SQL through a
patched dialect method saved 2-3 % of a request's CPU on either database, and was removed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from urllib.parse import unquote

from flask import Flask, g, current_app
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from ivr import deadline
from ivr.store import budget, schema
from ivr.store import sqlite as sqlite_writer

POSTGRES_CONNECT_TIMEOUT_S = 2  # a database that does not answer in 2 s is treated as down


def database_file(url: str | URL) -> Path | None:
    """The file a database URL names (SQLite's `sqlite:///instance/ivr.db`); None for a database
    behind a server (PostgreSQL) and for SQLite's `:memory:`. With `uri=true` the database is
    SQLite's URI filename (`sqlite:///file:instance/ivr.db?mode=ro&uri=true`): the file is its path,
    and `mode=memory` (which SQLite honours only then) or `file::memory:` name none."""
    parsed = make_url(url)  # SQLAlchemy's reading of the URL: `sqlite://` and `sqlite:///:memory:` name no file
    if parsed.get_backend_name() != "sqlite":
        return None
    name = parsed.database or ""
    if str(parsed.query.get("uri", "")).lower() in {"true", "1", "yes", "on"}:  # as the driver reads it
        if parsed.query.get("mode") == "memory":
            return None
        name = _uri_path(name)
    return Path(name) if name and name != ":memory:" else None


def _uri_path(name: str) -> str:
    """The path of an SQLite URI filename: `file:data.db`, `file:/abs/data.db`, `file:///abs/data.db`,
    `file://localhost/abs/data.db` (percent-escapes decoded); a name without `file:` is a path as is."""
    if not name.startswith("file:"):
        return name
    path = name[len("file:"):]
    if path.startswith("//"):
        authority, _, rest = path[2:].partition("/")
        path = "/" + rest if authority in {"", "localhost"} else path
    return unquote(path)


def one_writer_at_a_time(url: str) -> bool:
    """Does this database let one process write at a time (SQLite's single writer, ivr.store.sqlite)?
    False for PostgreSQL, which locks rows. `ivr.cli.serving` sizes gunicorn by it."""
    return make_url(url).get_backend_name() == "sqlite"


def scratch_url(folder: Path) -> str:
    """A throw-away database in `folder` (a SQLite file), to compare the models with the migrations."""
    return f"sqlite:///{folder / 'scratch.db'}"


def begin_write(session: Session) -> None:
    """Start the session's transaction as one that reads and then writes, so that two such
    transactions at once take turns instead of one failing at its write: SQLite's writer lock is
    taken at BEGIN (ivr.store.sqlite); PostgreSQL, whose writers lock rows, begins as usual.

    Must come before the session's first query: a transaction already begun keeps its kind.
    """
    sqlite_writer.begin_writing(session)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = database_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": budget.SQLITE_DEFAULT_BUSY_MS / 1000},
                               hide_parameters=True)  # no personal data in logs
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        if path is not None:
            sqlite_writer.install(engine, str(path))
    else:
        engine = create_engine(url, pool_pre_ping=True,
                               connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S},
                               hide_parameters=True)
    budget.guard(engine)
    return engine


def _sqlite_pragmas(connection, _record) -> None:
    # WAL lets readers and a writer share the file; busy_timeout waits instead of failing.
    connection.isolation_level = None  # transactions are begun by _sqlite_begin, not the driver
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={budget.SQLITE_DEFAULT_BUSY_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection) -> None:
    # A writer (sqlite_writer.begin_writing) takes the write lock first with BEGIN IMMEDIATE, so a
    # step reads the call it is about to change under that lock; anything else begins deferred.
    # Both statements go straight to the driver: through SQLAlchemy they cost more than a step's query.
    deadline.check()
    writer = sqlite_writer.wants_lock(connection)
    if writer:
        sqlite_writer.acquire(connection)
    driver = connection.connection.driver_connection
    driver.execute(f"PRAGMA busy_timeout = {budget.busy_ms()}")
    driver.execute("BEGIN IMMEDIATE" if writer else "BEGIN")


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    schema.upgrade(engine)
    # join_transaction_mode: a request's session runs on the request's connection (`connection()`)
    # and owns whatever transaction is open on it, committing or rolling it back as its own.
    app.extensions["ivr.db"] = sessionmaker(engine, expire_on_commit=False, join_transaction_mode="control_fully")
    app.extensions["ivr.db.engine"] = engine
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    """The app's engine, for the few statements that need no ORM session (ivr/store/calls.py)."""
    return current_app.extensions["ivr.db.engine"]


def connection() -> Connection:
    """The request's connection for the Core statements of a step (ivr/store/calls.py), opened on
    first use and closed when the request ends; on PostgreSQL a step's read and its save share it."""
    if "db_connection" not in g:
        g.db_connection = engine().connect()
    return g.db_connection


def session() -> Session:
    """The request's session, opened on first use and closed when the request ends."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["ivr.db"](bind=connection())
    return g.db_session


def discard_session() -> None:
    """After a fault: roll the request's session back and drop it; a dead database may refuse even that."""
    _end(g.pop("db_session", None), g.pop("db_connection", None))


def _end(session: Session | None, connection: Connection | None) -> None:
    if session is not None:
        try:
            session.rollback()
            session.close()
        except Exception:
            session.invalidate()
    _close_connection(connection)


def closer() -> Callable[[], None]:
    """What ends the request's session and connection as they are now (rollback, close); it never
    raises. For backend actions that may outlive their budget: they end what they used themselves."""
    return partial(_end, g.get("db_session"), g.get("db_connection"))


def hand_over() -> None:
    """Leave the request's session and connection to whoever still uses them (late backend actions
    on their own thread, which end them with `closer`); the request opens new ones if it needs any."""
    g.pop("db_session", None)
    g.pop("db_connection", None)


def _close_connection(connection: Connection | None) -> None:
    if connection is None:
        return
    try:
        connection.close()
    except Exception:
        connection.invalidate()


def _close_session(_exc: BaseException | None) -> None:
    db = g.pop("db_session", None)
    if db is not None:
        db.close()
    _close_connection(g.pop("db_connection", None))


@contextmanager
def session_for(app: Flask, *, writes: bool = False) -> Iterator[Session]:
    """A session outside a request (CLI commands, tests' set-up), committed when the block ends well.

    `writes=True` begins it as a writer (`begin_write`): beside a running line on SQLite, a block
    that reads and then writes (seeding: is this client there? then add it) waits its turn for the
    write lock (5 s outside a request's budget) instead of failing at its first INSERT with "database
    is locked" because a server process wrote in between. `writes=False` for a block that only reads
    (a report, an audit trail), which must not hold callers' steps back while it runs.
    """
    db = app.extensions["ivr.db"]()
    if writes:
        begin_write(db)
    try:
        yield db
        db.commit()
    except BaseException:
        db.rollback()
        raise
    finally:
        db.close()
