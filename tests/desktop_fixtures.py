"""Fixtures for the agent side: a signed-in agent's browser, the recording gateway, an API token."""

from __future__ import annotations

import html
import re

import pytest

from ivr.store import db
from ivr.desktop import accounts
from ivr.desktop.accounts import add_agent, ensure_demo_agent, issue_token


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
