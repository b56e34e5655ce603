"""The desktop in a real browser (Debian's chromium via Playwright) against a real server.

An agent signs in, sees a caller appear without reloading, opens the context, takes the call
and saves an outcome. Screenshots go to test-artifacts/ (set IVR_UPDATE_SCREENSHOTS=1 to also
refresh docs/screenshots/call-context.png, shown in the README).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from ivr.app import create_app
from ivr.store import db
from ivr.config import ROOT
from ivr.desktop.accounts import ensure_demo_agent
from ivr.store.models.calls import Client, Contact
from ivr.telephony.phone import HttpTransport, PhoneCall
from ivr.services.demo import seed_demo

from tests.conftest import TOKEN
from tests.support.servers import in_thread
from tests.support.browser import browser, server  # noqa: F401 - a real server and chromium
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

ARTIFACTS = ROOT / "test-artifacts"


def test_an_agent_sees_a_caller_arrive_opens_the_context_takes_the_call_and_closes_it(server, browser):
    app, base = server
    ARTIFACTS.mkdir(exist_ok=True)
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="fr-CA")
    page.set_default_timeout(15000)  # generous on a busy CI machine; passing runs take ~1 s

    page.goto(f"{base}/agent/")
    assert "/agent/login" in page.url
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Personne n'attend.")

    # A real call through the webhook, while the page stays open.
    call = PhoneCall(HttpTransport(base), TOKEN).dial()
    call.press("1").press("1").press("100200300").press("19480517").press("0")
    assert call.transferred

    # A locator, not an element handle: the list is replaced every few hundred milliseconds.
    row = page.locator(f"tr.caller[data-call='{call.call_sid}']")
    expect(row).to_contain_text("A fait le 0 après avoir entendu l'état d'une demande de pension de retraite")
    expect(row).to_contain_text("Jeanne Tremblay")
    page.screenshot(path=str(ARTIFACTS / "queue.png"), full_page=True)

    row.locator("a.button").click()
    page.wait_for_selector("h1:has-text('Jeanne Tremblay')")
    body = page.inner_text("main")
    assert "(514) 555-0142" in body
    assert "Vérifié par numéro de client et date de naissance" in body
    assert "A entendu : Votre demande de pension de retraite est approuvée." in body
    assert "3e contact en 7 jours" in body
    assert "Date du premier paiement demandée; lettre à venir." in body
    page.screenshot(path=str(ARTIFACTS / "call-context.png"), full_page=True)
    if os.environ.get("IVR_UPDATE_SCREENSHOTS"):
        shutil.copyfile(ARTIFACTS / "call-context.png", ROOT / "docs" / "screenshots" / "call-context.png")

    page.click("#take")
    page.wait_for_selector("text=Connexion en cours : Client vérifié, Français, État d'une demande")
    assert app.extensions["ivr.gateway"].actions[0]["call_sid"] == call.call_sid

    page.select_option("select[name=outcome]", "information_given")
    page.fill("textarea[name=note]", "Date du premier paiement expliquée.")
    page.click("#save")
    page.wait_for_selector("text=Contact enregistré dans l'historique du client.")
    saved = page.locator("table.contacts tr.this-call")  # the contact just saved, under the earlier ones
    expect(saved).to_contain_text("Date du premier paiement expliquée.")
    expect(saved).to_contain_text("Cet appel")
    page.screenshot(path=str(ARTIFACTS / "closed.png"), full_page=True)
    page.close()
