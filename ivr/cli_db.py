"""`ivr db`: bring the database schema up to date, see where it stands, write a new migration."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
from sqlalchemy.exc import OperationalError

from . import schema
from .config import database_url


def _engine(url: str):
    from .db import make_engine

    return make_engine(url)


@click.group()
def db() -> None:
    """The database schema (Alembic migrations): upgrade, current, revision."""


@db.command()
@click.option("--revision", default="head", show_default=True, help="Migrate to this revision.")
def upgrade(revision: str) -> None:
    """Create or upgrade the schema of IVR_DATABASE_URL (the app also does this when it starts)."""
    url = database_url()
    engine = _engine(url)
    try:
        before = schema.current_revision(engine)
        schema.upgrade(engine, revision)
        after = schema.current_revision(engine)
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
    engine = _engine(database_url())
    try:
        click.echo(f"database: {schema.current_revision(engine) or 'empty'}; code: {schema.head()}")
    finally:
        engine.dispose()


@db.command()
@click.option("-m", "--message", required=True, help="What the change is, in a few words.")
def revision(message: str) -> None:
    """Write a migration for what ivr/models.py changed (compared on a scratch SQLite database).

    Read the file it writes before committing: renames show up as a drop and an add.
    """
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'scratch.db'}"
        engine = _engine(url)
        schema.upgrade(engine)
        if not schema.differences(engine):
            engine.dispose()
            raise click.ClickException("ivr/models.py and the migrations already agree: there is nothing to write.")
        engine.dispose()
        path = schema.revision(url, message)
    click.echo(f"Wrote {path}")
