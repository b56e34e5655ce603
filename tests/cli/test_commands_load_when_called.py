"""`ivr` loads a command's module only when that command runs (ivr.cli.COMMANDS), so a command that
needs only the database starts without building the web application, the identity provider's
client or Twilio's; and every name `ivr --help` lists is a command that loads."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from ivr.cli import COMMANDS, main
from ivr.config import ROOT

HEAVY = ("ivr.app", "ivr.desktop", "ivr.telephony", "authlib", "twilio")
"""What `ivr report` has no use for: the web application and the desktop's and Twilio's libraries..."""
NEEDED = ("ivr.desktop", "ivr.desktop.words", "ivr.desktop.words.nouns")
"""...but for the desktop's words, which the table speaks (the package itself imports nothing)."""


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_listed_command_loads_as_the_command_of_that_name(name):
    command = main.get_command(click.Context(main), name)
    assert isinstance(command, click.Command)
    assert command.name == name


def test_help_lists_every_command_with_its_summary():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    for name in COMMANDS:
        assert f"  {name} " in result.output
    assert "Self-service figures from DATE to DATE" in result.output


def test_an_unknown_command_is_refused_with_clicks_message():
    result = CliRunner().invoke(main, ["reprot"])
    assert result.exit_code == 2
    assert "No such command 'reprot'" in result.output


def test_ivr_report_answers_without_loading_the_web_application(tmp_path):
    """A fresh interpreter, as the installed `ivr` command starts: the report is printed, and none of
    HEAVY was imported on the way."""
    script = ("import json, sys\n"
              "from ivr.cli import main\n"
              "try:\n"
              "    main(['report', '--from', '2026-11-02', '--to', '2026-11-08', '--format', 'json'])\n"
              "except SystemExit as end:\n"
              "    loaded = sorted({m for m in sys.modules if m.startswith(%r)})\n"
              "    print(json.dumps({'code': end.code, 'loaded': loaded}), file=sys.stderr)\n" % (HEAVY,))
    env = {"PATH": "/usr/bin:/bin", "IVR_DATABASE_URL": f"sqlite:///{tmp_path / 'ivr.db'}",
           "IVR_INSTANCE_PATH": str(tmp_path / "instance")}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    ending = json.loads(done.stderr.strip().splitlines()[-1])
    assert ending["code"] == 0 and [name for name in ending["loaded"] if name not in NEEDED] == [], done.stderr
    assert json.loads(done.stdout)["from"] == "2026-11-02"
