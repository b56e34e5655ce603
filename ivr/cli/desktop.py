"""`ivr agent ...`: make agents' accounts and API tokens for the desktop."""

from __future__ import annotations

import click
from sqlalchemy import select

from ivr import clock
from ivr.cli.db import database_app
from ivr.config import content_folders
from ivr.desktop import sessions
from ivr.desktop.accounts import AccountError, add_agent, find_agent, issue_token, revoke_tokens, rings_at, tokens_of
from ivr.engine.counts import counted
from ivr.engine.languages import read_languages
from ivr.store import db
from ivr.store.models.desktop import Agent


def _session(writes: bool = True):
    """A session on the line's database; most agent commands change an account, so they begin as writers."""
    return db.session_for(database_app(), writes=writes)


@click.group()
def agent() -> None:
    """Agents of the desktop at /agent/: accounts and API tokens."""


@agent.command("add")
@click.argument("username")
@click.option("--name", "display_name", help="The name shown on the desktop (default: the user name).")
@click.option("--language", help="The desktop's language for this agent (they can switch it): a language of "
                                 "flows/languages.yaml with desktop words (default: the first one).")
@click.option("--endpoint", help="Where calls ring: the agent's phone in E.164 (+15145550100) or client:NAME "
                                 "for a browser softphone (default: client:USERNAME).")
@click.option("--role", type=click.Choice(["agent", "supervisor", "admin"]), default="agent", show_default=True,
              help="agent: queue, calls, callbacks, contact history; supervisor: also reports; "
                   "admin: also agents' accounts.")
@click.password_option(help="The password (asked twice when not given).")
def add(username: str, display_name: str | None, language: str | None, endpoint: str | None, role: str,
        password: str) -> None:
    """Create an agent who can sign in to the desktop."""
    try:
        with _session() as session:
            created = add_agent(session, username, password, display_name, language, endpoint, role,
                                read_languages(content_folders()[0]))
            name = created.username
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Agent '{name}' added as {role}. They sign in at /agent/login.")


class _TokenCommands(click.Group):
    """`ivr agent token NAME` still makes a token; `list` and `revoke` manage the ones made."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["issue", *args]
        return super().parse_args(ctx, args)


@agent.group("token", cls=_TokenCommands)
def token() -> None:
    """API tokens: `ivr agent token NAME` makes one; `list NAME` and `revoke NAME` manage them."""


def _agent_named(session, username: str):
    found = find_agent(session, username)
    if found is None:
        raise click.ClickException(
            f"there is no agent called '{username}'; add one with `ivr agent add {username}`")
    return found


@token.command("issue")
@click.argument("username")
def issue(username: str) -> None:
    """Make an API token for USERNAME (shown once; only its hash is kept)."""
    with _session() as session:
        value = issue_token(session, _agent_named(session, username))
    click.echo(value)
    click.echo("Keep it secret: send it as 'Authorization: Bearer <token>' to /agent/api/. It is not shown again. "
               f"Revoke it with `ivr agent token revoke {username}`.", err=True)


@token.command("list")
@click.argument("username")
def list_tokens(username: str) -> None:
    """Show USERNAME's tokens by number: made, last used, revoked (never the tokens themselves)."""
    def when(moment) -> str:
        return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"

    with _session(writes=False) as session:
        rows = tokens_of(session, _agent_named(session, username))
        if not rows:
            click.echo(f"'{username}' has no API token.")
        for row in rows:
            state = f"revoked {when(row.revoked_at)}" if row.revoked_at else "valid"
            click.echo(f"#{row.id}\tmade {when(row.created_at)}\tlast used {when(row.last_used_at)}\t{state}")


@token.command("revoke")
@click.argument("username")
@click.option("--id", "token_id", type=int, help="Revoke only this token (its number in `ivr agent token list`); "
                                                 "without it, every token of USERNAME is revoked.")
def revoke(username: str, token_id: int | None) -> None:
    """Revoke USERNAME's API tokens (all, or one with --id): the API refuses them at once."""
    try:
        with _session() as session:
            count = revoke_tokens(session, _agent_named(session, username), token_id)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{counted(count, 'token')} of '{username}' revoked." if count else f"'{username}' had no valid token.")


@agent.command("role")
@click.argument("username")
@click.argument("role", type=click.Choice(["agent", "supervisor", "admin"]))
def set_role(username: str, role: str) -> None:
    """Give USERNAME another ROLE; it applies to their next page, no new sign-in needed."""
    with _session() as session:
        found = _agent_named(session, username)
        found.role = role
    click.echo(f"'{username}' is now {role}.")


@agent.command("deactivate")
@click.argument("username")
def deactivate(username: str) -> None:
    """Stop USERNAME from signing in: their open sessions end and their API tokens stop working."""
    with _session() as session:
        found = _agent_named(session, username)
        found.active = False
        ended = sessions.end_all_for(session, found, clock.now(), "inactive")
    click.echo(f"'{username}' is deactivated ({counted(ended, 'open session')} ended).")


@agent.command("list")
def list_agents() -> None:
    """Show the agents (never their passwords): name, display name, role, language, where calls ring."""
    with _session(writes=False) as session:
        rows = session.scalars(select(Agent).order_by(Agent.username)).all()
        if not rows:
            click.echo("There are no agents yet: add one with `ivr agent add USERNAME` (or `ivr seed --demo` for the "
                       "demo agent, on a demo database).")
        for row in rows:
            state = "" if row.active else " (inactive)"
            rings = rings_at(row) + ("" if row.endpoint else " (default)")
            click.echo(f"{row.username}\t{row.display_name}\t{row.role}\t{row.language}\t{rings}{state}")
