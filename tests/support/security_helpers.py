"""Shared by the issue-5 tests: run the `ivr` command against the test app's database."""

from __future__ import annotations

from click.testing import CliRunner

from ivr.cli import main
from tests.conftest import TOKEN


def ivr(app, monkeypatch, *args: str, input: str | None = None):
    """Run `ivr ARGS...` as an operator would (typing `input` at its questions), on the same database and
    secret as `app`."""
    monkeypatch.setenv("IVR_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("IVR_SECRET_KEY", app.config["SECRET_KEY"])
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("IVR_INSTANCE_PATH", app.instance_path)
    monkeypatch.delenv("IVR_DEMO", raising=False)
    return CliRunner().invoke(main, list(args), catch_exceptions=False, input=input)


def change_address(phone, number="100200300", born="19480517", on_file="H2X 3K8", caller="+15145550142",
                   language="1"):
    """A caller moves to 500 rue Sherbrooke Ouest, Montréal H3B 2Y5 and confirms."""
    call = phone(caller=caller).press(language).press("2").press(number).press(born).say(on_file)
    call.say("H3B 2Y5").press("500").say("rue Sherbrooke Ouest").say("Montréal").press("#").press("1")
    return call
