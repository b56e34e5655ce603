"""Who is asking: an agent's browser session (kept on the server, expiring) or a CRM's bearer token.

Every page and API call goes through `login_required` or `api_auth`; pages that need more than an
agent's role add `requires(...)`; every POST carries the session's form token (CSRF).
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from functools import wraps
from typing import Any, Callable

from flask import abort, current_app, g, jsonify, redirect, request, session, url_for

from ivr import clock
from ivr.store import db
from ivr.desktop import sessions
from ivr.desktop.accounts import agent_for_token
from ivr.store.models.desktop import Agent
from ivr.desktop.roles import Role, has_role, refused

DEFAULT_SESSION_HOURS = sessions.SHIFT_HOURS
DEFAULT_IDLE_MINUTES = sessions.IDLE_MINUTES
CSRF_HEADER = "X-CSRF-Token"


def limits() -> sessions.Limits:
    config = current_app.config
    return sessions.Limits(idle=timedelta(minutes=float(config.get("AGENT_IDLE_MINUTES", DEFAULT_IDLE_MINUTES))),
                           absolute=timedelta(hours=float(config.get("AGENT_SESSION_HOURS",
                                                                     DEFAULT_SESSION_HOURS))))


def sign_in(agent: Agent, via_provider: bool = False) -> None:
    """A fresh session: a new id and a new form token; nothing from before signing in carries over.

    `via_provider`: signed in through the agency's identity provider (sign-out may then end that too).
    """
    session_id = sessions.start(db.session(), agent, clock.now())
    db.session().commit()
    session.clear()
    session.permanent = True
    session["sid"] = session_id
    session["lang"] = agent.language
    session["csrf"] = secrets.token_urlsafe(24)
    if via_provider:
        session["via_provider"] = True


def sign_out() -> bool:
    """End the session on the server, so the old cookie opens nothing even if someone kept a copy.

    True when that session was opened through the identity provider.
    """
    via_provider = bool(session.get("via_provider"))
    sessions.end_by_id(db.session(), session.get("sid"), clock.now(), "signed_out")
    db.session().commit()
    session.clear()
    return via_provider


def _session_agent(activity: bool = True) -> tuple[Agent | None, bool]:
    """The signed-in agent, and whether a session existed but has timed out."""
    result = sessions.check(db.session(), session.get("sid"), clock.now(), limits(), touch=activity)
    if result.agent is None and "sid" in session:
        session.pop("sid")
        session.pop("csrf", None)
    return result.agent, result.expired


def login_required(view: Callable[..., Any] | None = None, *, activity: bool = True) -> Any:
    """Pages: an agent who is not signed in is sent to the sign-in page, and back after.

    `activity=False` for what the page fetches by itself, which must not keep an idle session alive.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            agent, expired = _session_agent(activity)
            if agent is None:
                return redirect(url_for("desktop.login", next=request.path, expired=1 if expired else None))
            g.agent = agent
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                check_csrf()
                # A form reads a record and then changes it: a write transaction, so two agents
                # clicking at once queue instead of one getting "database is locked".
                current = db.session()
                if current.in_transaction():
                    current.commit()
                db.begin_write(current)
            return view(*args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def requires(role: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """After `login_required`/`api_auth`: refuse (403, logged) an agent whose role is below `role`."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not has_role(g.agent, role):
                forbid(f"needs_{role.value}")
            return view(*args, **kwargs)

        return wrapper

    return decorate


def forbid(reason: str) -> None:
    """Log the refusal (without personal data) and answer 403."""
    refused(g.get("agent"), request.endpoint, reason)
    abort(403)


def csrf_token() -> str:
    """The form token of this browser's session, made on first use (the sign-in form needs one too)."""
    if not session.get("csrf"):
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def check_csrf() -> None:
    sent = request.form.get("csrf") or request.headers.get(CSRF_HEADER, "")
    expected = session.get("csrf", "")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        refused(g.get("agent"), request.endpoint, "csrf")
        abort(400, description="csrf")


def api_auth(view: Callable[..., Any]) -> Callable[..., Any]:
    """The JSON API: `Authorization: Bearer <token>` or an agent's session; otherwise 401."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        agent = None
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() == "bearer":
                agent = agent_for_token(db.session(), token.strip())
                if agent is not None:
                    db.session().commit()  # keeps last_used_at
        else:
            agent, _expired = _session_agent()
        if agent is None:
            response = jsonify(error="unauthorized",
                               message="Send 'Authorization: Bearer <token>' (make one with `ivr agent token NAME`) "
                                       "or sign in at /agent/login.")
            response.status_code = 401
            response.headers["WWW-Authenticate"] = 'Bearer realm="ivr-agent"'
            return response
        g.agent = agent
        if request.method not in ("GET", "HEAD", "OPTIONS") and not header:
            check_csrf()  # a browser's session cookie is sent by other sites' forms too; a bearer token is not
        return view(*args, **kwargs)

    return wrapper
