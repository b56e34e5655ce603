"""The Flows page in a real browser: the pictures load under the desktop's strict CSP, nothing is blocked."""

from __future__ import annotations

import pytest

from ivr.content import graphviz

from tests.support.browser import browser, server, watched_page  # noqa: F401 - the same real server and chromium


@pytest.mark.skipif(not graphviz.available(), reason="Graphviz (dot) is not installed")
def test_an_agent_opens_the_flows_page_from_the_menu_and_sees_every_picture(server, browser):  # noqa: F811
    from playwright.sync_api import expect

    app, base = server
    page, problems = watched_page(browser, viewport={"width": 1280, "height": 1000}, locale="fr-CA")

    page.goto(f"{base}/agent/")
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Personne n'attend.")

    page.click("header nav a:has-text('Parcours')")
    page.wait_for_selector("h1:has-text('Parcours')")
    pictures = page.locator("figure.flow-picture img")
    assert pictures.count() == len(app.extensions["ivr.flows"].current.flows)
    for index in range(pictures.count()):  # the pictures load lazily, as the agent scrolls to them
        pictures.nth(index).scroll_into_view_if_needed()
        expect(pictures.nth(index)).to_have_js_property("complete", True)
    widths = pictures.evaluate_all("images => images.map(img => img.naturalWidth)")
    assert all(width > 0 for width in widths), widths
    assert "Schéma du parcours : L'accueil dans les deux langues officielles" in page.inner_html("main")
    assert problems == []
    page.close()
