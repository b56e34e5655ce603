"""The README's operator commands, typed in a second terminal while `make run` serves the demo.

`make run` leaves no setting in the environment: no TWILIO_AUTH_TOKEN, no IVR_SECRET_KEY, no
IVR_DEMO. Commands that only touch the database need none of them; they find the database, and
the demo's generated secret key, in the instance folder of the folder they run from, as the
server does, so the keyed hashes they write (audit trail, verification throttle) match its own.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
from datetime import date
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ivr.app import create_app
from ivr.store import db
from ivr.cli import main
from ivr.store.models.calls import Application, ChangeRequest, Client, Contact
from ivr.telephony.phone import FlaskTransport, HttpTransport, PhoneCall
from ivr.services.demo import seed_demo

from tests.support.desktop_fixtures import quick_password_hashing  # noqa: F401
from tests.support.security_helpers import change_address
from tests.support.servers import beside_make_run, start_demo

WRONG_BIRTH_DATE = "19000101"
SUSPENDED = "cannot confirm your identity by phone right now"
APPROVED = "application is approved"


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


def test_a_reset_typed_beside_a_demo_server_lifts_the_suspension_it_counted(demo_server, tmp_path):
    """The reset's keyed hashes are the server's: with another key the client would stay suspended."""
    guesses = dial_server(demo_server, tmp_path).press("2").press("1")
    for _ in range(3):
        guesses.press("100200300").press(WRONG_BIRTH_DATE)

    reset = typed(tmp_path, "seed", "--demo", "--reset")

    assert reset.returncode == 0, reset.stdout + reset.stderr
    call = dial_server(demo_server, tmp_path).press("2").press("1").press("100200300").press("19480517")
    assert APPROVED in call.heard_all()


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


def status_call(app, born: str = "19480517") -> PhoneCall:
    return dial(app).press("2").press("1").press("100200300").press(born)


def suspend_jeanne(app) -> None:
    guesses = dial(app).press("2").press("1")
    for _ in range(3):
        guesses.press("100200300").press(WRONG_BIRTH_DATE)
    assert SUSPENDED in status_call(app).heard_all()


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

    result = ivr("change", "reverse", confirmation, "--by", "demo")  # the demo's supervisor

    assert result.exit_code == 0, result.output
    with app.app_context():
        from ivr.store.models.security import AuditEvent

        rows = db.session().scalars(select(AuditEvent).where(AuditEvent.action.like("address_change_%"))).all()
    requested, reversed_ = (row.new_value["fingerprint"] for row in rows)
    assert requested == reversed_  # hashed with the same key by the server and by the command


def test_outside_a_demo_a_command_that_needs_the_key_says_how_to_give_it(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith(("IVR_", "TWILIO_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    assert ivr("db", "upgrade").exit_code == 0  # a database with no demo key beside it

    audit = ivr("audit", "100200300")
    agents = ivr("agent", "list")

    assert audit.exit_code == 1
    assert "IVR_SECRET_KEY is not set" in audit.output and "set IVR_SECRET_KEY to the key the server uses" in audit.output
    assert agents.exit_code == 0, agents.output  # accounts are not keyed: no key needed


@pytest.mark.parametrize("command", [("agent", "list"), ("audit", "100200300"), ("change", "apply-due"),
                                     ("purge",)])
def test_a_command_typed_in_another_folder_says_it_found_no_database_and_makes_none(
        beside_demo, tmp_path, monkeypatch, command):
    elsewhere = tmp_path / "flows-copy"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    for _ in range(2):  # the second time too: no empty database was left behind to be read silently
        result = ivr(*command)
        assert result.exit_code == 1
        assert f"There is no database at {elsewhere / 'instance' / 'ivr.db'}" in result.stderr
        assert "instance/ of the folder it was started from" in result.stderr
    assert not (elsewhere / "instance" / "ivr.db").exists()


def test_seed_in_a_new_folder_makes_the_database_and_says_where(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = ivr("seed", "--demo")
    assert result.exit_code == 0, result.output
    assert f"There was no database at {tmp_path / 'instance' / 'ivr.db'}: this command made a new one" in result.stderr
    assert (tmp_path / "instance" / "ivr.db").exists()


# -- ivr seed ---------------------------------------------------------------------------------------------

def test_seed_alone_says_what_to_type(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = ivr("seed")
    assert result.exit_code == 2
    assert "run `ivr seed --demo`" in result.output and "--reset" in result.output
    assert not (tmp_path / "instance").exists()  # nothing made


def test_reset_puts_a_moved_client_back_as_shipped_and_reverses_what_is_pending(beside_demo):
    app = beside_demo
    change_address(lambda caller: dial(app, caller))
    with db.session_for(app) as session:
        jeanne = session.scalar(select(Client).where(Client.client_number == "100200300"))
        jeanne.street, jeanne.postal_code = "rue Sherbrooke Ouest", "H3B 2Y5"  # as if applied
        jeanne.applications[0].status = "refused"
        session.add(Contact(client_id=jeanne.id, channel="phone", subject="address", outcome="resolved"))

    result = ivr("seed", "--demo", "--reset")

    assert result.exit_code == 0, result.output
    assert "1 pending change reversed, 1 contact removed" in result.output
    with app.app_context():
        session = db.session()
        jeanne = session.scalar(select(Client).where(Client.client_number == "100200300"))
        assert (jeanne.street, jeanne.postal_code) == ("rue Saint-Denis", "H2X 3K8")
        assert [a.status for a in jeanne.applications] == ["approved"]
        assert session.scalar(select(ChangeRequest.status)) == "reversed"
        assert session.scalars(select(Contact)).all() == []
        assert len(session.scalars(select(Application)).all()) == 3  # one each, the fourth client has none


def test_reset_lifts_a_suspension_and_the_trail_says_who_lifted_it(beside_demo):
    suspend_jeanne(beside_demo)

    ivr("seed", "--demo", "--reset")

    assert APPROVED in status_call(beside_demo).heard_all()
    trail = ivr("audit", "100200300").output
    assert "verification_unsuspended" in trail and "system:ivr seed --demo --reset" in trail
    assert trail.count("verification_failed") == 3  # the tries stay in the trail


def test_tries_after_a_reset_count_again(beside_demo):
    suspend_jeanne(beside_demo)
    ivr("seed", "--demo", "--reset")
    suspend_jeanne(beside_demo)


def test_reset_keeps_agents_accounts_and_other_clients(beside_demo):
    ivr("agent", "add", "marie", "--password", "long-password")
    with db.session_for(beside_demo) as session:
        session.add(Client(client_number="999888777", birth_date=date(1950, 1, 1),
                           name="Test Person", civic_number="1", street="rue A", city="Laval", province="QC",
                           postal_code="H7A 1A1"))

    reset = ivr("seed", "--demo", "--reset")

    assert reset.exit_code == 0, reset.output
    assert "Agents' accounts are unchanged" in reset.output
    assert "marie" in ivr("agent", "list").output
    with beside_demo.app_context():
        assert db.session().scalar(select(Client).where(Client.client_number == "999888777")) is not None


def test_version_is_the_installed_packages():
    result = ivr("--version")
    assert result.exit_code == 0 and result.output == f"ivr, version {version('ivr')}\n"


def test_each_unsuspend_command_the_readme_shows_works_beside_the_demo_as_written(beside_demo):
    """A newcomer copies them with only the demo's agents: `--by` must name one who may lift it."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"ivr client unsuspend [^`#\n]+", readme)
    assert len(commands) >= 2
    for command in commands:
        suspend_jeanne(beside_demo)
        result = ivr(*shlex.split(command)[1:], input="y\n")
        assert result.exit_code == 0, f"{command}:\n{result.output}"
        assert APPROVED in status_call(beside_demo).heard_all()


# -- make run ---------------------------------------------------------------------------------------------

def test_a_demo_server_on_a_busy_port_says_so_first_and_how_to_choose_another(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IVR_DEMO", "")  # `serve --demo` sets it for its process: undone after the test
    with socket.socket() as taken:  # another `make run`, or any program on the port
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--demo", "--port", str(port)])
    assert result.exit_code == 1
    assert f"port {port} on 127.0.0.1 is in use by another program" in result.output
    assert f"`make run PORT={port + 1}`" in result.output
    assert f"`ivr call --url http://127.0.0.1:{port + 1}`" in result.output
    assert "listening" not in result.output and "Demo data ready" not in result.output


@pytest.mark.parametrize("port", ["99999", "-1", "0"])
def test_a_port_no_server_can_listen_on_is_refused_before_anything_starts(tmp_path, monkeypatch, port):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IVR_DEMO", "")
    result = CliRunner().invoke(main, ["serve", "--demo", "--port", port])
    assert result.exit_code == 2
    assert "Invalid value for '--port'" in result.output and "1<=x<=65535" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "instance").exists()


def test_a_host_that_is_no_address_is_refused_with_examples_before_anything_starts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IVR_DEMO", "")
    result = CliRunner().invoke(main, ["serve", "--demo", "--host", "nosuchhost.invalid", "--port", "5099"])
    assert result.exit_code == 1
    assert "--host nosuchhost.invalid is not an address of this machine" in result.output
    assert "127.0.0.1" in result.output and "Demo data ready" not in result.output
    assert isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("url", ["127.0.0.1:5000", "localhost:5000", "ftp://127.0.0.1:5000", "http://"])
def test_ivr_call_to_an_address_without_its_scheme_or_host_shows_how_to_write_it_before_dialling(url):
    result = CliRunner().invoke(main, ["call", "--url", url, "--press", "1"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"'{url}' is not a web address" in result.output and "http://127.0.0.1:5000" in result.output
    assert "cannot reach the IVR" not in result.output


@pytest.mark.parametrize("move", [";", "1;2", "A", "say", "12 34"])
def test_ivr_call_refuses_a_move_no_caller_can_make_before_dialling(move):
    result = CliRunner().invoke(main, ["call", "--in-process", "--press", "1", "--press", move])
    assert result.exit_code == 2 and f"'{move}' is not something a caller can do" in result.output
    assert "0-9, * and #" in result.output and "IVR [" not in result.output
