"""Alembic's entry point: run the migrations on the connection `ivr.store.schema` hands over.

Run from `ivr db upgrade` or at app start, never by hand with a separate alembic.ini, so the
database URL comes from the same place as the app's (IVR_DATABASE_URL).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from ivr.store.models.calls import Base

config = context.config


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=Base.metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run()
