"""An agent's session lives on the server: renewed at sign-in, ended by sign-out, idleness or the end of a shift."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from freezegun import freeze_time
from sqlalchemy import select

from ivr.app import create_app
from ivr.store import db
from ivr.store.models.desktop import AgentSession

from tests.conftest import TOKEN
from tests.support.desktop_fixtures import agents, csrf_of, post_login, quick_password_hashing, sign_in, text  # noqa: F401

START = datetime(2026, 11, 23, 13, 0, tzinfo=timezone.utc)


def session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def sign_out(client) -> None:
    token = csrf_of(client.get("/agent/").get_data(as_text=True))
    assert client.post("/agent/logout", data={"csrf": token}).status_code == 302


def test_signing_in_gives_a_new_session_and_a_new_form_token(app, agents):
    browser = app.test_client()
    login_page = browser.get("/agent/login").get_data(as_text=True)
    before_cookie, before_token = session_cookie(browser), csrf_of(login_page)
    post_login(browser, "demo", "demo")
    after_token = csrf_of(browser.get("/agent/").get_data(as_text=True))
    assert session_cookie(browser) != before_cookie
    assert after_token != before_token


def test_the_old_cookie_opens_nothing_after_signing_out(app, agents):
    browser = sign_in(app.test_client())
    stolen = session_cookie(browser)
    sign_out(browser)
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/agent/")
    assert response.status_code == 302 and "/agent/login" in response.headers["Location"]
    assert replay.get("/agent/api/queue").status_code == 401


def test_a_second_browser_keeps_its_own_session_when_the_first_signs_out(app, agents):
    first, second = sign_in(app.test_client()), sign_in(app.test_client())
    sign_out(first)
    assert second.get("/agent/").status_code == 200


def test_the_session_id_is_stored_only_as_a_hash(app, agents):
    browser = sign_in(app.test_client())
    serializer = app.session_interface.get_signing_serializer(app)
    session_id = serializer.loads(session_cookie(browser))["sid"]
    with db.session_for(app) as s:
        hashes = s.scalars(select(AgentSession.id_hash)).all()
    assert len(hashes) == 1 and hashes[0] != session_id and len(hashes[0]) == 64


def test_thirty_minutes_without_activity_end_the_session(app, agents):
    browser = app.test_client()
    with freeze_time(START):
        sign_in(browser)
    with freeze_time(START + timedelta(minutes=29)):
        assert browser.get("/agent/").status_code == 200  # activity: the clock starts again
    with freeze_time(START + timedelta(minutes=58)):
        assert browser.get("/agent/").status_code == 200
    with freeze_time(START + timedelta(minutes=89)):
        response = browser.get("/agent/")
        assert response.status_code == 302
        assert "Votre session a expiré" in text(browser.get(response.headers["Location"]))
    with freeze_time(START + timedelta(minutes=90)):
        assert browser.get("/agent/").status_code == 302  # ended for good, not just this once


def test_the_live_queue_refreshing_itself_does_not_keep_an_idle_session_alive(app, agents):
    browser = app.test_client()
    with freeze_time(START):
        sign_in(browser)
    for minute in range(5, 30, 5):
        with freeze_time(START + timedelta(minutes=minute)):
            assert browser.get("/agent/live/waiting").status_code == 200
    with freeze_time(START + timedelta(minutes=31)):
        assert browser.get("/agent/live/waiting").status_code == 302


def test_an_active_agent_still_signs_in_again_after_the_shift(app, agents):
    browser = app.test_client()
    with freeze_time(START):
        sign_in(browser)
    for minutes in range(20, 9 * 60, 20):
        with freeze_time(START + timedelta(minutes=minutes)):
            assert browser.get("/agent/").status_code == 200
    with freeze_time(START + timedelta(hours=9, minutes=1)):
        response = browser.get("/agent/")
        assert response.status_code == 302
        assert "expired=1" in response.headers["Location"]


def test_the_timeouts_can_be_set_per_site(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'short.db'}", "SECRET_KEY": "k",
                      "TWILIO_AUTH_TOKEN": TOKEN, "AGENT_IDLE_MINUTES": 5, "DEMO": True})
    browser = app.test_client()
    with freeze_time(START):
        sign_in(browser)
    with freeze_time(START + timedelta(minutes=6)):
        assert browser.get("/agent/").status_code == 302


def test_cookies_are_httponly_and_samesite_lax_and_secure_in_production(app, agents, tmp_path, monkeypatch):
    browser = app.test_client()
    response = post_login(browser, "demo", "demo")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # the tests and the demo run over plain http://127.0.0.1
    production = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}", "TWILIO_AUTH_TOKEN": "t",
                              "SECRET_KEY": "a-long-production-secret", "PUBLIC_URL": ""})
    assert production.config["SESSION_COOKIE_SECURE"] is True
    behind_https = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'https.db'}",
                               "TWILIO_AUTH_TOKEN": "t", "SECRET_KEY": "k", "PUBLIC_URL": "https://ivr.example.ca"})
    assert behind_https.config["SESSION_COOKIE_SECURE"] is True
    page = behind_https.test_client().get("/agent/login", base_url="https://ivr.example.ca")
    assert "Secure" in page.headers["Set-Cookie"]


def test_deactivating_an_agent_ends_their_open_sessions(app, agents):
    sam = sign_in(app.test_client(), "sam", "sam-password")
    admin = sign_in(app.test_client())
    page = admin.get("/agent/admin/agents").get_data(as_text=True)
    from ivr.desktop.accounts import find_agent

    with db.session_for(app) as s:
        sam_id = find_agent(s, "sam").id
    done = admin.post(f"/agent/admin/agents/{sam_id}/active", data={"csrf": csrf_of(page), "active": "0"},
                      follow_redirects=True)
    assert "Compte enregistré." in text(done)
    assert sam.get("/agent/").status_code == 302
    assert post_login(app.test_client(), "sam", "sam-password").status_code == 401
