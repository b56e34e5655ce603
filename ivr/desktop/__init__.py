"""The agent desktop: the screen pop, the queue, callbacks and the JSON API for a CRM."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask


def init_app(app: Flask) -> None:
    """Plug the desktop in; in demo mode make sure the demo agent (demo / demo) exists."""
    from .. import db
    from .accounts import ensure_demo_agent
    from .auth import DEFAULT_SESSION_HOURS
    from .views import bp

    app.register_blueprint(bp)
    # The server ends a session after the shift; the cookie lives a day longer so the agent is told why.
    hours = float(app.config.get("AGENT_SESSION_HOURS", DEFAULT_SESSION_HOURS))
    app.permanent_session_lifetime = timedelta(hours=hours + 24)
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    if app.config.get("DEMO"):
        with db.session_for(app) as session:
            ensure_demo_agent(session)
