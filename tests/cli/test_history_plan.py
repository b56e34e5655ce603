"""The plan of `ivr seed --demo --history`: when people call, in which language, who calls again (no database)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from ivr.cli.history import Kind, QueueEnd, default_weeks, plan_history
from ivr.cli.playback import demo_callers, history_callers, pool_size
from ivr.engine.hours import Hours

HOURS = Hours.from_file(Path(__file__).resolve().parents[2] / "flows" / "hours.yaml")
LAST_DAY = date(2026, 11, 29)


def plan(calls: int, seed: int = 16, weeks: int | None = None):
    return plan_history(calls, weeks or default_weeks(calls), LAST_DAY, HOURS.zone, seed, history_callers(calls),
                        HOURS.is_open)


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


SUBJECT = {Kind.STATUS: "status", Kind.STATUS_THEN_AGENT: "status"}


def follow_ups(calls) -> tuple[dict[str, list], list[tuple[timedelta, bool]]]:
    """The clients' calls by client number, and each client call's next one: (gap, same subject)."""
    by_client: dict[str, list] = {}
    for call in calls:
        if call.client is not None:
            by_client.setdefault(call.client.client_number, []).append(call)
    gaps = [(later.at - earlier.at, SUBJECT.get(earlier.kind, "address") == SUBJECT.get(later.kind, "address"))
            for own in by_client.values() for earlier, later in zip(own, own[1:])]
    return by_client, gaps


def test_clients_call_again_on_the_same_subject_within_a_week_and_on_another_later():
    _, gaps = follow_ups(plan(40))
    assert any(gap <= timedelta(days=7) and same for gap, same in gaps)
    assert any(not same for gap, same in gaps)


@pytest.mark.parametrize("calls", [40, 1000, 10_000])
def test_most_clients_call_once_and_a_sixth_of_their_calls_come_back_within_a_week_whatever_n(calls):
    planned = plan(calls)
    by_client, gaps = follow_ups(planned)
    client_calls = sum(len(own) for own in by_client.values())
    assert 0.40 <= client_calls / calls <= 0.50
    assert sum(len(own) == 1 for own in by_client.values()) / len(by_client) >= 0.55
    assert len(by_client) <= len(demo_callers()) + pool_size(calls)
    within_a_week = [same for gap, same in gaps if gap < timedelta(days=7)]
    assert 0.12 <= len(within_a_week) / client_calls <= 0.20
    assert all(within_a_week), "a client's other subject comes 8 days later or more"


def test_every_kind_and_every_way_out_of_the_queue_happen_whatever_the_seed():
    for seed in range(5):
        calls = plan(40, seed=seed)
        assert set(Kind) <= {call.kind for call in calls} | {Kind.LEFT_DURING_CHANGE, Kind.ADDRESS_AND_PHONE}
        queued = Counter(call.queue_end for call in calls if call.kind is Kind.ASKED_FOR_AGENT and HOURS.is_open(call.at))
        assert queued[QueueEnd.HUNG_UP] and queued[QueueEnd.CALLBACK] and queued[QueueEnd.ANSWERED]
        assert any(call.kind is Kind.ASKED_FOR_AGENT and not HOURS.is_open(call.at) for call in calls)


def test_the_same_seed_draws_the_same_plan():
    assert plan(200, seed=5) == plan(200, seed=5) != plan(200, seed=6)
