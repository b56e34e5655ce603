"""`ivr agent add` and `ivr agent token`: accounts and API tokens made from the command line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ivr.cli import main

from tests.support.desktop_fixtures import post_login, quick_password_hashing  # noqa: F401


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("IVR_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("IVR_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "cli-token")
    monkeypatch.setenv("IVR_SECRET_KEY", "cli-secret")
    monkeypatch.delenv("IVR_DEMO", raising=False)
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input)

    run.env = tmp_path
    return run


def test_an_agent_added_on_the_command_line_can_sign_in(cli):
    result = cli("agent", "add", "Marie", "--name", "Marie Roy", "--language", "en", "--password", "s3cret-pass")
    assert result.exit_code == 0, result.output
    assert "Agent 'marie' added" in result.output
    from ivr.app import create_app

    app = create_app({"TESTING": True})
    client = app.test_client()
    assert post_login(client, "marie", "s3cret-pass").status_code == 302
    assert "Signed in as Marie Roy" in client.get("/agent/").get_data(as_text=True)


def test_the_password_is_asked_twice_when_not_given(cli):
    result = cli("agent", "add", "luc", input="long-password\nlong-password\n")
    assert result.exit_code == 0, result.output
    assert "Agent 'luc' added" in result.output


def test_the_same_name_twice_is_refused_with_what_to_do(cli):
    cli("agent", "add", "marie", "--password", "s3cret-pass")
    again = cli("agent", "add", "marie", "--password", "other-pass")
    assert again.exit_code == 1
    assert "an agent called 'marie' already exists; choose another name" in again.output


def test_a_token_is_printed_once_and_opens_the_api(cli):
    cli("agent", "add", "marie", "--password", "s3cret-pass")
    result = cli("agent", "token", "marie")
    assert result.exit_code == 0
    token = result.stdout.strip().splitlines()[0]
    assert token.startswith("ivr_") and len(token) > 30
    from ivr.app import create_app

    client = create_app({"TESTING": True}).test_client()
    assert client.get("/agent/api/queue", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_token_for_an_unknown_agent_says_how_to_add_one(cli):
    result = cli("agent", "token", "ghost")
    assert result.exit_code == 1
    assert "ivr agent add ghost" in result.output


def test_agents_are_listed_without_passwords(cli):
    cli("agent", "add", "marie", "--password", "s3cret-pass")
    result = cli("agent", "list")
    assert "marie" in result.output and "s3cret" not in result.output


def test_demo_mode_makes_the_demo_agent(cli, monkeypatch):
    monkeypatch.setenv("IVR_DEMO", "1")
    result = cli("seed", "--demo")
    assert result.exit_code == 0, result.output
    from ivr.app import create_app

    client = create_app({"TESTING": True}).test_client()
    assert post_login(client, "demo", "demo").status_code == 302
    assert client.get("/agent/api/queue", headers={"Authorization": "Bearer demo-token"}).status_code == 200


def test_an_empty_list_says_there_are_no_agents_and_how_to_add_one(cli):
    result = cli("agent", "list")
    assert result.exit_code == 0
    assert "There are no agents yet" in result.output and "`ivr agent add USERNAME`" in result.output


def test_the_list_shows_where_calls_ring_and_marks_the_default(cli):
    cli("agent", "add", "marie", "--password", "s3cret-pass")
    cli("agent", "add", "paul", "--password", "s3cret-pass", "--endpoint", "+15145550100")
    lines = cli("agent", "list").output.splitlines()
    assert lines[0].endswith("\tclient:marie (default)") and lines[1].endswith("\t+15145550100")
    assert "-" not in [line.split("\t")[-1] for line in lines]
