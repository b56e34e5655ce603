"""The Reports page in a real browser (Debian's chromium via Playwright), in French and in English.

A known history (tests/support/reports.py) is made through the signed webhook; a supervisor signs in,
picks the period with the page's own form, reads the comparison, sees each chart followed by its data
table, and downloads the CSV, under the desktop's strict CSP: no console error (a CSP violation is
one), no failed load. Screenshots go to test-artifacts/ (the whole page, and its top as the README
shows it); `make screenshots` (IVR_UPDATE_SCREENSHOTS=1) also refreshes docs/screenshots/reports-*.png.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path

import pytest

from ivr.config import ROOT
from ivr.desktop.accounts import ensure_demo_agent
from ivr.store import db

from tests.support.browser import browser, watched_page  # noqa: F401 - chromium
from tests.support.reports import app, make_history  # noqa: F401 - the line with agents' hours in force
from tests.support.servers import in_thread

ARTIFACTS = ROOT / "test-artifacts"
SHOWN = ROOT / "docs" / "screenshots"
FROM, TO = "2026-11-10", "2026-11-19"

WORDS = {
    "fr": {"title": "Rapports", "show": "Afficher", "offered": "Appels reçus", "csv": "Télécharger",
           "saving": "Économie :", "by_hour": "Appels par heure"},
    "en": {"title": "Reports", "show": "Show", "offered": "Calls offered", "csv": "Download",
           "saving": "Saving:", "by_hour": "Calls by hour"},
}


@pytest.fixture
def server(app):
    with db.session_for(app) as session:
        ensure_demo_agent(session)  # demo / demo, an administrator: supervisors' pages too
    with in_thread(app) as url:
        yield app, url


@pytest.fixture
def history(app, phone):
    make_history(phone)


def open_reports(browser, base: str, language: str):  # noqa: F811
    """A supervisor signed in, on the Reports page of the default period; and what went wrong on the way."""
    page, problems = watched_page(browser, viewport={"width": 1280, "height": 1800}, locale=f"{language}-CA",
                                  accept_downloads=True)
    page.goto(f"{base}/agent/login?lang={language}")
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/agent/reports")
    if page.get_attribute("html", "lang") != language:  # the demo agent works in French: the header's switch
        page.click(f"form[action$='/language/{language}'] button")
        page.wait_for_selector(f"html[lang={language}]")
    page.wait_for_selector(f"h1:has-text('{WORDS[language]['title']}')")
    return page, problems


def charts_and_their_tables(page) -> list[tuple[str, str]]:
    """For each chart: its title, and the caption of the first data table after it in its section."""
    return page.locator("svg.chart").evaluate_all("""charts => charts.map(chart => {
        let next = chart.nextElementSibling;
        while (next && !(next.tagName === 'TABLE' && next.classList.contains('chart-data'))) {
            next = next.nextElementSibling;
        }
        return [chart.querySelector('title').textContent, next ? next.querySelector('caption').textContent : ''];
    })""")


def comparison(page) -> dict[str, list[str]]:
    rows = page.locator("#comparison tbody tr").evaluate_all(
        "rows => rows.map(row => [...row.children].map(cell => cell.textContent.trim()))")
    return {label: values for label, *values in rows}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_supervisor_picks_a_period_reads_the_charts_and_their_tables_and_downloads_the_csv(
        server, history, browser, language):  # noqa: F811
    app, base = server
    words = WORDS[language]
    page, problems = open_reports(browser, base, language)

    page.fill("input[name=from]", FROM)
    page.fill("input[name=to]", TO)
    page.select_option("select[name=by]", "day")
    page.click(f"form.period button:has-text('{words['show']}')")
    page.wait_for_url(f"**/agent/reports?from={FROM}&to={TO}&by=day")
    assert page.input_value("input[name=from]") == FROM and page.input_value("input[name=to]") == TO
    assert page.locator("p.quick a").count() == 3  # last day, 7 days, 30 days

    assert comparison(page)[words["offered"]][:2] == ["8", "0"]  # this period, the previous one (empty)
    pairs = charts_and_their_tables(page)
    assert len(pairs) >= 7
    for title, caption in pairs:
        assert caption and caption in title, (title, caption)  # each chart is followed by its own table
    assert any(words["by_hour"] in title for title, _ in pairs)
    assert page.locator("svg.chart rect").count() > 24
    assert words["saving"] in page.inner_text("main")

    with page.expect_download() as download:
        page.click(f"a:has-text('{words['csv']}')")
    assert download.value.suggested_filename == f"report-{FROM}-{TO}-day.csv"
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert rows[0] == ["period", "language", "figure", "value"]
    assert ["total", "*", "offered", "8"] in rows

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"reports-{language}-whole.png"), full_page=True)
    page.screenshot(path=str(ARTIFACTS / f"reports-{language}.png"))  # the top: picker, comparison, a funnel
    if os.environ.get("IVR_UPDATE_SCREENSHOTS"):
        shutil.copyfile(ARTIFACTS / f"reports-{language}.png", SHOWN / f"reports-{language}.png")
    assert problems == []
    page.close()


def test_on_a_fresh_install_the_page_draws_empty_charts_without_an_error(server, browser):  # noqa: F811
    page, problems = open_reports(browser, server[1], "en")
    assert comparison(page)["Calls offered"][:2] == ["0", "0"]
    assert len(charts_and_their_tables(page)) >= 5
    assert "No answers yet." in page.inner_text("main")
    assert problems == []
    page.close()
