"""`ivr serve`, `ivr seed` and `ivr call`: run the line, load demo data, and call it from a terminal."""

from __future__ import annotations

import errno
import ipaddress
import random
import socket
import sys
import urllib.parse

import click
from werkzeug.serving import run_simple

from ivr import config, logs, telephony
from ivr.app import create_app
from ivr.cli.content import console_start
from ivr.cli.db import database_app
from ivr.cli.history import default_weeks
from ivr.cli.playback import HistoryPlayedAlready, history_app, pool_size, seed_history
from ivr.config import ConfigError, demo_secret, instance_path
from ivr.desktop.accounts import ensure_demo_agent
from ivr.engine.findings import FlowsInvalid
from ivr.engine.counts import counted
from ivr.services.demo import reset_demo, seed_demo
from ivr.store import db
from ivr.telephony.phone import CallEnded, FlaskTransport, HttpTransport, PhoneCall, WebhookRefused


def _app(demo: bool = False):
    if demo:
        config.start_demo()
    try:
        return create_app()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    except FlowsInvalid as error:  # flows that do not load: show every finding, no traceback
        raise click.ClickException("the flows have errors, so the line cannot start:\n" + str(error)) from None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--demo", is_flag=True, help="Load the demo clients; generate a Twilio token if none is set.")
def serve(host: str, port: int, demo: bool) -> None:
    """Run the IVR web server (the database is created if needed).

    Log lines go to stderr: the app's with a timestamp (ivr.logs.configure), requests as werkzeug writes them.
    A port another program holds is refused before the demo data is loaded or the server says it listens.
    """
    logs.configure()
    app = _app(demo)
    _refuse_a_busy_port(host, port)
    if demo:
        with db.session_for(app, writes=True) as session:
            added = seed_demo(session)
        click.echo(f"Demo data ready ({counted(added, 'client')} added).")
        if not config.telephony_token_given():
            click.echo(f"Demo Twilio token: {app.config['TWILIO_AUTH_TOKEN']} (ivr call picks it up by itself)")
    address = f"http://{_web_host(host)}:{port}"
    click.echo(f"IVR listening on {address}/voice/incoming")
    click.echo(f"Agent desktop: {address}/agent/" + (" (demo / demo)" if demo else ""))
    run_simple(host, port, app, threaded=True, use_reloader=False)


def _refuse_a_busy_port(host: str, port: int) -> None:
    """ClickException when something already listens on host:port (werkzeug would only say so after the
    start-up lines, and name no way to choose another port)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug binds: a closing socket is no owner
        try:
            probe.bind((host, port))
        except socket.gaierror:
            raise click.ClickException(
                f"--host {host} is not an address of this machine nor a name it can look up: give one such as "
                "127.0.0.1 (this machine only) or 0.0.0.0 (every network)") from None
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            raise click.ClickException(
                f"port {port} on {host} is in use by another program (another `make run`?): stop it, or start "
                f"this one on another port (`make run PORT={port + 1}`, or `ivr serve --port {port + 1}`) and call it "
                f"with `ivr call --url http://{_web_host(host)}:{port + 1}`") from None


def _web_host(host: str) -> str:
    """The host as a web address writes it: an IPv6 address in brackets (http://[::1]:5000)."""
    try:
        return f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:  # a name, such as localhost
        return host


@click.command()
@click.option("--demo", is_flag=True,
              help="Load the demo agency: four fictional clients and the demo agent (demo / demo).")
@click.option("--history", "history_calls", type=click.IntRange(1, 1_000_000), metavar="N",
              help="Also play N past calls through the webhook, over the weeks before today, so the reports "
                   "have something true to show (with --demo; adds one fictional client per 3 calls, who identify).")
@click.option("--weeks", type=click.IntRange(1, 520), metavar="WEEKS",
              help="Spread the history over this many weeks before today (default: about 50 calls a week, "
                   "2 to 52 weeks).")
@click.option("--seed", "history_seed", type=click.IntRange(0, 2**31 - 1), metavar="NUMBER",
              help="Draw the history from this number: the same number, N and weeks give the same calls on the "
                   "same day (default: a new number, printed).")
@click.option("--reset", is_flag=True,
              help="Also put the demo clients back as shipped: file, application, no pending change or "
                   "contact history, verification open again. Agents' accounts are kept.")
def seed(demo: bool, reset: bool, history_calls: int | None, weeks: int | None, history_seed: int | None) -> None:
    """Load the demo data (`ivr seed --demo`): clients with applications in different states, one with none,
    and the demo agent. Only for a demo or test database: the demo agent's password is 'demo'.

    Safe to run beside `make run`, and again: what exists is kept, unless --reset. With --history N,
    N past calls are then played through the real webhook with the clock moved back
    (ivr.cli.playback): the demo clients, a pool of fictional clients (one per 3 calls, added to the
    database) and fictional anonymous callers, in both languages, in and out of the agents' hours,
    answered, abandoned in line or called back by the demo agent.
    """
    if not demo:
        raise click.UsageError(
            "ivr seed only loads the demo agency (fictional clients and an agent whose password is 'demo'), "
            "so it asks you to say so: run `ivr seed --demo`, or `ivr seed --demo --reset` to put the demo "
            "clients back as shipped. Never on a real line's database.")
    if history_calls is None and (weeks is not None or history_seed is not None):
        raise click.UsageError("--weeks and --seed shape a history: add --history N (the number of past calls).")
    app = database_app(secret=reset, demo=True, create=True)
    with app.app_context(), db.session_for(app, writes=True) as session:
        added = seed_demo(session)
        ensure_demo_agent(session)
        done = reset_demo(session) if reset else None
    if done is None:
        click.echo(f"{counted(added, 'demo client')} added; the demo agent is demo / demo.")
    else:
        click.echo(f"The {done.clients} demo clients are back as shipped: "
                   f"{counted(done.changes_reversed, 'pending change')} reversed, "
                   f"{counted(done.contacts_removed, 'contact')} removed, self-service verification open again. "
                   "Agents' accounts are unchanged.")
    if history_calls is not None:
        _seed_history(history_calls, weeks, history_seed)


def _seed_history(calls: int, weeks: int | None, chosen_seed: int | None) -> None:
    """Play the history and say what happened, in counts (English, Babel's plural rules)."""
    seed_number = chosen_seed if chosen_seed is not None else random.SystemRandom().randrange(2**31)
    weeks = weeks or default_weeks(calls)
    try:
        app = history_app()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None

    def shown(planned):
        with click.progressbar(planned, label=f"Playing {counted(calls, 'past call')}",
                               file=sys.stderr) as bar:
            yield from bar

    try:
        history = seed_history(app, calls, weeks, seed_number, shown)
    except HistoryPlayedAlready as error:
        raise click.ClickException(str(error)) from None
    played = history.played
    click.echo(f"{counted(played.calls, 'past call')} played through the webhook from {history.first_day} to "
               f"{history.last_day} (--seed {history.seed}, --weeks {weeks}): "
               f"{counted(played.sent_to_agents, 'call')} sent to an agent ({played.after_hours} after hours), "
               f"{played.answered} answered, {played.hung_up_in_queue} hung up in line; "
               f"{counted(played.callbacks_requested, 'callback')} requested, {played.callbacks_done} done.")
    click.echo(f"{counted(pool_size(calls), 'fictional client')} on file for it beside the demo clients "
               f"({history.fictional_added} added now).")
    click.echo(f"See the figures: ivr report --from {history.first_day} --to {history.last_day}")


KEYPAD = frozenset("0123456789*#")
"""The keys of a phone's keypad: what Twilio's <Gather> can report in Digits."""
NOT_A_MOVE = ("is not something a caller can do: press keys of a phone keypad (0-9, * and #), "
              "say:words to speak, silence, or hangup")


def _is_move(answer: str) -> bool:
    text = answer.strip()
    return text in ("", "silence", "hangup") or text.startswith("say:") or set(text) <= KEYPAD


def _moves(_context: click.Context, _parameter: click.Parameter, answers: tuple[str, ...]) -> tuple[str, ...]:
    """--press values, each a move a caller can make, or a sentence naming the first that is not."""
    for answer in answers:
        if not _is_move(answer):
            raise click.BadParameter(f"'{answer}' {NOT_A_MOVE}")
    return answers


WEBHOOKS = (telephony.bp.url_prefix or "").strip("/")
"""The first segment of the IVR's webhook paths (the /voice blueprint's prefix: /voice/incoming ...): an
address that holds it is the webhook's, from which `ivr call` keeps the server's part."""
EXAMPLES = "e.g. http://127.0.0.1:5000 or http://127.0.0.1:5000/voice/incoming"


def _web_address(_context: click.Context, _parameter: click.Parameter, url: str) -> str:
    """--url as the server's web address (scheme, host, port, and any path before /voice/), or a sentence
    that shows how to write it. Spaces around it are dropped; so is a webhook's path (/voice/incoming)."""
    text = url.strip()
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"'{text}' is not a web address: write it with http:// or https:// and the host, "
                                 f"as `ivr serve` prints it, {EXAMPLES}")
    try:
        port = parts.port
    except ValueError:  # not a number, or above 65535
        port = 0
    if port == 0:
        raise click.BadParameter(f"'{text}' has no usable port: after the host's ':' give a number from 1 to 65535, "
                                 f"as `ivr serve` prints it, {EXAMPLES}")
    segments = parts.path.split("/")
    kept = "/".join(segments[:segments.index(WEBHOOKS)] if WEBHOOKS in segments else segments).rstrip("/")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, kept, "", ""))


@click.command()
@click.option("--url", default="http://127.0.0.1:5000", show_default=True, callback=_web_address,
              help="The running IVR to call: its server's address, or the webhook address `ivr serve` prints "
                   "(its /voice/... path is dropped).")
@click.option("--in-process", is_flag=True, help="Run the IVR inside this command instead of calling a server.")
@click.option("--from", "caller", default="+15145550142", show_default=True, help="Caller ID to present.")
@click.option("--token", envvar="TWILIO_AUTH_TOKEN", help="Twilio auth token used to sign (default: the demo one).")
@click.option("--press", "inputs", multiple=True, callback=_moves,
              help="An answer, in order: keys (1, 100200300#), 'say:words' for speech, 'silence', or 'hangup'. "
                   "Keys pressed while on hold go to the hold menu (1: be called back). The caller hangs up "
                   "after the last one. Without any, the phone asks at the keyboard.")
@click.option("--flow", "start_flow", help="Start in this flow instead of the greeting (demo and test servers).")
@click.option("--step", "start_step", help="Start at this step of --flow (default: the flow's first step).")
@click.option("--lang", "language", help="Speak this language from the start: a code of flows/languages.yaml (fr).")
@click.option("--client", "client_number", help="Start already verified as this demo client (with --flow).")
def call(url: str, in_process: bool, caller: str, token: str | None, inputs: tuple[str, ...],
         start_flow: str | None, start_step: str | None, language: str | None, client_number: str | None) -> None:
    """Call the IVR from the terminal and hear what a caller would hear.

    The call ends as a real one does: when the caller hangs up (after the last --press, on
    'hangup', Ctrl-D or Ctrl-C) or the IVR does, the server gets Twilio's final status callback,
    so the agent desktop never keeps a console caller waiting.
    """
    app = None
    if in_process:
        app = _app(demo=True)
        with db.session_for(app, writes=True) as session:
            seed_demo(session)
        transport = FlaskTransport(app.test_client())
        token = app.config["TWILIO_AUTH_TOKEN"]
    else:
        transport = HttpTransport(url)
        token = token or _demo_token()
    start = console_start(app, start_flow, start_step, language, client_number)
    phone = PhoneCall(transport, token, caller=caller)
    try:
        phone.dial(start)
    except OSError as error:
        raise click.ClickException(f"cannot reach the IVR at {url} ({error}); start it with `make run`") from None
    except WebhookRefused as refused:
        raise click.ClickException(_refusal(url, refused)) from None
    except RuntimeError as error:  # TwiML that redirects without end
        raise click.ClickException(f"the call broke off: {error}") from None
    answers = list(inputs)
    interactive = not answers
    if interactive:
        click.echo("(type keys, say:words, or Enter for silence; 'hangup' or Ctrl-D hangs up)")
    try:
        _converse(phone, answers, interactive)
    except (click.Abort, KeyboardInterrupt, EOFError):  # Ctrl-C or Ctrl-D at the prompt: the caller hangs up
        click.echo("")
    except (OSError, RuntimeError) as error:
        _hang_up(phone)
        raise click.ClickException(f"the call broke off: {error}") from None
    except CallEnded:
        pass
    if phone.ended:
        click.echo("-> the IVR hung up")
    else:
        _hang_up(phone)
        click.echo("-> you hung up")


def _refusal(url: str, refused: WebhookRefused) -> str:
    """Why the first webhook was refused, by its HTTP status: only a 403 is about the token."""
    if refused.status == 403:
        return (f"the IVR at {url} refused the call's signature (HTTP 403 for {refused.path}): is the token "
                "right? Set TWILIO_AUTH_TOKEN or use --token, or start the server with `ivr serve --demo` from "
                "this folder so the demo token is shared.")
    if refused.status == 404:
        return (f"the IVR at {url} answered 404 for {refused.path}: is this the IVR's address? Give the one "
                f"`ivr serve` prints, {EXAMPLES}.")
    return f"the IVR at {url} answered {refused.status} for {refused.path}: its server's log says why."


def _converse(phone, answers: list[str], interactive: bool) -> None:
    """Show each answer and send the next move, until the IVR or the caller hangs up."""
    _show(phone)
    while not phone.ended:
        if phone.transferred and phone.waiting is not None:
            click.echo(f"-> transferred to {phone.queue}")
            phone.hold()  # Twilio asks the <Enqueue> waitUrl what the caller hears in line
            _show(phone)
        if phone.ended or phone.last.gather is None:
            return
        if interactive:
            answer = click.prompt("keys, say:words, Enter for silence, hangup", default="", show_default=False)
        elif answers:
            answer = answers.pop(0)
        else:
            return  # the script is over: the caller hangs up
        if answer.strip() == "hangup":
            return
        if not _is_move(answer):
            click.echo(f"'{answer}' {NOT_A_MOVE}")
            continue
        _answer(phone, answer)
        _show(phone)


def _hang_up(phone) -> None:
    """Post Twilio's end of the call (and of the wait, from a queue), whatever broke before."""
    if phone.ended:
        return
    try:
        phone.hang_up()
    except (OSError, RuntimeError) as error:
        click.echo(f"(could not tell the IVR that the call ended: {error})", err=True)


def _answer(phone, answer: str) -> None:
    text = answer.strip()
    if text in ("", "silence"):
        click.echo("(silence)")
        phone.silence()
    elif text.startswith("say:"):
        click.echo(f"(says) {text[4:].strip()}")
        phone.say(text[4:].strip())
    else:
        click.echo(f"(presses) {text}")
        phone.press(text.removesuffix("#") if len(text) > 1 else text)


def _show(phone) -> None:
    """What the last move brought; words said to a caller already in line are marked [on hold]."""
    prefix = "[on hold] " if phone.waiting is not None and not phone.transferred else ""
    for said in phone.heard_now():
        click.echo(f"{prefix}IVR [{said.language}]: {said.text}" if not said.audio else f"{prefix}IVR plays {said.audio}")


def _demo_token() -> str:
    token = demo_secret(instance_path(), "TWILIO_AUTH_TOKEN", create=False)
    if token:
        return token
    raise click.ClickException(
        "no Twilio token: set TWILIO_AUTH_TOKEN (or --token), or start the server with `ivr serve --demo` "
        "from this folder so the demo token is shared."
    )
