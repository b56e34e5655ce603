"""A callback promised "today" is due on the contact centre's day (flows/hours.yaml's timezone), not
UTC's: at 21:50 in Montréal (02:50 UTC the next day) with agents always available (the demo, no hours
loaded), the caller is told "today" and the desktop lists the callback for that same local day.
Rule: ivr.calls.waiting.callback_due, via ivr.services.changes.local_zone."""

from __future__ import annotations

from freezegun import freeze_time

from tests.support.desktop_fixtures import agents, desk, quick_password_hashing  # noqa: F401
from tests.support.journeys import on_hold_offered_a_callback as on_hold, open_callbacks


def test_a_callback_promised_today_late_in_the_evening_is_due_that_local_day_not_utcs(app, desk, phone):
    with freeze_time("2026-12-01 02:50"):  # Monday 30 November, 21:50 in America/Toronto
        call = on_hold(phone).press("1")
    assert "An agent will call you back today at (514) 555-0142." in call.heard_all()
    [callback] = open_callbacks(app, "+15145550142")
    assert str(callback.due) == "2026-11-30"
