"""`gunicorn app:app` from the project folder starts the processes and threads measured best."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ivr.config import ROOT
from ivr.cli.serving import workers_and_threads


def _gunicorn_settings(database_url: str | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "IVR_DATABASE_URL"}
    if database_url:
        env["IVR_DATABASE_URL"] = database_url
    gunicorn = Path(sys.executable).with_name("gunicorn")
    # gunicorn prints its settings, then loads the app to check it: with no database or Twilio
    # token here that fails, which is not what this asks.
    printed = subprocess.run([str(gunicorn), "--print-config", "app:app"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=60).stdout
    return {name.strip(): value.strip() for name, _, value in
            (line.partition("=") for line in printed.splitlines()) if name.strip() in ("workers", "threads",
                                                                                          "worker_class")}


@pytest.mark.parametrize("database_url, per_core", [
    ("postgresql+psycopg://ivr@db.internal/ivr", 2),
    (None, 1),  # the embedded SQLite under instance/
])
def test_gunicorn_started_in_the_project_folder_serves_with_two_threads_and_processes_for_its_database(
        database_url, per_core):
    settings = _gunicorn_settings(database_url)
    assert settings == {"workers": str(per_core * (os.cpu_count() or 1)), "threads": "2", "worker_class": "gthread"}


def test_postgresql_gets_two_processes_per_core_and_sqlite_one_each_with_two_threads():
    assert workers_and_threads("postgresql+psycopg://ivr@db.internal/ivr", cores=2) == (4, 2)
    assert workers_and_threads("sqlite:////srv/ivr/instance/ivr.db", cores=2) == (2, 2)
    assert workers_and_threads("sqlite://", cores=8) == (8, 2)
