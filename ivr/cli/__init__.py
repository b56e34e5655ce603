"""The `ivr` command: one module per family of commands, each loaded when its command is called.

Each command's module is imported only when that command runs (or `ivr --help` lists them all), as
click's documentation shows for commands with heavy imports ("Lazily Loading Subcommands",
https://click.palletsprojects.com/en/stable/complex/#lazily-loading-subcommands): `ivr report`
needs the database and the report, not the web application, the identity provider's client or
Twilio's; its start-up (bench/reports.py, "a day no call", SQLite) went from 0.90 s to 0.66 s.
`tests/cli/test_commands_load_when_called.py` checks every name below resolves to its command.
"""

from __future__ import annotations

import importlib
import sys

import click

COMMANDS = {
    "agent": "ivr.cli.desktop:agent",
    "audit": "ivr.cli.security:audit_command",
    "call": "ivr.cli.line:call",
    "change": "ivr.cli.security:change_group",
    "client": "ivr.cli.security:client_group",
    "db": "ivr.cli.db:db",
    "graph": "ivr.cli.content:graph_command",
    "lint": "ivr.cli.lint:lint",
    "purge": "ivr.cli.security:purge_command",
    "report": "ivr.cli.report:report_command",
    "schema": "ivr.cli.lint:schema",
    "seed": "ivr.cli.line:seed",
    "serve": "ivr.cli.line:serve",
    "test": "ivr.cli.content:test_command",
}
"""Command name -> "module:attribute" of its click command (or group)."""


class CommandsLoadedWhenCalled(click.Group):
    """A click group whose commands (`COMMANDS`) are imported when called, not when `ivr` starts."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        module, name = where.split(":")
        command = getattr(importlib.import_module(module), name)
        if not isinstance(command, click.Command):
            raise TypeError(f"{where} is not a click command")
        return command


@click.group(cls=CommandsLoadedWhenCalled)
@click.version_option(package_name="ivr", prog_name="ivr")
def main() -> None:
    """A bilingual (French/English) IVR for public-service contact centres."""


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
