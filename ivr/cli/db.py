"""`ivr db`: bring the database schema up to date, see where it stands, write a new migration;
and the database every command that only touches it uses (`database_app`)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from ivr import config
from ivr.config import database_url
from ivr.store import schema
from ivr.store.db import database_file, init_app as init_database, make_engine, scratch_url


def database_app(*, secret: bool = False, demo: bool = False, create: bool = False) -> Flask:
    """The app as far as a database command needs it: the settings and the database the server uses.

    The instance folder and the database follow `config.instance_path()` / `database_url()`, as the
    server does; no Twilio token and no flows are needed, so `ivr agent`, `ivr audit`, `ivr change`,
    `ivr purge` and `ivr seed` work beside `make run` with nothing exported. `secret`: the command
    reads or writes keyed hashes, so it takes the server's key (`config.secret_key`; with `demo`,
    the demo's key is made if missing); without one, a ClickException says how to give it.
    `create`: the command may start a new SQLite database (`ivr seed`). Any other command typed in
    a folder with no database, the operator having named none (`config.database_chosen`), raises a
    ClickException that says where servers keep theirs, instead of making an empty one that later
    commands would silently read; a database the operator named is made, and the command says so.
    """
    instance = config.instance_path()
    app = Flask("ivr", instance_path=instance)
    app.config.update(config.from_environment(instance))
    _no_database_here(app.config["DATABASE_URL"], create=create)
    if secret:
        try:
            app.config["SECRET_KEY"] = config.secret_key(instance, demo=demo or None)
        except config.ConfigError as error:
            raise click.ClickException(str(error)) from None
    try:
        init_database(app)
    except config.ConfigError as error:  # a database at a schema revision this code does not know
        raise click.ClickException(str(error)) from None
    except DBAPIError as error:  # the schema check is the first to connect: down, wrong address, refused
        raise _unreachable(error) from None
    return app


def _no_database_here(url: str, *, create: bool) -> None:
    path = database_file(url)
    if path is None or path.exists():
        return
    where = ("A server keeps its database in instance/ of the folder it was started from (`make run`: the "
             "project folder); run commands from there, or set IVR_INSTANCE_PATH or IVR_DATABASE_URL.")
    if not create and not config.database_chosen():
        raise click.ClickException(f"There is no database at {path}. {where}")
    click.echo(f"There was no database at {path}: this command made a new one. {where}", err=True)


@click.group()
def db() -> None:
    """The database schema (Alembic migrations): upgrade, current, revision."""


def _connected(engine: Engine) -> None:
    """ClickException, with the driver's own first line, when the database cannot be connected to
    (server down, wrong address, a database not created, a refused login): before anything else, so
    a later error is never mistaken for one."""
    try:
        with engine.connect():
            pass
    except DBAPIError as error:
        raise _unreachable(error) from None


def _unreachable(error: DBAPIError) -> click.ClickException:
    return click.ClickException(
        f"cannot connect to the database ({_first_line(error)}): check IVR_DATABASE_URL, that the database "
        "server is running and that the database was created")


def _first_line(error: DBAPIError) -> str:
    """The database's own first line of an error: what went wrong, without the SQL, its parameters or the
    detail lines (which can quote a row's values)."""
    lines = str(error.orig).strip().splitlines()
    return " ".join(lines[0].split()) if lines else type(error.orig).__name__


@db.command()
@click.option("--revision", default="head", show_default=True,
              help="Migrate to this revision: head (the newest) or a migration's number (0003).")
def upgrade(revision: str) -> None:
    """Create or upgrade the schema of IVR_DATABASE_URL (the app also does this when it starts)."""
    known = schema.revisions()
    if revision != "head" and revision not in known:
        raise click.BadParameter(
            f"no migration is numbered '{revision}': give head (the newest, the default) or one of {known[0]} to "
            f"{known[-1]} (the files in ivr/store/migrations/versions/)", param_hint="'--revision'")
    url = database_url()
    engine = make_engine(url)
    try:
        _connected(engine)
        before = schema.current_revision(engine)
        if before is not None and before in known and revision != "head" and before > revision:
            raise click.ClickException(
                f"the database is at revision {before}, after {revision}; `ivr db upgrade` never goes back. "
                "To go back, restore the backup taken before the newer migrations ran.")
        schema.upgrade(engine, revision)
        after = schema.current_revision(engine)
    except config.ConfigError as error:  # schema.UnknownRevision
        raise click.ClickException(str(error)) from None
    except DBAPIError as error:  # connected, then refused by the database itself
        raise click.ClickException(
            f"the database refused the upgrade to {revision}: {_first_line(error)}. `ivr db current` shows the "
            "revision it records: give the IVR a database of its own, and restore the backup taken before if its "
            "tables are not at that revision") from None
    finally:
        engine.dispose()
    if before == after:
        click.echo(f"The database is already at revision {after}.")
    else:
        click.echo(f"The database moved from revision {before or 'empty'} to {after}.")


@db.command()
def current() -> None:
    """Show the revision the database is at and the newest one this code knows."""
    _no_database_here(database_url(), create=False)
    engine = make_engine(database_url())
    try:
        _connected(engine)
        versions = schema.recorded(engine)
        try:
            schema.check_known(versions)
        except config.ConfigError as error:  # schema.UnknownRevision: say what to do, not only the numbers
            raise click.ClickException(str(error)) from None
        click.echo(f"database: {_standing(engine, versions)}; code: {schema.head()}")
    finally:
        engine.dispose()


def _standing(engine: Engine, versions: list[str] | None) -> str:
    """Where the database stands, for `ivr db current`: its revision, empty, or tables with none recorded."""
    if versions:
        return versions[0]
    if not schema.holds_tables(engine):
        return "empty"
    if versions is None:
        return (f"no revision recorded: its tables were made before migrations existed; `ivr db upgrade` "
                f"adopts them as revision {schema.INITIAL_REVISION} and migrates them to {schema.head()}")
    raise click.ClickException(schema.NOTHING_RECORDED)


@db.command()
@click.option("-m", "--message", required=True, help="What the change is, in a few words.")
def revision(message: str) -> None:
    """Write a migration for what ivr/store/models/calls.py changed (compared on a scratch SQLite database).

    Read the file it writes before committing: renames show up as a drop and an add.
    """
    with tempfile.TemporaryDirectory() as folder:
        url = scratch_url(Path(folder))
        engine = make_engine(url)
        schema.upgrade(engine)
        if not schema.differences(engine):
            engine.dispose()
            raise click.ClickException("ivr/store/models/calls.py and the migrations already agree: there is nothing to write.")
        engine.dispose()
        path = schema.revision(url, message)
    click.echo(f"Wrote {path}")
