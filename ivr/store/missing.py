"""Rows added only when missing, safely beside another process adding the same ones (`ivr seed --demo`
twice, `ivr serve --demo` beside `ivr call --in-process`).

Reading whether a row exists and then inserting it races on PostgreSQL: both read "missing" and the
second insert fails on the unique key. INSERT ... ON CONFLICT DO NOTHING, which SQLite and PostgreSQL
both have, lets the database decide: the second insert waits for the first transaction and skips the row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ivr.store.models.base import Base

_CHUNK = 500  # rows per statement: far below either database's limit on bound parameters


def insert_missing(session: Session, model: type[Base], rows: Sequence[dict[str, Any]], key: str) -> dict[Any, int]:
    """Insert the rows whose `key` (a unique column) no row holds yet; return {key: id} of those this
    session inserted, so what the caller counts as added is true even when another process added the rest."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = model.__table__
    added: dict[Any, int] = {}
    for start in range(0, len(rows), _CHUNK):
        statement = (insert(table).values(list(rows[start:start + _CHUNK]))
                     .on_conflict_do_nothing(index_elements=[table.c[key]])
                     .returning(table.c[key], table.c.id))
        added.update((number, row_id) for number, row_id in session.execute(statement))
    return added
