"""`database_file` names the file SQLite really opens for every shape of IVR_DATABASE_URL a user may
give (README: relative, absolute, a query, memory, an SQLite URI filename with `uri=true`), so the
writer lock (ivr.store.sqlite) sits beside that file and `ivr` commands say where the database is."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.store.db import database_file, make_engine


@pytest.mark.parametrize(("url", "file"), [
    ("sqlite:///instance/ivr.db", "instance/ivr.db"),
    ("sqlite:////srv/ivr/ivr.db", "/srv/ivr/ivr.db"),
    ("sqlite:///instance/ivr.db?timeout=10", "instance/ivr.db"),
    ("sqlite+pysqlite:///instance/ivr.db", "instance/ivr.db"),
    ("sqlite:///file:instance/ivr.db?uri=true", "instance/ivr.db"),
    ("sqlite:///file:instance/ivr.db?mode=ro&uri=true", "instance/ivr.db"),
    ("sqlite:///file:/srv/ivr/my%20ivr.db?uri=true", "/srv/ivr/my ivr.db"),
    ("sqlite:///file:///srv/ivr/ivr.db?uri=true", "/srv/ivr/ivr.db"),
    ("sqlite:///file://localhost/srv/ivr/ivr.db?uri=true", "/srv/ivr/ivr.db"),
])
def test_a_file_url_names_the_file_sqlite_opens(url, file):
    assert database_file(url) == Path(file)


@pytest.mark.parametrize("url", [
    "sqlite://", "sqlite:///:memory:", "sqlite:///", "sqlite:///file::memory:?cache=shared&uri=true",
    "sqlite:///file:shared?mode=memory&cache=shared&uri=true", "postgresql+psycopg://ivr:secret@db.internal/ivr",
])
def test_memory_and_servers_name_no_file(url):
    assert database_file(url) is None


def test_an_sqlite_uri_puts_the_writer_lock_beside_the_database_not_beside_a_file_named_file_colon(tmp_path,
                                                                                                  monkeypatch):
    monkeypatch.chdir(tmp_path)
    engine = make_engine("sqlite:///file:ivr.db?uri=true")
    try:
        with engine.connect():
            pass
    finally:
        engine.dispose()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith("-writer.lock")) == ["ivr.db-writer.lock"]
