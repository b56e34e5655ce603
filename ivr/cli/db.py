"""`ivr db`: bring the database schema up to date, see where it stands, write a new migration;
and the database every command that only touches it uses (`database_app`)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
from flask import Flask
from sqlalchemy.exc import OperationalError

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


@db.command()
@click.option("--revision", default="head", show_default=True, help="Migrate to this revision.")
def upgrade(revision: str) -> None:
    """Create or upgrade the schema of IVR_DATABASE_URL (the app also does this when it starts)."""
    known = schema.revisions()
    if revision != "head" and revision not in known:
        raise click.BadParameter(
            f"no migration is numbered '{revision}': give one of {known[0]} to {known[-1]} "
            "(the files in ivr/store/migrations/versions/), or leave it out to go to the newest", param_hint="'--revision'")
    url = database_url()
    engine = make_engine(url)
    try:
        before = schema.current_revision(engine)
        if before is not None and before in known and revision != "head" and before > revision:
            raise click.ClickException(
                f"the database is at revision {before}, after {revision}; `ivr db upgrade` never goes back. "
                "To go back, restore the backup taken before the newer migrations ran.")
        schema.upgrade(engine, revision)
        after = schema.current_revision(engine)
    except config.ConfigError as error:  # schema.UnknownRevision
        raise click.ClickException(str(error)) from None
    except OperationalError as error:
        raise click.ClickException(
            f"cannot reach the database ({type(error.orig).__name__}): check IVR_DATABASE_URL and that the "
            "server is running") from None
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
        versions = schema.recorded(engine)
        try:
            schema.check_known(versions)
        except config.ConfigError as error:  # schema.UnknownRevision: say what to do, not only the numbers
            raise click.ClickException(str(error)) from None
        click.echo(f"database: {versions[0] if versions else 'empty'}; code: {schema.head()}")
    finally:
        engine.dispose()


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
