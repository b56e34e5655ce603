"""PostgreSQL stops a statement that outlives its request's budget (ivr.store.budget): the limit is
what is left when the budget's first statement runs, tightened for an action's shorter budget, and
not widened again within the transaction when the action's budget ends (the step's last statements
take milliseconds; widening would cost a round trip per step)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from ivr import deadline
from ivr.store import db

from tests.support.databases import on_postgres

pytestmark = pytest.mark.skipif(not on_postgres(), reason="PostgreSQL's statement_timeout")


def limit_ms(connection) -> int:
    shown = connection.execute(text("SHOW statement_timeout")).scalar_one()
    if shown.endswith("ms"):
        return int(shown[:-2])
    return int(shown[:-1]) * 1000 if shown.endswith("s") else int(shown)


@pytest.fixture
def engine(database_url):
    engine = db.make_engine(database_url)
    yield engine
    engine.dispose()


def test_a_step_is_limited_to_its_budget_and_its_action_to_the_actions(engine):
    with engine.connect() as connection, deadline.within(2.0):
        assert 1900 <= limit_ms(connection) <= 2000
        with deadline.within(0.5):
            assert 400 <= limit_ms(connection) <= 500
        assert 400 <= limit_ms(connection) <= 500, "widened again after the action"
        connection.commit()
        assert 1800 <= limit_ms(connection) <= 2000, "a new transaction starts from what the step has left"


def test_a_limit_set_inside_a_savepoint_rolled_back_is_set_again(engine):
    with engine.connect() as connection, deadline.within(2.0):
        connection.execute(text("SELECT 1"))
        savepoint = connection.begin_nested()
        with deadline.within(0.5):
            assert 400 <= limit_ms(connection) <= 500
        savepoint.rollback()  # the server's limit is the step's again (about 2 s), not 0.5 s
        with deadline.within(0.8):  # an action that fails and another that follows it
            assert 700 <= limit_ms(connection) <= 800


def test_actions_sharing_one_budget_set_its_limit_once(engine):
    """A step's actions share one budget (`deadline.until` its end): the second finds the limit set for
    it and sends none, where a budget of its own would be set to what is left, 100 ms less."""
    with engine.connect() as connection, deadline.within(2.0):
        connection.execute(text("SELECT 1"))
        ends = time.monotonic() + 0.5
        with deadline.until(ends):
            first = limit_ms(connection)
            assert 400 <= first <= 500
        time.sleep(0.1)
        with deadline.until(ends):
            assert limit_ms(connection) == first
        with deadline.until(ends - 0.05):  # a budget that ends sooner is one of its own
            assert limit_ms(connection) < first - 100


def test_work_outside_a_budget_has_no_limit(engine):
    with engine.connect() as connection:
        assert limit_ms(connection) == 0
