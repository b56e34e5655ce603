"""A report counts its callbacks, repeat contacts and scores on a second connection while its own
connection prepares the calls' facts (ivr.store.reports.beside): the same figures as on one connection,
where a second connection would see another database (SQLite in memory) it counts everything on one,
and a request's time budget holds in the second connection's thread too."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from ivr import deadline
from ivr.engine.costs import DEFAULTS
from ivr.services.reports import By, build_report
from ivr.store import db
from ivr.store import reports as counted
from ivr.store.db import make_engine

from tests.support.reports import app, make_history  # noqa: F401 - the line with agents' hours in force

ZONE = ZoneInfo("America/Toronto")


def _report(app):
    with app.app_context(), db.engine().connect() as connection:
        return build_report(connection, date(2026, 11, 10), date(2026, 11, 19), By.DAY, ZONE, DEFAULTS).as_dict()


@pytest.fixture
def history(app, phone):
    make_history(phone)


def _checkouts(app):
    """How many connections the app's engine hands out while a report is counted."""
    seen = []
    with app.app_context():
        engine = db.engine()
    event.listen(engine.pool, "checkout", lambda *args: seen.append(1))
    return seen


def test_a_report_on_two_connections_counts_what_one_connection_counts(app, history, monkeypatch):
    seen = _checkouts(app)
    beside = _report(app)
    assert len(seen) == 2  # the report's own, and the one beside it
    assert max(figures["repeats"]["contacts"] for figures in beside["figures"]) > 0

    @contextmanager
    def nobody_beside(connection):
        yield None

    monkeypatch.setattr(counted, "beside", nobody_beside)
    seen.clear()
    assert _report(app) == beside
    assert len(seen) == 1


def test_sqlite_in_memory_has_no_second_connection_to_count_on():
    engine = make_engine("sqlite://")
    with engine.connect() as connection, counted.beside(connection) as other:
        assert other is None


def test_the_connection_beside_counts_within_the_requests_time_budget(app, history, monkeypatch):
    left_beside = []
    contacts = counted.contacts

    def timed_contacts(connection, periods):
        left_beside.append(deadline.remaining())
        return contacts(connection, periods)

    monkeypatch.setattr(counted, "contacts", timed_contacts)
    with app.app_context(), db.engine().connect() as connection, deadline.within(60):
        build_report(connection, date(2026, 11, 10), date(2026, 11, 19), By.DAY, ZONE, DEFAULTS)
    assert len(left_beside) == 1 and left_beside[0] is not None and 0 < left_beside[0] <= 60


def test_a_pool_that_hands_one_connection_per_thread_has_none_beside(tmp_path):
    """SQLAlchemy's pool for `sqlite:///file.db?mode=memory` (no uri=true: a file all the same) gives a thread
    the connection it already holds: counting on it from another thread would share one connection."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import SingletonThreadPool

    engine = create_engine(f"sqlite:///{tmp_path / 'ivr.db'}", poolclass=SingletonThreadPool)
    try:
        with engine.connect() as connection, counted.beside(connection) as other:
            assert other is None
    finally:
        engine.dispose()
