"""The Reports page's volume by hour counts calls by their start alone (offered_by_period), not with a
second whole report by the hour: the same counts as that report's offered calls, hour by hour."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from ivr.engine.costs import DEFAULTS
from ivr.services.reports import ALL_LANGUAGES, By, build_report, offered_by_period
from ivr.store import db

from tests.support.reports import app, make_history  # noqa: F401 - the line with agents' hours in force

ZONE = ZoneInfo("America/Toronto")


@pytest.fixture
def history(app, phone):
    make_history(phone)


@pytest.mark.parametrize("by", [By.HOUR, By.DAY, By.WEEK])
def test_the_calls_offered_in_each_period_are_the_reports_offered_calls(app, history, by):
    with app.app_context(), db.engine().connect() as connection:
        counted = offered_by_period(connection, date(2026, 11, 9), date(2026, 11, 19), by, ZONE)
        report = build_report(connection, date(2026, 11, 9), date(2026, 11, 19), by, ZONE, DEFAULTS)
    expected = [(f.period, f.offered) for f in report.figures if f.language == ALL_LANGUAGES and f.period != "total"]
    assert counted == expected
    assert sum(calls for _, calls in counted) == report.total().offered > 0


def test_a_period_without_calls_offers_none_in_each_hour(app, history):
    with app.app_context(), db.engine().connect() as connection:
        counted = offered_by_period(connection, date(2026, 10, 1), date(2026, 10, 1), By.HOUR, ZONE)
    assert len(counted) == 24 and {calls for _, calls in counted} == {0}
