"""Who is asking: an agent's browser session (expiring) or a CRM's bearer token."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta, timezone
from functools import wraps
from typing import Any, Callable

from flask import abort, current_app, g, jsonify, redirect, request, session, url_for

from .. import db
from .accounts import agent_for_token
from .models import Agent

DEFAULT_SESSION_HOURS = 9  # one shift; after that the agent signs in again


def session_lifetime() -> timedelta:
    return timedelta(hours=float(current_app.config.get("AGENT_SESSION_HOURS", DEFAULT_SESSION_HOURS)))


def sign_in(agent: Agent) -> None:
    session.clear()
    session.permanent = True
    session["agent_id"] = agent.id
    session["signed_in_at"] = datetime.now(timezone.utc).timestamp()
    session["lang"] = agent.language
    session["csrf"] = secrets.token_urlsafe(24)


def sign_out() -> None:
    session.clear()


def _session_agent() -> tuple[Agent | None, bool]:
    """The signed-in agent, and whether a session existed but has expired."""
    agent_id = session.get("agent_id")
    if agent_id is None:
        return None, False
    signed_in_at = float(session.get("signed_in_at", 0))
    if datetime.now(timezone.utc).timestamp() - signed_in_at > session_lifetime().total_seconds():
        session.clear()
        return None, True
    agent = db.session().get(Agent, agent_id)
    if agent is None or not agent.active:
        session.clear()
        return None, False
    return agent, False


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Pages: an agent who is not signed in is sent to the sign-in page, and back after."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        agent, expired = _session_agent()
        if agent is None:
            return redirect(url_for("desktop.login", next=request.path, expired=1 if expired else None))
        g.agent = agent
        if request.method == "POST":
            sent = request.form.get("csrf", "")
            if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
                abort(400, description="csrf")
        return view(*args, **kwargs)

    return wrapper


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
        return view(*args, **kwargs)

    return wrapper


def csrf_token() -> str:
    return session.get("csrf", "")
