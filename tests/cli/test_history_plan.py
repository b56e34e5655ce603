"""The plan of `ivr seed --demo --history`: when people call, in which language, who calls again (no database)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

from ivr.cli.history import Kind, QueueEnd, default_weeks, plan_history
from ivr.cli.playback import demo_callers
from ivr.engine.hours import Hours

HOURS = Hours.from_file(Path(__file__).resolve().parents[2] / "flows" / "hours.yaml")
LAST_DAY = date(2026, 11, 29)


def plan(calls: int, seed: int = 16, weeks: int | None = None):
    return plan_history(calls, weeks or default_weeks(calls), LAST_DAY, HOURS.zone, seed, demo_callers(), HOURS.is_open)


def test_a_thousand_calls_are_mostly_french_mostly_in_the_agents_hours_and_all_in_the_weeks_asked():
    calls = plan(1000)
    first = datetime.combine(LAST_DAY - timedelta(weeks=20, days=-1), datetime.min.time(), tzinfo=HOURS.zone)
    end = datetime.combine(LAST_DAY + timedelta(days=1), datetime.min.time(), tzinfo=HOURS.zone)
    assert len(calls) == 1000 and default_weeks(1000) == 20
    assert all(first <= call.at < end for call in calls)
    assert [call.at for call in calls] == sorted(call.at for call in calls)
    french = sum(call.language == "fr" for call in calls) / len(calls)
    assert 0.55 <= french <= 0.65
    in_hours = sum(HOURS.is_open(call.at) for call in calls) / len(calls)
    assert 0.75 <= in_hours <= 0.92
    assert sum(call.at.astimezone(HOURS.zone).weekday() >= 5 for call in calls) > 0


def test_demo_clients_call_again_on_the_same_subject_within_a_week_and_on_another_later():
    calls = [call for call in plan(40) if call.client is not None]
    subject = {Kind.STATUS: "status", Kind.STATUS_THEN_AGENT: "status"}
    by_client: dict[str, list] = {}
    for call in calls:
        by_client.setdefault(call.client.client_number, []).append(call)
    gaps = [(later.at - earlier.at, subject.get(earlier.kind, "address") == subject.get(later.kind, "address"))
            for own in by_client.values() for earlier, later in zip(own, own[1:])]
    assert any(gap <= timedelta(days=7) and same for gap, same in gaps)
    assert any(not same for gap, same in gaps)


def test_every_kind_and_every_way_out_of_the_queue_happen_whatever_the_seed():
    for seed in range(5):
        calls = plan(40, seed=seed)
        assert set(Kind) <= {call.kind for call in calls} | {Kind.LEFT_DURING_CHANGE, Kind.ADDRESS_AND_PHONE}
        queued = Counter(call.queue_end for call in calls if call.kind is Kind.ASKED_FOR_AGENT and HOURS.is_open(call.at))
        assert queued[QueueEnd.HUNG_UP] and queued[QueueEnd.CALLBACK] and queued[QueueEnd.ANSWERED]
        assert any(call.kind is Kind.ASKED_FOR_AGENT and not HOURS.is_open(call.at) for call in calls)


def test_the_same_seed_draws_the_same_plan():
    assert plan(200, seed=5) == plan(200, seed=5) != plan(200, seed=6)
