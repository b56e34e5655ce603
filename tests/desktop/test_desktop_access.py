"""Only signed-in agents and holders of a token see callers; nothing personal leaks before that."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from freezegun import freeze_time

from tests.support.desktop_fixtures import agents, quick_password_hashing, csrf_of, desk, post_login, sign_in, text  # noqa: F401


def test_the_desktop_sends_a_stranger_to_the_sign_in_page(client, agents, phone):
    phone().press("1").press("1").press("100200300").press("19480517").press("0")
    response = client.get("/agent/")
    assert response.status_code == 302
    assert "/agent/login" in response.headers["Location"]
    page = text(client.get(response.headers["Location"]))
    assert "Connexion de l'agent" in page
    for personal in ("Jeanne", "Tremblay", "100200300", "514", "0142"):
        assert personal not in page


def test_the_site_root_leads_to_the_desktop_and_the_browsers_icon_is_ours(client, agents):
    root = client.get("/")
    assert root.status_code == 302 and root.headers["Location"].endswith("/agent/")
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert "max-age" in icon.headers["Cache-Control"]
    page = client.get("/agent/login").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.ico">' in page  # same origin: the CSP's img-src 'self'


def test_a_call_page_without_sign_in_redirects_and_shows_nothing(client, agents, phone):
    call = phone().press("0")
    response = client.get(f"/agent/calls/{call.call_sid}")
    assert response.status_code == 302
    shown = response.data.replace(call.call_sid.encode(), b"")  # a CallSid's hex digits may hold "514" by chance
    assert b"Jeanne" not in shown and b"514" not in shown


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, agents):
    response = post_login(client, "demo", "nope")
    assert response.status_code == 401
    assert "Le nom d'utilisateur ou le mot de passe est incorrect" in text(response)
    unknown = post_login(client, "ghost", "nope")
    assert unknown.status_code == 401


def test_the_demo_agent_signs_in_and_sees_the_queue(desk):
    page = text(desk.get("/agent/"))
    assert "Appelants en attente" in page
    assert "Personne n'attend." in page


def test_signing_in_returns_to_the_page_asked_for_but_never_to_another_site(client, agents):
    response = post_login(client, "demo", "demo", next="/agent/calls/CA123")
    assert response.headers["Location"].endswith("/agent/calls/CA123")
    client.get("/agent/")
    other = post_login(client, "demo", "demo", next="//evil.example/agent/")
    assert other.headers["Location"].endswith("/agent/")
    assert "evil" not in other.headers["Location"]


def test_a_session_expires_after_the_shift(app, agents):
    client = app.test_client()
    start = datetime(2026, 11, 23, 13, 0, tzinfo=timezone.utc)
    with freeze_time(start):
        sign_in(client)
        assert client.get("/agent/").status_code == 200
    with freeze_time(start + timedelta(hours=9, minutes=1)):
        response = client.get("/agent/")
        assert response.status_code == 302
        page = text(client.get(response.headers["Location"]))
        assert "Votre session a expiré" in page


def test_the_api_answers_401_without_a_token_or_with_a_wrong_one(client, agents):
    assert client.get("/agent/api/queue").status_code == 401
    wrong = client.get("/agent/api/queue", headers={"Authorization": "Bearer not-a-token"})
    assert wrong.status_code == 401
    assert wrong.json["error"] == "unauthorized"
    assert "ivr agent token" in wrong.json["message"]
    assert client.get("/agent/api/clients/100200300/contacts",
                      headers={"Authorization": "Basic ZGVtbzpkZW1v"}).status_code == 401


def test_the_api_accepts_a_token_made_for_an_agent_and_the_demo_token(client, agents):
    for token in (agents["sam_token"], "demo-token"):
        response = client.get("/agent/api/queue", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        assert response.json["waiting"] == []


def test_the_api_also_answers_a_signed_in_agent(desk):
    assert desk.get("/agent/api/queue").status_code == 200


def test_tokens_are_stored_hashed(app, agents):
    from sqlalchemy import select

    from ivr.store import db
    from ivr.store.models.desktop import Agent, AgentToken

    with db.session_for(app) as session:
        hashes = session.scalars(select(AgentToken.token_hash)).all()
        passwords = session.scalars(select(Agent.password_hash)).all()
    assert agents["sam_token"] not in hashes and "demo-token" not in hashes
    assert all(len(h) == 64 for h in hashes)
    assert "demo" not in passwords and all(p.startswith(("scrypt:", "pbkdf2:")) for p in passwords)


def test_a_form_without_its_token_is_refused(desk, phone):
    call = phone().press("0")
    response = desk.post(f"/agent/calls/{call.call_sid}/take", data={})
    assert response.status_code == 400
    page = desk.get(f"/agent/calls/{call.call_sid}").get_data(as_text=True)
    ok = desk.post(f"/agent/calls/{call.call_sid}/take", data={"csrf": csrf_of(page)})
    assert ok.status_code == 302


def test_the_agent_switches_the_desktop_to_english(desk):
    token = csrf_of(desk.get("/agent/").get_data(as_text=True))
    desk.post("/agent/language/en", data={"csrf": token, "next": "/agent/"})
    page = text(desk.get("/agent/"))
    assert "Waiting callers" in page and "Nobody is waiting." in page


def test_the_access_log_masks_the_client_number_in_the_contacts_url(app, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info('127.0.0.1 - - "GET /agent/api/clients/100200300/contacts HTTP/1.1" 200 -')
    assert "100200300" not in caplog.text
    assert "/agent/api/clients/•••-•••-300/contacts" in caplog.text
