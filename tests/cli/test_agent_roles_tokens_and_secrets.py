"""Roles given on the command line, API tokens that can be revoked, and a production line that will not start
with a known secret key or without the Twilio token."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.config import ROOT

from tests.support.servers import free_port
from tests.support.desktop_fixtures import post_login, quick_password_hashing  # noqa: F401


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("IVR_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("IVR_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "cli-token")
    monkeypatch.setenv("IVR_SECRET_KEY", "a-long-random-value-for-the-tests")
    monkeypatch.delenv("IVR_DEMO", raising=False)
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input)

    return run


def api(token: str) -> int:
    from ivr.app import create_app

    client = create_app({"TESTING": True}).test_client()
    return client.get("/agent/api/queue", headers={"Authorization": f"Bearer {token}"}).status_code


def test_an_agent_is_added_with_a_role_and_listed_with_it(cli):
    result = cli("agent", "add", "sue", "--role", "supervisor", "--password", "sue-password")
    assert result.exit_code == 0, result.output
    assert "Agent 'sue' added as supervisor" in result.output
    assert "\tsupervisor\t" in cli("agent", "list").output
    from ivr.app import create_app

    client = create_app({"TESTING": True}).test_client()
    post_login(client, "sue", "sue-password")
    assert client.get("/agent/reports").status_code == 200


def test_an_agent_is_an_agent_unless_told_otherwise_and_a_made_up_role_is_refused(cli):
    assert cli("agent", "add", "ana", "--password", "ana-password").exit_code == 0
    assert "\tagent\t" in cli("agent", "list").output
    wrong = cli("agent", "add", "bob", "--role", "boss", "--password", "bob-password")
    assert wrong.exit_code == 2
    assert "'boss' is not one of 'agent', 'supervisor', 'admin'" in wrong.output


def test_a_revoked_token_gets_401_at_once(cli):
    cli("agent", "add", "marie", "--password", "s3cret-pass")
    token = cli("agent", "token", "marie").stdout.strip().splitlines()[0]
    assert api(token) == 200
    result = cli("agent", "token", "revoke", "marie")
    assert result.exit_code == 0, result.output
    assert "1 token of 'marie' revoked." in result.output
    assert api(token) == 401
    listed = cli("agent", "token", "list", "marie").output
    assert "revoked" in listed and token not in listed


def test_one_token_is_revoked_by_its_number_and_the_others_keep_working(cli):
    cli("agent", "add", "marie", "--password", "s3cret-pass")
    first = cli("agent", "token", "marie").stdout.strip().splitlines()[0]
    second = cli("agent", "token", "issue", "marie").stdout.strip().splitlines()[0]
    listed = cli("agent", "token", "list", "marie").output.splitlines()
    assert len(listed) == 2 and all("valid" in line for line in listed)
    number = listed[0].split("\t")[0].lstrip("#")
    assert cli("agent", "token", "revoke", "marie", "--id", number).exit_code == 0
    assert api(first) == 401 and api(second) == 200
    again = cli("agent", "token", "revoke", "marie", "--id", number)
    assert again.exit_code == 1
    assert f"has no valid token number {number}; see them with `ivr agent token list marie`" in again.output


@pytest.fixture
def production(tmp_path, monkeypatch):
    """`ivr serve` as a real line starts it: no demo, settings only from the environment."""
    monkeypatch.setenv("IVR_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    monkeypatch.setenv("IVR_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "a-real-looking-twilio-token")
    monkeypatch.setenv("IVR_SECRET_KEY", "a-long-random-value-for-the-tests")
    monkeypatch.delenv("IVR_DEMO", raising=False)
    monkeypatch.delenv("IVR_RECORD_CALLS", raising=False)
    started = []
    monkeypatch.setattr("ivr.cli.line.run_simple", lambda *args, **kwargs: started.append(args))
    monkeypatch.setattr("ivr.cli.line._refuse_a_busy_port", lambda host, port: None)  # 5000 may be anyone's

    def serve():
        return CliRunner().invoke(main, ["serve"]), started

    return serve


@pytest.mark.parametrize("placeholder", ["dev", "changeme", "Secret", "your-secret-key"])
def test_serve_refuses_a_well_known_secret_key(production, monkeypatch, placeholder):
    monkeypatch.setenv("IVR_SECRET_KEY", placeholder)
    result, started = production()
    assert result.exit_code == 1
    assert "IVR_SECRET_KEY" in result.output and "well-known default" in result.output
    assert started == []


def test_serve_refuses_an_empty_secret_key_naming_the_variable(production, monkeypatch):
    monkeypatch.setenv("IVR_SECRET_KEY", "")
    result, started = production()
    assert result.exit_code == 1 and "IVR_SECRET_KEY is not set" in result.output
    assert started == []


def test_serve_refuses_to_start_without_the_twilio_token_naming_the_variable(production, monkeypatch):
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    result, started = production()
    assert result.exit_code == 1 and "TWILIO_AUTH_TOKEN is not set" in result.output
    assert started == []


def test_serve_starts_with_real_secrets(production):
    result, started = production()
    assert result.exit_code == 0, result.output
    assert len(started) == 1


def test_a_role_is_changed_and_an_agent_deactivated_from_the_command_line(cli):
    cli("agent", "add", "ana", "--password", "ana-password")
    token = cli("agent", "token", "ana").stdout.strip().splitlines()[0]
    assert cli("agent", "role", "ana", "supervisor").output.strip() == "'ana' is now supervisor."
    assert "\tsupervisor\t" in cli("agent", "list").output
    from ivr.app import create_app

    client = create_app({"TESTING": True}).test_client()
    post_login(client, "ana", "ana-password")
    assert client.get("/agent/reports").status_code == 200
    result = cli("agent", "deactivate", "ana")
    assert result.exit_code == 0 and "1 open session ended)" in result.output
    assert client.get("/agent/reports").status_code == 302
    assert api(token) == 401
    assert "(inactive)" in cli("agent", "list").output


def test_gunicorn_without_the_twilio_token_says_so_in_a_sentence_and_stops(tmp_path):
    """`gunicorn app:app` as deployed: the master says what to set, once, before it starts any worker,
    and stops with gunicorn's "App failed to load" status (4). Left to two workers failing at once,
    gunicorn printed a traceback of its own (stop 22's CI)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("IVR_", "TWILIO_"))}
    env.update(IVR_DATABASE_URL=f"sqlite:///{tmp_path / 'line.db'}", IVR_INSTANCE_PATH=str(tmp_path / "instance"),
               IVR_SECRET_KEY="a-real-secret-for-this-test-only-0123456789")
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    finished = subprocess.run([gunicorn, "--bind", f"127.0.0.1:{free_port()}", "--workers", "2", "app:app"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    said = finished.stdout + finished.stderr
    assert finished.returncode == 4, said
    assert said.count("The IVR cannot start: TWILIO_AUTH_TOKEN is not set") == 1 and "Traceback" not in said, said
    assert "Booting worker" not in said, said
