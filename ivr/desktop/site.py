"""The desktop plugged into the app (`init_app`): its blueprint and pages, session cookies, proxies and
staff sign-in through the agency's identity provider. Kept apart from the package's __init__ so a
command that needs one part of the desktop (its words for `ivr report`, the sessions for `ivr agent`)
does not import every page and Authlib."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from ivr.desktop import oidc
# Their pages join views.bp: pending changes, Flows, staff, lifting a suspension, search, the reports (page, API).
from ivr.desktop import (changes_page, flows_page, reports_api, reports_page, search_page, staff,  # noqa: F401
                        suspensions)
from ivr.desktop.accounts import ensure_demo_agent
from ivr.desktop.auth import DEFAULT_SESSION_HOURS
from ivr.desktop.views import bp, favicon, site_root
from ivr.store import db


def init_app(app: Flask) -> None:
    """Plug the desktop in; in demo mode make sure the demo agent (demo / demo) exists."""
    app.register_blueprint(bp)
    app.add_url_rule("/", "site_root", site_root)
    app.add_url_rule("/favicon.ico", "favicon", favicon)
    # The server ends a session after the shift; the cookie lives a day longer so the agent is told why.
    hours = float(app.config.get("AGENT_SESSION_HOURS", DEFAULT_SESSION_HOURS))
    app.permanent_session_lifetime = timedelta(hours=hours + 24)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config.get("SESSION_COOKIE_SECURE")) or _cookies_need_https(app.config)
    _trust_proxies(app)
    oidc.init_app(app)  # staff sign-in through the agency's identity provider, when IVR_OIDC_ISSUER is set
    if app.config.get("DEMO"):
        with db.session_for(app, writes=True) as session:
            ensure_demo_agent(session)


def _trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies (IVR_TRUSTED_PROXIES=N), take the client's address and https from their headers.

    Without it every agent would seem to come from the proxy: one guesser would lock the whole floor out of
    sign-in, and the desktop would not know it is served over HTTPS. Never set it without a proxy in front:
    anyone could then claim any address.
    """
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0 and not isinstance(app.wsgi_app, ProxyFix):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def _cookies_need_https(config: dict) -> bool:
    """Secure cookies in production (served over HTTPS, maybe behind a proxy) and whenever the public URL is https.

    Only the demo, the tests, or a public URL that is plainly http:// send the cookie over plain HTTP.
    """
    public = str(config.get("PUBLIC_URL") or "")
    if public.startswith("https://"):
        return True
    production = not (config.get("DEMO") or config.get("TESTING"))
    return production and not public.startswith("http://")

