"""The agent desktop: the screen pop, the queue, callbacks and the JSON API for a CRM."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask


def init_app(app: Flask) -> None:
    """Plug the desktop in; in demo mode make sure the demo agent (demo / demo) exists."""
    from .. import db
    from .accounts import ensure_demo_agent
    from . import staff  # noqa: F401 - supervisors' and admins' pages, on the same blueprint
    from .auth import DEFAULT_SESSION_HOURS
    from .views import bp

    app.register_blueprint(bp)
    _scrub_access_log()
    # The server ends a session after the shift; the cookie lives a day longer so the agent is told why.
    hours = float(app.config.get("AGENT_SESSION_HOURS", DEFAULT_SESSION_HOURS))
    app.permanent_session_lifetime = timedelta(hours=hours + 24)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config.get("SESSION_COOKIE_SECURE")) or _cookies_need_https(app.config)
    if app.config.get("DEMO"):
        with db.session_for(app) as session:
            ensure_demo_agent(session)


def _cookies_need_https(config: dict) -> bool:
    """Secure cookies in production (served over HTTPS, maybe behind a proxy) and whenever the public URL is https.

    Only the demo, the tests, or a public URL that is plainly http:// send the cookie over plain HTTP.
    """
    public = str(config.get("PUBLIC_URL") or "")
    if public.startswith("https://"):
        return True
    production = not (config.get("DEMO") or config.get("TESTING"))
    return production and not public.startswith("http://")


def _scrub_access_log() -> None:
    """The API's contacts URL holds a client number: the development server's access log masks it."""
    import logging

    from ..logs import ScrubbingFilter

    access = logging.getLogger("werkzeug")
    if not any(isinstance(f, ScrubbingFilter) for f in access.filters):
        access.addFilter(ScrubbingFilter())
