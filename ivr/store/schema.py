"""The database schema, managed by Alembic: created and upgraded at start, by one process at a time.

`create_all` cannot change a table that already exists, so every schema change is a migration in
`ivr/store/migrations/versions/`; a test compares the migrated schema with `ivr/store/models/calls.py` so a model
changed without its migration fails the suite.

Alembic is imported only to migrate (a database behind the code, `ivr db`): a database already at the
newest revision is recognised with one SELECT of alembic_version against the newest migration's number
(`head`), which every process and command does at start. Importing Alembic alone took 0.15 s of
`ivr report`'s start-up, before reading its scripts under the writer lock (bench/RESULTS.md, stop 22).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from ivr.config import ConfigError
from ivr.store.models.calls import Base

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
INITIAL_REVISION = "0001"
_PG_LOCK_KEY = 0x1F0_0D1A1  # any constant: the advisory lock every starting process takes in turn


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision this code knows ("0014"): the number of the highest-numbered migration file,
    as `revision` numbers them (`NNNN_what_changed.py`, revision "NNNN", each after the one before; a test
    checks Alembic finds the same head). Read from the file names, not by loading every script."""
    return max(revisions(), default="")


def revisions() -> list[str]:
    """Every revision this code knows, oldest first ("0001", "0002", …), from the migration files' names."""
    return sorted(path.name[:4] for path in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


class UnknownRevision(ConfigError):
    """The database's schema is at a revision this code cannot start from: one it does not know
    (made by newer code, the case after a rollback), several at once, or none recorded beside its
    tables (NOTHING_RECORDED). The message says what to do."""


def recorded(engine: Engine) -> list[str] | None:
    """The revisions alembic_version holds (one, normally), in one SELECT; None when there is no
    such table (an empty database, or one made before migrations existed)."""
    with engine.connect() as connection:
        try:
            return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
        except (OperationalError, ProgrammingError):  # no such table (SQLite / PostgreSQL)
            return None


def check_known(versions: list[str] | None) -> None:
    """Raise UnknownRevision when `versions` (from `recorded`) is not one revision this code knows."""
    if not versions:
        return
    if len(versions) > 1:
        raise UnknownRevision(
            f"the database records {len(versions)} schema revisions at once ({', '.join(sorted(versions))}) in "
            "its alembic_version table; it can be at one only: keep the row of the newest migration that ran")
    if versions[0] not in revisions():
        raise UnknownRevision(
            f"the database is at schema revision {versions[0]}, which this code does not know (its newest is "
            f"{head()}): newer code migrated it. Run that code again, or restore the backup taken before it")


NOTHING_RECORDED = (
    "the database has the IVR's tables but its alembic_version table records no revision (emptied by hand?), so "
    "no one can tell which migrations already ran: put back the row of the revision its tables are at "
    "(INSERT INTO alembic_version VALUES ('NNNN'), the number of the newest migration that ran), or restore "
    "the backup taken before")


def holds_tables(engine: Engine) -> bool:
    """Whether the database holds the IVR's tables (its calls table), whatever alembic_version records."""
    with engine.connect() as connection:
        return inspect(connection).has_table("calls")


def at_head(engine: Engine) -> bool:
    """Whether the database at `engine` is at `head` (False too when it has no alembic_version table:
    empty, or made before migrations existed), in one SELECT. Raises UnknownRevision (`check_known`)."""
    versions = recorded(engine)
    check_known(versions)
    return versions == [head()]


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """One process migrates while the others wait, so gunicorn workers can all start at once."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_LOCK_KEY})
            connection.commit()
            try:
                yield connection
            finally:
                connection.rollback()
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_KEY})
                connection.commit()
        else:
            # As a writer (ivr.store.sqlite): BEGIN IMMEDIATE, so the other processes wait for us.
            connection.execution_options(ivr_write_lock=True)
            with connection.begin():
                yield connection


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: empty, or made before migrations). Raises
    UnknownRevision when it records several at once."""
    versions = recorded(engine)
    if versions and len(versions) > 1:
        check_known(versions)
    return versions[0] if versions else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision`; a database made before migrations existed is adopted. A
    database already at head is left as it is without loading Alembic (`at_head`). Raises
    UnknownRevision, before any change, for a database at a revision this code does not know, or
    whose tables stand beside an empty alembic_version (NOTHING_RECORDED)."""
    there = at_head(engine)  # raises UnknownRevision before anything changes
    if revision == "head" and there:
        return
    from alembic import command

    with _migration_lock(engine) as connection:
        tables = set(inspect(connection).get_table_names())
        if {"alembic_version", "calls"} <= tables and \
                connection.execute(text("SELECT version_num FROM alembic_version")).first() is None:
            raise UnknownRevision(NOTHING_RECORDED)
        config = alembic_config(connection)
        if "alembic_version" not in tables and "calls" in tables:
            command.stamp(config, INITIAL_REVISION)  # created by create_all: the initial schema
        command.upgrade(config, revision)
        if connection.dialect.name == "postgresql":
            connection.commit()


def differences(engine: Engine) -> list[Any]:
    """What `ivr/store/models/calls.py` declares that the migrated database does not have (empty when in step)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def revision(url: str, message: str) -> str:
    """Write a new migration from the difference between the models and an up-to-date database."""
    from alembic import command

    config = alembic_config(url=url)
    number = len(list((MIGRATIONS / "versions").glob("[0-9]*.py"))) + 1
    script = command.revision(config, message=message, autogenerate=True, rev_id=f"{number:04d}")
    scripts = script if isinstance(script, list) else [script]
    return ", ".join(s.path for s in scripts if s is not None)
