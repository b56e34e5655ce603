"""Commands for the privacy office and supervisors: the audit trail, pending changes, retention."""

from __future__ import annotations

import re

import click

from ivr.cli.db import database_app
from ivr.config import content_folders
from ivr.desktop.accounts import actor_id, find_agent
from ivr.desktop.roles import Role, has_role
from ivr.engine.counts import counted
from ivr.engine.verification import read_verification
from ivr.privacy import mask_client_number
from ivr.services.audit import trail
from ivr.services.changes import ChangeNotReversible, apply_due, reverse_change
from ivr.services.clients import find_client
from ivr.services.retention import purge
from ivr.services.verification import NotSuspended, is_self_service_suspended, lift_suspension
from ivr.store import db


@click.command("audit")
@click.argument("client_number")
def audit_command(client_number: str) -> None:
    """Show the audit trail of one client's file (verifications, suspensions, changes), oldest first.

    Values are shown as stored: masked. Access to this command is access to the server.
    """
    app = database_app(secret=True)  # tries are kept under a keyed hash of the number typed
    number = re.sub(r"\D", "", client_number)
    with app.app_context(), db.session_for(app) as session:
        client = find_client(session, number)
        if client is None:
            raise click.ClickException(f"no client has the number {mask_client_number(number)}; check the 9 digits")
        events = trail(session, client)
        click.echo(f"Audit trail of client {mask_client_number(number)} ({counted(len(events), 'event')}, times in UTC)")
        for event in events:
            # An agent's actor is already "agent:7" (accounts.actor_id): name the kind once.
            kind = f"{event.actor_kind}:"
            who = event.actor if event.actor.startswith(kind) else kind + event.actor
            line = f"{event.at:%Y-%m-%d %H:%M:%S}Z  {event.action:<28} {event.outcome:<24} {who}"
            if event.call_sid:
                line += f"  call {event.call_sid}"
            if event.caller:
                line += f"  from {event.caller}"
            click.echo(line)
            if event.old_value or event.new_value:
                click.echo(f"    was: {_show(event.old_value)}")
                click.echo(f"    now: {_show(event.new_value)}")
            extra = {k: v for k, v in (event.detail or {}).items() if k not in ("call_sid",)}
            if extra:
                click.echo("    " + ", ".join(f"{k}={v}" for k, v in extra.items()))


def _show(value: dict | None) -> str:
    if not value:
        return "-"
    return ", ".join(f"{k}={v}" for k, v in value.items() if v not in (None, "") and k != "fingerprint")


@click.group("change")
def change_group() -> None:
    """Changes made by phone: held pending for a cooling-off period, then applied."""


@change_group.command("reverse")
@click.argument("confirmation")
@click.option("--by", "username", required=True,
              help="The user name of the supervisor (or admin) reversing it; the audit trail records them.")
@click.option("--reason", default="", help="Why, in a few words (kept in the audit trail).")
def change_reverse(confirmation: str, username: str, reason: str) -> None:
    """Reverse a pending change by its confirmation number; the file keeps its old value.

    Only a supervisor or an admin reverses a change, as on the desktop's Changes page; the audit
    trail records their id, exactly as the page does.
    """
    app = database_app(secret=True)  # the audit row fingerprints the masked values with the key
    try:
        with app.app_context(), db.session_for(app, writes=True) as session:
            supervisor = _supervisor(session, username, "reverses a change")
            change = reverse_change(session, confirmation.strip(), actor_id(supervisor), reason)
            kind = change.kind
    except (ChangeNotReversible, ValueError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Change {confirmation} ({kind}) reversed by {username}. The file keeps its previous {kind}.")


def _supervisor(session, username: str, doing: str):
    """The active supervisor or admin called `username`; a ClickException says why anyone else is refused."""
    person = find_agent(session, username)
    if person is None or not person.active:
        raise click.ClickException(f"there is no active agent called '{username}'; give the user name of a "
                                   "supervisor (`ivr agent list`)")
    if not has_role(person, Role.SUPERVISOR):
        raise click.ClickException(f"'{username}' is an agent: only a supervisor or an admin {doing}; "
                                   f"ask one, or make them one with `ivr agent role {username} supervisor`")
    return person


@change_group.command("apply-due")
def change_apply_due() -> None:
    """Apply every pending change whose cooling-off period is over (run it daily, e.g. from cron)."""
    app = database_app(secret=True)  # the audit row fingerprints the masked values with the key
    with app.app_context(), db.session_for(app, writes=True) as session:
        applied = apply_due(session)
        summary = [(c.confirmation, c.kind) for c in applied]
    for confirmation, kind in summary:
        click.echo(f"applied {kind} change {confirmation}")
    click.echo(f"{counted(len(summary), 'change')} applied.")


@click.group("client")
def client_group() -> None:
    """A client's file: lift a suspension of verification by phone."""


@client_group.command("unsuspend")
@click.argument("client_number")
@click.option("--by", "username", required=True,
              help="The user name of the supervisor (or admin) lifting it; the audit trail records them.")
@click.option("--identity-checked", is_flag=True,
              help="Say that you checked the person's identity against their file (otherwise you are asked).")
def client_unsuspend(client_number: str, username: str, identity_checked: bool) -> None:
    """Let a client verify by phone again, once you have checked who they are.

    Three failed tries suspend verification by phone for a client number for a day
    (flows/verification.yaml). This lifts it at once, through the same service as the desktop's
    button, and records who did it in the audit trail (`ivr audit CLIENT_NUMBER`).
    """
    app = database_app(secret=True)  # tries are counted under a keyed hash of the number
    number = re.sub(r"\D", "", client_number)
    masked = mask_client_number(number)
    with app.app_context(), db.session_for(app, writes=True) as session:
        client = find_client(session, number)
        if client is None:
            raise click.ClickException(f"no client has the number {masked}; check the 9 digits")
        supervisor = _supervisor(session, username, "lifts a suspension")
        policy = read_verification(content_folders()[0] / "verification.yaml", [])  # the server's throttle
        if not is_self_service_suspended(session, client, policy):  # said before asking anything
            raise click.ClickException(f"verification by phone of client {masked} is not suspended: there is "
                                       "nothing to lift; nothing was changed")
        if not identity_checked and not click.confirm(
                f"Did you check the identity of client {masked}'s caller against their file?"):
            raise click.ClickException("nothing was changed: check the person's identity first")
        try:
            lift_suspension(session, client, actor_id(supervisor), identity_checked=True, policy=policy)
        except NotSuspended as error:
            raise click.ClickException(f"{error}; nothing was changed") from None
    click.echo(f"Verification by phone of client {masked} is no longer suspended (lifted by {username}; "
               "recorded in the audit trail). The client can verify by phone again.")


@click.command("purge")
@click.option("--older-than", "days", type=click.IntRange(min=1), default=None,
              help="Remove call details last used more than this many days ago "
                   "(default: IVR_RETENTION_DAYS, 730 = 2 years).")
def purge_command(days: int | None) -> None:
    """Remove old call journeys, contexts and recording references; keep daily counts and the audit trail."""
    app = database_app()
    with app.app_context(), db.session_for(app, writes=True) as session:
        report = purge(session, days or app.config.get("RETENTION_DAYS", 730))
    for line in report.lines():
        click.echo(line)
