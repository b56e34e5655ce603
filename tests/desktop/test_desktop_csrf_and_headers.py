"""Every state change is a POST carrying the session's form token; every desktop answer carries security headers."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from ivr.store import db
from ivr.store.models.desktop import Agent, Callback

from tests.support.desktop_fixtures import agents, csrf_of, desk, gateway_log, quick_password_hashing, text  # noqa: F401

TEMPLATES = Path(__file__).resolve().parents[2] / "ivr" / "desktop" / "templates"


def waiting_call(phone):
    return phone().press("1").press("1").press("100200300").press("19480517").press("0")


def test_every_state_changing_route_refuses_a_post_without_the_form_token(app, desk, phone, gateway_log):
    call = waiting_call(phone)
    with db.session_for(app) as s:
        sam_id = s.scalar(select(Agent.id).where(Agent.username == "sam"))
    posts = [f"/agent/calls/{call.call_sid}/take", f"/agent/calls/{call.call_sid}/close", "/agent/callbacks/1/done",
             "/agent/language/en", f"/agent/admin/agents/{sam_id}/active", "/agent/logout"]
    for url in posts:
        for token in (None, "forged-token"):
            data = {"subject": "other", "outcome": "resolved", "active": "0"}
            if token:
                data["csrf"] = token
            response = desk.post(url, data=data)
            assert response.status_code == 400, url
            assert "Ce formulaire a expiré" in text(response)
    assert gateway_log == []
    assert desk.get("/agent/").status_code == 200  # logout without a token did not sign the agent out
    with db.session_for(app) as s:
        assert s.scalar(select(Agent.active).where(Agent.id == sam_id)) is True
        assert s.scalar(select(Agent.language).where(Agent.username == "demo")) == "fr"


def test_the_token_may_come_in_a_header_for_scripts(desk, phone, gateway_log):
    call = waiting_call(phone)
    token = csrf_of(desk.get("/agent/").get_data(as_text=True))
    response = desk.post(f"/agent/calls/{call.call_sid}/take", headers={"X-CSRF-Token": token})
    assert response.status_code == 302 and len(gateway_log) == 1


def test_the_sign_in_form_needs_its_token_too(client, agents):
    response = client.post("/agent/login", data={"username": "demo", "password": "demo"})
    assert response.status_code == 400
    assert client.get("/agent/").status_code == 302  # not signed in


def test_no_desktop_page_changes_anything_on_get(app):
    """Every GET route is a page, a fragment or the API; anything else answers only POST."""
    reading = {"desktop.login", "desktop.queue", "desktop.live_waiting", "desktop.call_page", "desktop.static",
               "desktop.api_queue", "desktop.api_call", "desktop.api_contacts", "desktop.api_reports", "desktop.reports", "desktop.reports_csv",
               "desktop.admin_agents", "desktop.flows", "desktop.flow_page", "desktop.flow_picture",
               "desktop.pending_changes", "desktop.search",  # the search form; searching itself is a POST
               # OpenID Connect's redirects are GETs by the protocol; the callback signs in only the browser
               # whose session holds the request's state, nonce and PKCE verifier (login CSRF fails there).
               "desktop.provider_sign_in", "desktop.provider_callback"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("desktop.") and "GET" in rule.methods:
            assert rule.endpoint in reading, f"{rule.rule} answers GET: does it change anything?"
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("desktop.language", "desktop.logout", "desktop.take", "desktop.close",
                             "desktop.callback_done", "desktop.admin_set_active", "desktop.reverse"):
            assert rule.methods - {"OPTIONS"} == {"POST"}, rule.rule


def test_switching_language_by_a_link_is_refused(desk):
    assert desk.get("/agent/language/en?next=/agent/").status_code == 405


def assert_secure_headers(response, personal: bool = True) -> None:
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    if personal:
        assert headers["Cache-Control"] == "no-store"


def test_every_kind_of_desktop_answer_carries_the_security_headers(app, desk, client, phone):
    call = waiting_call(phone)
    answers = [client.get("/agent/login"), client.get("/agent/"), client.get("/agent/api/queue"),
               desk.get("/agent/"), desk.get("/agent/live/waiting"), desk.get(f"/agent/calls/{call.call_sid}"),
               desk.get("/agent/api/queue"), desk.get("/agent/api/clients/100200300/contacts"),
               desk.get("/agent/calls/CAnothing"), desk.post(f"/agent/calls/{call.call_sid}/take", data={})]
    for response in answers:
        assert_secure_headers(response)
        assert "Strict-Transport-Security" not in response.headers  # plain http: HSTS would mean nothing
    static = desk.get("/agent/static/desktop.js")
    assert_secure_headers(static, personal=False)
    static.close()


def test_hsts_is_sent_over_https(app, agents):
    response = app.test_client().get("/agent/login", base_url="https://ivr.example.ca")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_pages_have_no_inline_script_or_style():
    for template in TEMPLATES.rglob("*.html"):
        source = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source), f"{template.name} has an inline script"
        assert not re.search(r"\son[a-z]+\s*=", source), f"{template.name} has an inline event handler"
        assert "style=" not in source and "<style" not in source, f"{template.name} has an inline style"


def test_a_callback_is_marked_done_only_by_a_post_with_the_token(app, desk, phone):
    call = phone().press("0")
    with db.session_for(app) as s:
        from datetime import date

        s.add(Callback(call_sid=call.call_sid, number="+15145550142", due=date(2026, 11, 24)))
    with db.session_for(app) as s:
        callback_id = s.scalar(select(Callback.id))
    assert desk.get(f"/agent/callbacks/{callback_id}/done").status_code == 405
    page = desk.get("/agent/").get_data(as_text=True)
    assert desk.post(f"/agent/callbacks/{callback_id}/done", data={"csrf": csrf_of(page)}).status_code == 302
    with db.session_for(app) as s:
        assert s.get(Callback, callback_id).status == "done"
