"""Helpers shared by tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from ivr.app import create_app
from ivr.desktop.accounts import ensure_demo_agent
from ivr.services.demo import seed_demo
from ivr.store import db
from ivr.store.models.calls import Client, Contact
from tests.conftest import TOKEN
from tests.support.servers import in_thread

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def server(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'browser.db'}",
                      "TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": "browser-secret", "PUBLIC_URL": "",
                      "DESKTOP_POLL_MS": 300})
    now = datetime.now(timezone.utc)
    with db.session_for(app) as session:
        seed_demo(session)
        ensure_demo_agent(session)
        jeanne = session.scalar(select(Client).where(Client.client_number == "100200300"))
        session.add_all([
            Contact(client_id=jeanne.id, at=now - timedelta(days=3), channel="ivr", subject="status",
                    outcome="resolved_in_ivr"),
            Contact(client_id=jeanne.id, at=now - timedelta(days=1), channel="phone", subject="payment",
                    outcome="information_given", note="Date du premier paiement demandée; lettre à venir."),
        ])
    with in_thread(app) as url:
        yield app, url


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def watched_page(browser, **options):
    """A new page (Playwright's new_page options) and the list of what goes wrong on it: console errors
    (CSP violations are some), answers of 400 and above (the browser's own /favicon.ico included),
    failed loads (a poll cut short by leaving the page, net::ERR_ABORTED, is not one)."""
    page = browser.new_page(**options)
    page.set_default_timeout(15000)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("response", lambda response: problems.append(f"{response.status}: {response.url}")
            if response.status >= 400 else None)
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url} {request.failure}")
            if request.failure != "net::ERR_ABORTED" else None)
    return page, problems
