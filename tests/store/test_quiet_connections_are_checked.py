"""PostgreSQL: a pooled connection that sat idle is pinged before a step uses it, and replaced if
the server dropped it meanwhile (a restart, a cut network, an administrator), so the caller never
hears the apology for it; one used within the last PING_AFTER_IDLE_S is not pinged, so a line under
load pays no extra round trip per step (ivr.store.db)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from ivr.store import db

from tests.support.databases import on_postgres
from tests.support.journeys import FAULT_FR

pytestmark = pytest.mark.skipif(not on_postgres(), reason="pings PostgreSQL's pooled connections")


def drop_the_lines_connections(app) -> int:
    """What a server restart or an administrator does to the app's idle connections: end them."""
    url = app.config["DATABASE_URL"]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            return connection.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar_one()
    finally:
        admin.dispose()


def test_a_connection_dropped_while_the_line_was_quiet_is_replaced_before_the_next_step(app, phone):
    call = phone().press("1")
    assert drop_the_lines_connections(app) >= 1
    time.sleep(db.PING_AFTER_IDLE_S + 0.2)
    call.press("1")
    assert "numéro de client" in call.heard() and not call.transferred


def test_a_connection_dropped_within_half_a_second_of_its_last_step_fails_one_step_to_a_person(app, phone):
    """The price of not pinging a busy line's connections: the one step that meets the dropped
    connection goes to a person (the apology, the queue); the pool then replaces its connections."""
    call = phone().press("1")
    assert drop_the_lines_connections(app) >= 1
    call.press("1")  # at once: the connection is not pinged
    assert FAULT_FR in call.heard() and call.transferred
    again = phone().press("1").press("1")
    assert "numéro de client" in again.heard() and not again.transferred
