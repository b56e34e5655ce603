"""The report's figures, checked against a hand count of known journeys made through the signed webhook.

Tuesday 10 November 2026 in Montréal (agents answer 08:00-17:00, America/Toronto):
  A 10:00 fr  Jeanne hears her status, hangs up                     completed, contained
  B 10:05 en  Robert hears his status, presses 0, answered after 40 s completed, then a transfer;
              after the agent, silence at the question                 a survey skipped (agent)
  C 10:10 fr  a caller presses 0 at the menu, hangs up after 100 s   abandoned in the queue
  D 10:20 fr  a caller chooses the status, hangs up at the number    abandoned in the IVR
  E 23:59 fr  Marc hears his status after midnight, says goodbye     completed on the 10th, contained
  F 20:00 fr  a caller asks for an agent after hours                 after hours
Thursday 12, 10:00: Jeanne changes her address (a repeat on another subject, within 7 days of A),
  says goodbye and gives 4 at the end-of-call question (self-service, address).
Thursday 19, 11:00: Jeanne asks her status again (a repeat on the same subject, 9 days after A).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from ivr.engine.costs import DEFAULTS
from ivr.services.reports import ALL_LANGUAGES, By, build_report
from ivr.store import db

from tests.support.reports import app, make_history  # noqa: F401 - the line with agents' hours in force
from tests.support.reports import JEANNE
from tests.support.reports import status_call_of as status

ZONE = ZoneInfo("America/Toronto")


@pytest.fixture
def report(app, phone):
    make_history(phone)

    def build(starts=date(2026, 11, 10), ends=date(2026, 11, 19), by=By.DAY):
        with app.app_context(), db.engine().connect() as connection:
            return build_report(connection, starts, ends, by, ZONE, DEFAULTS)

    return build


def test_every_call_counts_once_on_the_local_day_it_began_even_across_midnight(report):
    days = report()
    tuesday, wednesday = days.find("2026-11-10"), days.find("2026-11-11")
    assert tuesday.offered == 6 and wednesday.offered == 0
    assert (days.find("2026-11-10", "fr").offered, days.find("2026-11-10", "en").offered) == (5, 1)
    assert tuesday.completed_by_service == {"status": 3}  # Jeanne, Robert, and Marc after midnight
    assert days.total().offered == 8 and sum(days.total().offered_by_version.values()) == 8
    assert days.find("2026-11-11").repeats.contacts == 1  # Marc's contact is recorded when his call ended


def test_a_caller_sent_to_an_agent_after_completing_is_completed_and_a_transfer_but_not_contained(report):
    english = report().find("2026-11-10", "en").outcomes
    assert (english.completed, english.completed_then_sent, english.sent_to_agents, english.contained) == (1, 1, 1, 0)
    tuesday = report().find("2026-11-10").outcomes
    assert (tuesday.completed, tuesday.contained, tuesday.completed_then_sent) == (3, 2, 1)


def test_hanging_up_before_completing_is_abandoned_in_the_ivr_and_never_contained(report):
    french = report().find("2026-11-10", "fr").outcomes
    assert french.abandoned_in_ivr == 1  # D; Jeanne hung up too, after hearing her status: contained
    assert french.contained == 2


def test_the_queue_counts_the_answered_wait_and_the_one_abandoned(report):
    queue = report().total().queue
    assert (queue.answered, queue.hung_up) == (1, 1)
    assert (queue.waits, queue.mean_wait_seconds, queue.p90_wait_seconds, queue.longest_wait_seconds) == (1, 40.0, 40, 40)
    assert queue.answered_within_target == 1 and queue.service_level == 0.5


def test_callers_left_for_an_agent_by_reason_and_by_the_step_they_left_from(report):
    tuesday = report().find("2026-11-10")
    assert tuesday.sent_by_reason == {"asked_for_agent": 2, "after_hours": 1}
    assert tuesday.sent_by_step == {"main/menu": 2, "status/after_status": 1}
    status = tuesday.funnels[0]
    assert (status.service, status.called, status.chose, status.identified, status.verified, status.completed) == (
        "status", 6, 4, 3, 3, 3)
    assert status.drop_offs == {"chose": 2, "identified": 1, "verified": 0, "completed": 0}
    address = report().total().funnels[1]
    assert (address.chose, address.identified, address.verified, address.completed) == (1, 1, 1, 1)


def test_repeats_count_another_subject_within_7_days_and_the_same_one_past_the_7_day_boundary(report):
    total = report().total()
    repeats = total.repeats
    assert repeats.contacts == 4  # A, Marc, the address change, the status again
    assert (repeats.again_7_days, repeats.again_30_days) == (1, 2)
    assert (repeats.same_subject_7_days, repeats.same_subject_30_days) == (0, 1)
    assert repeats.first_contact_resolution == 1.0
    assert total.outcomes.contained == 4  # Jeanne's status call stays contained: her status came back on day 9


def test_cost_counts_the_ivr_rate_per_call_plus_an_agent_for_the_answered_one(report):
    cost = report().total().cost
    assert cost.contacts == {"web": 0, "ivr": 8, "email": 0, "agent_call": 1}
    assert cost.cost == Decimal("19.30") and cost.all_by_agent == Decimal("36.00") and cost.saving == Decimal("16.70")


def test_hours_are_the_contact_centres_and_weeks_start_on_monday(report):
    hours = report(date(2026, 11, 10), date(2026, 11, 10), By.HOUR)
    assert hours.find("2026-11-10T10:00-05:00").offered == 4
    assert hours.find("2026-11-10T20:00-05:00").offered == 1 and hours.find("2026-11-10T23:00-05:00").offered == 1
    assert len([f for f in hours.figures if f.language == ALL_LANGUAGES]) == 25
    weeks = report(date(2026, 11, 10), date(2026, 11, 19), By.WEEK)
    assert [f.period for f in weeks.figures if f.language == ALL_LANGUAGES] == ["total", "2026-11-10", "2026-11-16"]
    assert weeks.find("2026-11-16").offered == 1


def test_what_callers_think_counts_a_score_and_a_skipped_question_per_service_outcome_and_flow_version(report):
    total = report().total()
    (version,) = total.offered_by_version
    scores = {(s.service, s.outcome, s.flow_version): (s.asked, s.answered, s.skipped, s.mean) for s in total.scores}
    assert scores == {("address", "self_service", version): (1, 1, 0, 4.0), ("agent", "agent", version): (1, 0, 1, None)}
    (french,) = report().find("2026-11-12", "fr").scores
    assert (french.service, french.answered, french.mean) == ("address", 1, 4.0)
    (english,) = report().find("2026-11-10", "en").scores
    assert (english.service, english.skipped) == ("agent", 1)
    assert report().find("2026-11-19").scores == ()


def test_what_callers_think_is_counted_by_whole_days_only_since_an_answer_keeps_no_time_of_day(report):
    hours = report(date(2026, 11, 10), date(2026, 11, 10), By.HOUR)
    assert all(f.scores == () for f in hours.figures if f.period != "total")
    assert [(s.service, s.skipped) for s in hours.total().scores] == [("agent", 1)]
    weeks = report(date(2026, 11, 10), date(2026, 11, 19), By.WEEK)
    assert sum(s.asked for s in weeks.find("2026-11-10").scores) == 2


def test_a_callback_asked_after_hours_and_done_next_morning_counts_its_delay_and_one_agent_call(app, phone):
    from sqlalchemy import select

    from ivr.desktop.accounts import ensure_demo_agent
    from ivr.desktop.service import finish_callback
    from ivr.store.models.desktop import Callback

    with freeze_time("2026-11-27 22:00:00"):  # Friday 17:00 in Montréal: agents have left
        call = status(phone("+15145550142").press("1"), JEANNE).press("0")
        call.press("1").press("1")
        assert call.hung_up
    with freeze_time("2026-11-30 13:30:00"), db.session_for(app) as session:  # Monday 08:30
        callback = session.scalar(select(Callback))
        finish_callback(session, callback, ensure_demo_agent(session), "", datetime.now(timezone.utc), "status")
    with app.app_context(), db.engine().connect() as connection:
        friday = build_report(connection, date(2026, 11, 27), date(2026, 11, 30), By.DAY, ZONE, DEFAULTS)
    callbacks = friday.total().callbacks
    assert (callbacks.requested, callbacks.done) == (1, 1)
    assert callbacks.mean_delay_seconds == callbacks.longest_delay_seconds == (2 * 24 + 15.5) * 3600
    assert friday.total().sent_by_reason == {"after_hours": 1}
    assert friday.total().cost.contacts["agent_call"] == 1
    assert friday.find("2026-11-30").repeats.by_channel == {"phone": 1}  # the callback is a contact on Monday


def test_a_report_cut_by_the_hour_over_399_days_has_every_local_hour_once(app):
    """9 577 hours (two autumn hours more, a spring hour fewer), each its own period. How long the cut
    takes (by sorting, not by comparing each period with every other: 22 s before, about 1 s after) is
    the benchmark's to say, not a test's."""
    with app.app_context(), db.engine().connect() as connection:
        report = build_report(connection, date(2025, 11, 1), date(2026, 12, 4), By.HOUR, ZoneInfo("America/Toronto"),
                              DEFAULTS)
    hours = [f.period for f in report.figures if f.period != "total" and f.language == ALL_LANGUAGES]
    assert len(hours) == len(set(hours)) == 399 * 24 + 1
