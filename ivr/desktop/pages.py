"""What every desktop page uses: the agent's language and words, the centre's clock, the flows being
served, a call (or 404), and a safe place to go next. Public, so the page modules (staff, changes_page,
flows_page, suspensions) share them with views.py without importing its private names."""

from __future__ import annotations

from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from flask import abort, current_app, g, request, session, url_for

from ivr.clock import now
from ivr.content.flowstore import languages
from ivr.desktop.context import Clock
from ivr.desktop.words import Words, desktop_languages
from ivr.engine.flows import FlowSet
from ivr.store import db
from ivr.store.models.calls import Call

DEFAULT_ZONE = "America/Toronto"


def language() -> str:
    """The desktop language of this request: ?lang=, the session's, the agent's, else the line's first."""
    agent = g.get("agent")
    wanted = request.args.get("lang") or session.get("lang") or (agent.language if agent else None)
    offered = desktop_languages(languages())
    return wanted if wanted in offered else offered[0]


def words() -> Words:
    return Words(language(), languages())


def clock() -> Clock:
    """Now, in the contact centre's timezone (flows/hours.yaml, else TIMEZONE, else DEFAULT_ZONE)."""
    hours = current_app.extensions.get("ivr.hours")
    zone = hours.zone if hours is not None else ZoneInfo(current_app.config.get("TIMEZONE", DEFAULT_ZONE))
    return Clock(now(), zone)


def flowset() -> FlowSet | None:
    store = current_app.extensions.get("ivr.flows")
    return store.current if store is not None else None


def call_or_404(call_sid: str) -> Call:
    call = db.session().get(Call, call_sid)
    if call is None:
        abort(404)
    return call


def safe_next(target: str | None) -> str:
    """Only paths inside the desktop: a sign-in link can never send an agent elsewhere."""
    if target and target.startswith("/agent/") and not urlparse(target).netloc and "//" not in target:
        return target
    return url_for("desktop.queue")
