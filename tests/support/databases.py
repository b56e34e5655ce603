"""Fresh databases for tests: a SQLite file, or a PostgreSQL schema of its own that is dropped after."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

POSTGRES = os.environ.get("IVR_TEST_DATABASE_URL", "")


def on_postgres() -> bool:
    return POSTGRES.startswith("postgresql")


@contextmanager
def fresh_database_url(folder: Path, name: str = "ivr") -> Iterator[str]:
    if not on_postgres():
        yield f"sqlite:///{folder / (name + '.db')}"
        return
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(POSTGRES, pool_pre_ping=True)  # a test may stop and restart the server
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
