"""A command that reads and then writes (`ivr seed`: is this client there? then add it) beside a
running line on SQLite waits its turn for the write lock instead of failing with "database is
locked" because a server process wrote in between (the flaky set-up CI met in a gunicorn test,
while the server's second worker archived the flows). On PostgreSQL, which locks rows, nothing
waits and nothing fails."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ivr.store import db
from ivr.store.models.calls import Client
from ivr.store.models.publishing import FlowVersion


def another_process_archives(app, version: str) -> None:
    """What a gunicorn worker does as it starts: keep the flows' version (ivr.store.archive), through
    its own engine, so its own file descriptor and write lock, as another process's would be."""
    engine = db.make_engine(app.config["DATABASE_URL"])
    try:
        with Session(engine) as session:
            db.begin_write(session)
            session.add(FlowVersion(version=version, files={}))
            session.commit()
    finally:
        engine.dispose()


def adds_a_client(session: Session, number: str) -> None:
    session.add(Client(client_number=number, birth_date=date(1950, 1, 1), name="Test", civic_number="1",
                       street="rue Test", city="Testville", province="QC", postal_code="X0X 0X0"))
    session.flush()


def test_a_writing_command_waits_for_the_server_that_writes_between_its_read_and_its_write(app):
    archiving = threading.Thread(target=another_process_archives, args=(app, "v-beside"))
    with db.session_for(app, writes=True) as session:
        assert session.scalar(select(Client).where(Client.client_number == "900000001")) is None
        archiving.start()
        archiving.join(timeout=0.5)  # it waits for our write lock meanwhile
        adds_a_client(session, "900000001")
    archiving.join(timeout=10)

    assert not archiving.is_alive()
    with db.session_for(app) as session:
        assert session.get(FlowVersion, "v-beside") is not None
        assert session.scalar(select(Client).where(Client.client_number == "900000001")) is not None


def test_a_read_only_session_on_sqlite_cannot_write_after_another_process_did(app):
    """Why writers say so: a session begun as a reader keeps the snapshot of its first read, and
    SQLite refuses its later write at once (no busy wait) once another process has written."""
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("PostgreSQL locks rows: a reader may write after another process did")
    with pytest.raises(OperationalError, match="database is locked"):
        with db.session_for(app) as session:
            assert session.scalar(select(Client).where(Client.client_number == "900000002")) is None
            another_process_archives(app, "v-between")
            adds_a_client(session, "900000002")
