"""The README's operator commands, typed in a second terminal while `make run` serves the demo.

`make run` leaves no setting in the environment: no TWILIO_AUTH_TOKEN, no IVR_SECRET_KEY, no
IVR_DEMO. Commands that only touch the database need none of them; they find the database, and
the demo's generated secret key, in the instance folder of the folder they run from, as the
server does, so the keyed hashes they write (audit trail, verification throttle) match its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ivr import create_app, db
from ivr.cli import main
from ivr.models import ChangeRequest
from ivr.phone import FlaskTransport, HttpTransport, PhoneCall
from ivr.services.demo import seed_demo

from .desktop_fixtures import quick_password_hashing  # noqa: F401
from .security_helpers import change_address
from .servers import beside_make_run, start_demo

# -- a real demo server and real commands -----------------------------------------------------------------

@pytest.fixture
def demo_server(tmp_path):
    """`ivr serve --demo` started from tmp_path, as `make run` starts it from the project folder."""
    server = start_demo(tmp_path)
    yield server
    server.stop()


def typed(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """`ivr ARGS...` typed in another terminal, in the same folder, with nothing exported."""
    command = [str(Path(sys.executable).with_name("ivr")), *args]
    return subprocess.run(command, cwd=folder, env=beside_make_run(), capture_output=True, text=True, timeout=60)


def dial_server(server, folder: Path) -> PhoneCall:
    token = (folder / "instance" / "demo-twilio-token").read_text().strip()
    return PhoneCall(HttpTransport(server.url), token).dial()


def test_the_issues_commands_work_beside_a_demo_server_with_nothing_exported(demo_server, tmp_path):
    dial_server(demo_server, tmp_path).press("2").press("1").press("100200300").press("19480517")
    for args in (("agent", "add", "marie", "--password", "long-password"), ("agent", "token", "marie"),
                 ("change", "apply-due"), ("audit", "100200300")):
        done = typed(tmp_path, *args)
        assert done.returncode == 0, f"ivr {' '.join(args)}:\n{done.stdout}{done.stderr}"
    assert "verification_succeeded" in done.stdout  # the call the server took: the same database


# -- the same, in-process ---------------------------------------------------------------------------------

@pytest.fixture
def beside_demo(tmp_path, monkeypatch):
    """A project folder where the demo server ran: its database and its generated secrets in instance/.

    The test's environment is then the one `make run` leaves: nothing IVR_* or TWILIO_* set.
    """
    for name in list(os.environ):
        if name.startswith(("IVR_", "TWILIO_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IVR_DEMO", "1")
    app = create_app()  # as `ivr serve --demo` builds it, with its demo data
    with db.session_for(app) as session:
        seed_demo(session)
    monkeypatch.delenv("IVR_DEMO")
    yield app
    app.extensions["ivr.db.engine"].dispose()


def ivr(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def dial(app, caller: str = "+15145550142") -> PhoneCall:
    return PhoneCall(FlaskTransport(app.test_client()), app.config["TWILIO_AUTH_TOKEN"], caller=caller).dial()


def test_every_database_command_needs_no_telephony_secret(beside_demo):
    for args in (("agent", "add", "marie", "--name", "Marie Roy", "--endpoint", "+15145550100",
                  "--password", "long-password"),
                 ("agent", "list"), ("agent", "token", "marie"), ("agent", "token", "list", "marie"),
                 ("agent", "token", "revoke", "marie"), ("agent", "role", "marie", "supervisor"),
                 ("agent", "deactivate", "marie"), ("audit", "100200300"), ("change", "apply-due"),
                 ("purge",), ("purge", "--older-than", "730"), ("db", "current"), ("seed", "--demo")):
        result = ivr(*args)
        assert result.exit_code == 0, f"ivr {' '.join(args)}:\n{result.output}"


def test_a_change_reversed_beside_the_demo_is_audited_with_the_servers_fingerprints(beside_demo):
    app = beside_demo
    change_address(lambda caller: dial(app, caller))
    with app.app_context():
        confirmation = db.session().scalar(select(ChangeRequest.confirmation))

    result = ivr("change", "reverse", confirmation, "--by", "agent42")

    assert result.exit_code == 0, result.output
    with app.app_context():
        from ivr.models_security import AuditEvent

        rows = db.session().scalars(select(AuditEvent).where(AuditEvent.action.like("address_change_%"))).all()
    requested, reversed_ = (row.new_value["fingerprint"] for row in rows)
    assert requested == reversed_  # hashed with the same key by the server and by the command


def test_outside_a_demo_a_command_that_needs_the_key_says_how_to_give_it(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith(("IVR_", "TWILIO_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)

    audit = ivr("audit", "100200300")
    agents = ivr("agent", "list")

    assert audit.exit_code == 1
    assert "IVR_SECRET_KEY is not set" in audit.output and "set IVR_SECRET_KEY to the key the server uses" in audit.output
    assert agents.exit_code == 0, agents.output  # accounts are not keyed: no key needed


def test_a_command_typed_in_another_folder_says_it_found_no_database(beside_demo, tmp_path, monkeypatch):
    elsewhere = tmp_path / "flows-copy"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    result = ivr("agent", "list")

    assert result.exit_code == 0
    assert f"There was no database at {elsewhere / 'instance' / 'ivr.db'}" in result.stderr
    assert "instance/ of the folder it was started from" in result.stderr
