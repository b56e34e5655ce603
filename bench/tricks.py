"""The storage tricks of `ivr.store`, each switched off alone, to measure what it is worth.

    .venv/bin/python bench/load.py --no-scale --without prepared --without writer-lock ...
    .venv/bin/python bench/tricks.py --database sqlite      # CPU per step, in-process

`load.py --without NAME` starts one more IVR server, `bench.tricks:app_without('NAME')`, and plays
the same calls against it and the IVR as shipped in alternate rounds of the same run. This module
run as a script plays the same calls in-process (Flask test client), one app per variant, call by
call in turn, and reports the CPU time per request: on a machine shared with other work,
CPU time moves far less than throughput, but it cannot see waiting (for SQLite's writer, a disk
sync, the network). Switching a trick off replaces it by what SQLAlchemy or the database would
do without it; behaviour is the same, only the cost differs. Bench code only: nothing in `ivr/`
knows these switches.
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import bindparam, func, select

from ivr import deadline
from ivr.store import budget
from ivr.store import calls as callstore
from ivr.store import db
from ivr.store import sqlite as sqlite_writer


def _no_writer_lock() -> None:
    sqlite_writer.install = lambda engine, path: None  # writers wait in SQLite's own busy handler (sleeps)


def _synchronous_full() -> None:
    def pragmas(connection, _record) -> None:
        connection.isolation_level = None
        cursor = connection.cursor()
        for pragma in ("journal_mode=WAL", f"busy_timeout={budget.SQLITE_DEFAULT_BUSY_MS}", "synchronous=FULL",
                       "foreign_keys=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    db._sqlite_pragmas = pragmas  # SQLite's default in WAL mode: a sync of the WAL at every commit


def _begin_through_sqlalchemy() -> None:
    def begin(connection) -> None:  # SQLAlchemy's documented pysqlite recipe: BEGIN from the "begin" event
        deadline.check()
        writer = sqlite_writer.wants_lock(connection)
        if writer:
            sqlite_writer.acquire(connection)
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {budget.busy_ms()}")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    db._sqlite_begin = begin


def _timeout_every_statement() -> None:
    original = budget._postgres_statement_timeout

    def every(conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info.pop(budget._SET_FOR, None)
        conn.info.pop(budget._LIMIT_MS, None)
        original(conn, cursor, statement, parameters, context, executemany)

    budget._postgres_statement_timeout = every


def _statements_built_at_each_use() -> None:
    """ivr.store.calls as if each function built its statement where it runs it (SQLAlchemy then
    finds the compiled form in its cache by the statement's key, computed anew at each use)."""
    calls, journey = callstore._CALLS, callstore._JOURNEY

    def read():
        return select(calls).where(calls.c.call_sid == bindparam("wanted"))

    def save():
        return (calls.update().where(calls.c.call_sid == bindparam("wanted"), calls.c.last_seq == bindparam("read_seq"))
                .values(state=bindparam("new_state"), language=bindparam("new_language"), last_seq=bindparam("new_seq"),
                        last_twiml=bindparam("answer"), updated_at=bindparam("now")))

    def write_back():
        return calls.update().where(calls.c.call_sid == bindparam("wanted"))

    builders = {
        "_READ": read,
        "_READ_LOCKED": lambda: read().with_for_update(),
        "_SAVE_IF_UNCHANGED": save,
        "_QUEUED_IF_UNCHANGED": lambda: save().values(
            status=bindparam("new_status"), transfer_reason=bindparam("new_transfer_reason"),
            queue=bindparam("new_queue"), queued_at=bindparam("new_queued_at")),
        "_ADD_JOURNEY": journey.insert,
        "_ADD_CALL": calls.insert,
        "_WRITE_BACK": write_back,
        "_WRITE_BACK_IF_UNCHANGED": lambda: write_back().where(
            calls.c.last_seq == bindparam("read_seq"), calls.c.updated_at == bindparam("read_at"),
            calls.c.status == bindparam("read_status"), calls.c.ended_at.is_not_distinct_from(bindparam("read_ended"))),
        "_NOW_WAITING": lambda: (
            calls.update()
            .where(calls.c.call_sid == bindparam("wanted"), calls.c.status.in_(callstore.NOT_YET_WAITING),
                   calls.c.ended_at.is_(None))
            .values(status="queued",
                    transfer_reason=func.coalesce(calls.c.transfer_reason, callstore.REACHED_THROUGH_FAULT),
                    queue=func.coalesce(calls.c.queue, bindparam("new_queue")),
                    queued_at=func.coalesce(calls.c.queued_at, bindparam("now")), updated_at=bindparam("now"))),
    }
    source = inspect.getsource(callstore)
    for name in builders:  # in the functions' bodies, `_READ` becomes `_built["_READ"]()`
        source = re.sub(rf"(?<=[ (,]){name}\b(?! =)", f'_built["{name}"]()', source)
    namespace: dict[str, object] = {"__name__": callstore.__name__, "_built": builders}
    exec(compile(source, callstore.__file__, "exec"), namespace)
    for key, value in vars(callstore).items():  # the store's own classes and constants, not copies
        if not isinstance(value, types.FunctionType) or value.__module__ != callstore.__name__:
            namespace[key] = value
    for key, value in list(namespace.items()):
        if isinstance(value, types.FunctionType) and key in vars(callstore):
            setattr(callstore, key, value)


TRICKS: dict[str, Callable[[], None]] = {
    "writer-lock": _no_writer_lock,             # ivr.store.sqlite: one writer at a time, queued on a file lock
    "synchronous-normal": _synchronous_full,    # ivr.store.db: PRAGMA synchronous=NORMAL
    "direct-begin": _begin_through_sqlalchemy,  # ivr.store.db: SQLite's BEGIN sent straight to the driver
    "prepared": _statements_built_at_each_use,  # ivr.store.calls: statements built once, at import
    "timeout-once": _timeout_every_statement,   # ivr.store.budget: statement_timeout set once per budget
}


def app_without(name: str):
    """The IVR as `app.py` builds it, with the trick `name` switched off (gunicorn app factory)."""
    TRICKS[name]()
    from ivr.app import create_app

    return create_app()


# -- CPU per request, in-process -------------------------------------------------------------------

BENCH = Path(__file__).resolve().parent
SQLITE_ONLY = {"writer-lock", "synchronous-normal", "direct-begin"}
POSTGRES_ONLY = {"timeout-once"}
_PATCHED = (db, sqlite_writer, budget, callstore)  # the modules a trick's switch may change


def _namespaces() -> list[dict[str, object]]:
    return [dict(vars(module)) for module in _PATCHED]


def _restore(namespaces: list[dict[str, object]]) -> None:
    for module, namespace in zip(_PATCHED, namespaces):
        for key, value in namespace.items():
            if vars(module).get(key) is not value:
                setattr(module, key, value)


def interleaved(url: str, names: list[str], calls: int,
                folder: Path) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Every variant in this one interpreter, each with its own app (engines are tuned when made),
    playing one complete call in turn, in an order that rotates: slow moments of a shared machine
    fall on all of them alike. CPU and wall-clock seconds per request of each call, by variant
    (the wall clock also counts what the process waits for: a disk sync, PostgreSQL's answers)."""
    sys.path.insert(0, str(BENCH))
    import load
    from ivr.app import create_app
    from ivr.telephony.phone import FlaskTransport, PhoneCall

    os.environ.update(load.always_open_hours(folder))
    shipped = _namespaces()
    variants = []
    for name in names:
        if name != "shipped":
            TRICKS[name]()
        app = create_app({"TESTING": True, "DATABASE_URL": url, "TWILIO_AUTH_TOKEN": load.TOKEN})
        variants.append((name, FlaskTransport(app.test_client()), _namespaces()))
        _restore(shipped)

    def play(transport, i: int) -> list[int]:
        call = PhoneCall(transport, load.TOKEN).dial()
        for answer in load.CALLS[i % len(load.CALLS)]:
            if call.screens[-1].gather is None:  # in the agents' queue, or hung up: as load.py stops
                break
            call.say(answer[4:]) if answer.startswith("say:") else call.press(answer)
        return call.statuses

    cpu: dict[str, list[float]] = {name: [] for name in names}
    wall: dict[str, list[float]] = {name: [] for name in names}
    for i in range(calls + 10):
        k = i % len(variants)
        for name, transport, namespaces in variants[k:] + variants[:k]:
            _restore(namespaces)
            started, since = time.process_time(), time.perf_counter()
            statuses = play(transport, i)
            if set(statuses) != {200}:
                raise SystemExit(f"{name}: a request was answered {sorted(set(statuses))}, not 200")
            requests = len(statuses)
            if i >= 10:  # the first calls warm caches, pools and compilations
                cpu[name].append((time.process_time() - started) / requests)
                wall[name].append((time.perf_counter() - since) / requests)
        _restore(shipped)
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description="CPU time per IVR request with each storage trick switched off")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--calls", type=int, default=300, help="calls played by each variant")
    args = parser.parse_args()
    sys.path.insert(0, str(BENCH))
    import load

    skip = POSTGRES_ONLY if args.database == "sqlite" else SQLITE_ONLY
    names = ["shipped", *(name for name in TRICKS if name not in skip)]
    with tempfile.TemporaryDirectory(prefix="ivr-tricks-") as tmp:
        url = load.databases(args.database, Path(tmp))["ivr"]
        load.seed(url)
        cpu, wall = interleaved(url, names, args.calls, Path(tmp))

    def mean(times: list[float]) -> float:
        return sum(times) / len(times) * 1e6

    def median(times: list[float]) -> float:
        return sorted(times)[len(times) // 2] * 1e6

    print(f"{args.database}: per request, {args.calls} calls per variant, interleaved call by call")
    for title, figures in (("CPU", cpu), ("wall clock", wall)):
        shipped_mean, shipped_median = mean(figures["shipped"]), median(figures["shipped"])
        print(f"{title}, as shipped: mean {shipped_mean:.0f} µs, median of calls {shipped_median:.0f} µs")
        for name in names[1:]:
            m, md = mean(figures[name]), median(figures[name])
            print(f"  without {name:<20} mean {m:6.0f} µs ({m / shipped_mean - 1:+.1%}), "
                  f"median {md:6.0f} µs ({md / shipped_median - 1:+.1%})")


if __name__ == "__main__":
    sys.path.insert(0, str(BENCH.parent))
    main()
