"""The Reports page and its API over the longest period they allow (400 days): answered in seconds, on a
line like the demo's, whose agents are always in (no hours in force, so the time zone comes from
flows/hours.yaml on disk). Timed with wide margins: before, the page took 19 s for a year by day (its
chart by hour cut the year into 9 600 hours in 10 s, then read hours.yaml once for each)."""

from __future__ import annotations

import time

from ivr.desktop.accounts import DEMO_TOKEN, add_agent
from ivr.store import db

from tests.support.desktop_fixtures import agents, quick_password_hashing, sign_in  # noqa: F401

YEAR = "from=2025-11-01&to=2026-12-04"  # 399 days: the most one request may ask for
SECONDS = 8.0
"""Far above what it takes now (1 to 3 s), far below what it took (10 to 20 s)."""


def timed(ask):
    started = time.perf_counter()
    answer = ask()
    return answer, time.perf_counter() - started


def test_a_supervisor_gets_a_year_on_the_page_and_by_the_hour_from_the_api_in_seconds(app, agents):
    with db.session_for(app) as session:
        add_agent(session, "sue", "sue-password", role="supervisor", language="fr")
    sue = sign_in(app.test_client(), "sue", "sue-password")
    page, seconds = timed(lambda: sue.get(f"/agent/reports?{YEAR}&by=day"))
    assert page.status_code == 200 and "Appels reçus" in page.get_data(as_text=True)
    assert seconds < SECONDS
    api, seconds = timed(lambda: app.test_client().get(f"/agent/api/reports?{YEAR}&by=hour",
                                                       headers={"Authorization": f"Bearer {DEMO_TOKEN}"}))
    assert api.status_code == 200 and seconds < SECONDS
