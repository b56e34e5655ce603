"""The desktop's search reads each key through an index: SQLite's query plan never scans `calls`, `clients`
or `change_requests` (the calls table holds every call of two years)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from ivr.store import db
from ivr.store import search


def plan(connection, statement) -> str:
    compiled = statement.compile(dialect=connection.dialect)
    params = compiled.construct_params({"key": "x"})
    rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", tuple(params[name] for name in compiled.positiontup))
    return "\n".join(row[-1] for row in rows)


@pytest.mark.parametrize("statement", ["_BY_CALL_SID", "_BY_CALLER", "_BY_CLIENT_ID", "_CLIENT_BY_NUMBER", "_CHANGE"])
def test_each_look_up_uses_an_index_and_scans_no_table(app, statement):
    engine = app.extensions["ivr.db.engine"]
    if engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    with engine.connect() as connection:
        steps = plan(connection, getattr(search, statement))
    assert "USING" in steps, steps
    assert not any(line.startswith("SCAN") for line in steps.splitlines()), steps


def test_the_migrations_give_calls_an_index_on_the_caller_number(app):
    with app.app_context():
        indexes = {index["name"]: index["column_names"] for index in inspect(db.engine()).get_indexes("calls")}
    assert indexes["ix_calls_caller_started"] == ["caller", "started_at"]
