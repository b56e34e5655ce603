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
    _scrub_access_log()
    # The server ends a session after the shift; the cookie lives a day longer so the agent is told why.
    hours = float(app.config.get("AGENT_SESSION_HOURS", DEFAULT_SESSION_HOURS))
    app.permanent_session_lifetime = timedelta(hours=hours + 24)
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    if app.config.get("DEMO"):
        with db.session_for(app) as session:
            ensure_demo_agent(session)


def _scrub_access_log() -> None:
    """The API's contacts URL holds a client number: the development server's access log masks it."""
    import logging

    from ..logs import ScrubbingFilter

    access = logging.getLogger("werkzeug")
    if not any(isinstance(f, ScrubbingFilter) for f in access.filters):
        access.addFilter(ScrubbingFilter())
