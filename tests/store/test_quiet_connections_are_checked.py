"""PostgreSQL: a pooled connection the server dropped while the line was quiet (a restart, a cut
network, an administrator) is replaced before a step uses it (SQLAlchemy's `pool_pre_ping`), so
the caller never hears the apology for it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.support.databases import on_postgres

pytestmark = pytest.mark.skipif(not on_postgres(), reason="PostgreSQL's pooled connections")


def drop_the_lines_connections(app) -> int:
    """What a server restart or an administrator does to the app's idle connections: end them."""
    admin = create_engine(app.config["DATABASE_URL"], isolation_level="AUTOCOMMIT")
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
    call.press("1")
    assert "numéro de client" in call.heard() and not call.transferred
