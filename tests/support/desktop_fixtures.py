"""Fixtures for the agent side: a signed-in agent's browser, the recording gateway, an API token."""

from __future__ import annotations

import html
import re

import pytest

from ivr.desktop import accounts
from ivr.desktop.accounts import add_agent, ensure_demo_agent, issue_token
from ivr.store import db


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """Real hashing, fewer rounds: the suite stays fast; production keeps scrypt."""
    monkeypatch.setattr(accounts, "HASH_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def agents(app):
    """The demo agent (demo/demo, token demo-token) and a second, English-speaking agent."""
    with db.session_for(app) as session:
        ensure_demo_agent(session)
        second = add_agent(session, "sam", "sam-password", display_name="Sam Lee", language="en",
                           endpoint="+15145550100")
        token = issue_token(session, second)
    return {"sam_token": token}


def post_login(client, username: str, password: str, **fields: str):
    """Fill in and send the sign-in form as a browser does, with the form's token."""
    token = csrf_of(client.get("/agent/login").get_data(as_text=True))
    return client.post("/agent/login", data={"csrf": token, "username": username, "password": password, **fields})


def sign_in(client, username: str = "demo", password: str = "demo"):
    response = post_login(client, username, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, "the page has no form token"
    return match.group(1)


@pytest.fixture
def desk(app, agents):
    """A browser signed in as the demo agent (who works in French)."""
    return sign_in(app.test_client())


@pytest.fixture
def gateway_log(app):
    """What the recording gateway was asked to do."""
    return app.extensions["ivr.gateway"].actions


def text(response) -> str:
    """The page as an agent reads it (entities such as &#39; turned back into characters)."""
    return html.unescape(response.get_data(as_text=True))

import pytest
from sqlalchemy import select

from ivr.store.models.desktop import Agent


@pytest.fixture
def team(app, agents):
    """Ana is an agent, Sue a supervisor (who works in English), each with a signed-in browser."""
    with db.session_for(app) as s:
        add_agent(s, "ana", "ana-password", role="agent")
        add_agent(s, "sue", "sue-password", role="supervisor", language="en")
    return {name: sign_in(app.test_client(), name, f"{name}-password") for name in ("ana", "sue")}


def agent_id(app, username: str) -> int:
    with app.app_context():
        return db.session().scalar(select(Agent.id).where(Agent.username == username))


def context(client, call_sid: str, lang: str = "en") -> dict:
    response = client.get(f"/agent/api/calls/{call_sid}?lang={lang}", headers={"Authorization": "Bearer demo-token"})
    assert response.status_code == 200
    return response.json
