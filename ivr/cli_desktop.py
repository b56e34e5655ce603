"""`ivr agent ...`: make agents' accounts and API tokens for the desktop."""

from __future__ import annotations

import click


def _session():
    from . import db
    from .cli import _app

    return db.session_for(_app())


@click.group()
def agent() -> None:
    """Agents of the desktop at /agent/: accounts and API tokens."""


@agent.command("add")
@click.argument("username")
@click.option("--name", "display_name", help="The name shown on the desktop (default: the user name).")
@click.option("--language", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="The desktop's language for this agent (they can switch it).")
@click.option("--endpoint", help="Where calls ring: the agent's phone in E.164 (+15145550100) or client:NAME "
                                 "for a browser softphone (default: client:USERNAME).")
@click.password_option(help="The password (asked twice when not given).")
def add(username: str, display_name: str | None, language: str, endpoint: str | None, password: str) -> None:
    """Create an agent who can sign in to the desktop."""
    from .desktop.accounts import AccountError, add_agent

    try:
        with _session() as session:
            created = add_agent(session, username, password, display_name, language, endpoint)
            name = created.username
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Agent '{name}' added. They sign in at /agent/login.")


@agent.command("token")
@click.argument("username")
def token(username: str) -> None:
    """Make an API token for USERNAME (shown once; only its hash is kept)."""
    from .desktop.accounts import find_agent, issue_token

    with _session() as session:
        found = find_agent(session, username)
        if found is None:
            raise click.ClickException(
                f"there is no agent called '{username}'; add one with `ivr agent add {username}`")
        value = issue_token(session, found)
    click.echo(value)
    click.echo("Keep it secret: send it as 'Authorization: Bearer <token>' to /agent/api/. It is not shown again.",
               err=True)


@agent.command("list")
def list_agents() -> None:
    """Show the agents (never their passwords)."""
    from sqlalchemy import select

    from .desktop.models import Agent

    with _session() as session:
        for row in session.scalars(select(Agent).order_by(Agent.username)):
            state = "" if row.active else " (inactive)"
            click.echo(f"{row.username}\t{row.display_name}\t{row.language}\t{row.endpoint or '-'}{state}")
