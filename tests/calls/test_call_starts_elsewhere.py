"""Content staff try a flow from any step and in either language, without dialling through the menus."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ivr.app import create_app
from ivr.store import db
from ivr.cli import main
from ivr.calls.console import ConsoleStart
from ivr.telephony.phone import FlaskTransport, PhoneCall
from ivr.services.demo import seed_demo

TOKEN = "console-test-token"


@pytest.fixture
def console_env(tmp_path, monkeypatch):
    monkeypatch.setenv("IVR_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("IVR_DEMO", "0")
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    monkeypatch.delenv("IVR_CONSOLE_START", raising=False)
    return tmp_path


def test_console_starts_at_status_lookup_in_english_as_a_verified_demo_client(console_env):
    result = CliRunner().invoke(main, ["call", "--in-process", "--flow", "status", "--step", "lookup",
                                       "--lang", "en", "--client", "100200300", "--press", "0"])
    assert result.exit_code == 0, result.output
    assert "Your retirement pension application is approved" in result.output
    assert "$1,234.56" in result.output
    assert "[fr-CA]" not in result.output, "a call started in English says nothing in French"
    assert "-> transferred to agents-en" in result.output


def test_console_starts_at_the_first_step_of_a_flow_in_french(console_env):
    result = CliRunner().invoke(main, ["call", "--in-process", "--flow", "address", "--lang", "fr",
                                       "--press", "0"])
    assert result.exit_code == 0, result.output
    assert "Entrez votre numéro de client de 9 chiffres" in result.output
    assert "[en-US]" not in result.output


def test_console_misspelt_flow_is_a_usage_error_with_a_suggestion(console_env):
    result = CliRunner().invoke(main, ["call", "--in-process", "--flow", "statu", "--step", "lookup"])
    assert result.exit_code == 2
    assert "did you mean 'status'?" in result.output


def test_console_misspelt_step_is_a_usage_error_with_a_suggestion(console_env):
    result = CliRunner().invoke(main, ["call", "--in-process", "--flow", "status", "--step", "lokup"])
    assert result.exit_code == 2
    assert "did you mean 'lookup'?" in result.output


def test_console_step_without_flow_is_a_usage_error(console_env):
    result = CliRunner().invoke(main, ["call", "--in-process", "--step", "lookup"])
    assert result.exit_code == 2
    assert "--flow status --step lookup" in result.output


def test_test_server_starts_a_signed_call_at_a_step_in_a_language(app):
    call = PhoneCall(FlaskTransport(app.test_client()), app.config["TWILIO_AUTH_TOKEN"]).dial(ConsoleStart(at="address/confirm", language="en"))
    assert call.heard() == "If this is correct, press 1. To start again, press 2. For an agent, press 0."


def test_real_line_ignores_a_request_to_start_elsewhere(tmp_path, monkeypatch):
    monkeypatch.delenv("IVR_CONSOLE_START", raising=False)
    monkeypatch.setenv("IVR_DEMO", "0")
    line = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'line.db'}", "TWILIO_AUTH_TOKEN": TOKEN,
                       "SECRET_KEY": "s", "PUBLIC_URL": "", "DEMO": False})
    with db.session_for(line) as session:
        seed_demo(session)
    call = PhoneCall(FlaskTransport(line.test_client()), TOKEN)
    call.dial(ConsoleStart(at="status/lookup", language="en", client_number="100200300"))
    assert "Bonjour" in call.heard() and "For service in English, press 2" in call.heard()
    assert "approved" not in call.heard()


def test_unsigned_request_to_start_elsewhere_is_refused(client):
    form = {"CallSid": "CA1", "From": "+15145550142", **ConsoleStart(at="status/lookup").form()}
    response = client.post("/voice/incoming", data=form, headers={"X-Twilio-Signature": "forged"})
    assert response.status_code == 403
