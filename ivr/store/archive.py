"""Keeping each version of the flows in the database, for safe publishing (see ivr.content.flowstore)."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ivr.store import sqlite as sqlite_writer
from ivr.store.models.publishing import FlowVersion

log = logging.getLogger(__name__)


class DatabaseArchive:
    """Versions in the `flow_versions` table: shared by every process that uses the database."""

    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    def save(self, version: str, files: dict[str, str]) -> None:
        """Keep `version` once; processes starting together (gunicorn's workers) take turns at the
        write lock on SQLite rather than one failing with "database is locked" between its read and its write."""
        with self.sessions() as session:
            sqlite_writer.begin_writing(session)
            if session.get(FlowVersion, version) is not None:
                return
            session.add(FlowVersion(version=version, files=files))
            try:
                session.commit()
            except IntegrityError:  # another process kept the same version at the same moment
                session.rollback()

    def load(self, version: str) -> dict[str, str] | None:
        with self.sessions() as session:
            row = session.get(FlowVersion, version)
            return dict(row.files) if row is not None else None
