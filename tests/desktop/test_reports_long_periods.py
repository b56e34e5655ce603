"""The Reports page and its API over the longest period they allow (399 days, both ends included), on a
line like the demo's, whose agents are always in (no hours in force, so the time zone comes from
flows/hours.yaml on disk). The page read that file once per hour of the period (a year by day took 19 s);
the work is counted here, not timed: timings belong to bench/."""

from __future__ import annotations

from ivr.desktop import reports_page
from ivr.desktop.accounts import DEMO_TOKEN, add_agent
from ivr.store import db

from tests.support.desktop_fixtures import agents, quick_password_hashing, sign_in  # noqa: F401

YEAR = "from=2025-11-01&to=2026-12-04"  # 399 days: the most one request may ask for


def test_a_year_on_the_page_reads_the_time_zone_a_few_times_not_once_per_hour(app, agents, monkeypatch):
    with db.session_for(app) as session:
        add_agent(session, "sue", "sue-password", role="supervisor", language="fr")
    sue = sign_in(app.test_client(), "sue", "sue-password")
    asked = []
    real = reports_page.local_zone
    monkeypatch.setattr(reports_page, "local_zone", lambda: asked.append(1) or real())
    page = sue.get(f"/agent/reports?{YEAR}&by=day")
    assert page.status_code == 200 and "Appels reçus" in page.get_data(as_text=True)
    assert 1 <= len(asked) <= 4  # 399 days hold 9 576 hours: one read each would be thousands


def test_a_year_by_the_hour_from_the_api_has_every_hour_of_the_period(app, agents):
    api = app.test_client().get(f"/agent/api/reports?{YEAR}&by=hour", headers={"Authorization": f"Bearer {DEMO_TOKEN}"})
    assert api.status_code == 200
    periods = {row["period"] for row in api.get_json()["figures"] if row["period"] != "total"}
    # Local hours: two autumn hours gained (2 November 2025, 1 November 2026), one spring hour lost (8 March 2026);
    # each label carries its UTC offset, so the hour repeated when clocks fall back is there twice, told apart.
    assert len(periods) == 399 * 24 + 1
    assert {"2025-11-02T01:00-04:00", "2025-11-02T01:00-05:00"} <= periods and "2026-03-08T02:00-05:00" not in periods
