"""`ivr.store.calls.lock_call`: the call a step changes is held until the step commits, on every database.

The step (`ivr.calls`) asks the store for the lock and never names a dialect (LAYOUT rule 4):
PostgreSQL locks the row, SQLite gives the whole database to one writer at a time.
"""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ivr import deadline
from ivr.store import calls as callstore
from ivr.store import db
from ivr.store.sqlite import WriterLockTimeout

STILL_LOCKED = (WriterLockTimeout, OperationalError)  # SQLite's writer lock; PostgreSQL's statement_timeout


def test_a_second_step_on_a_locked_call_waits_until_the_first_one_commits(app, phone):
    call = phone()
    with app.test_request_context():
        first = db.session()
        assert callstore.lock_call(first, call.call_sid).call_sid == call.call_sid
        with db.engine().connect() as elsewhere, Session(bind=elsewhere) as second:
            with deadline.within(0.2, fresh=True), pytest.raises(STILL_LOCKED):
                callstore.lock_call(second, call.call_sid)
            second.rollback()
            first.commit()
            assert callstore.lock_call(second, call.call_sid).call_sid == call.call_sid
            second.commit()


def test_locking_a_call_the_database_does_not_know_finds_none(app):
    with app.test_request_context():
        session = db.session()
        assert callstore.lock_call(session, "CA" + "0" * 32) is None
        session.rollback()
