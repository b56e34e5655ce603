"""The one clock (ivr/clock.py): held at a moment and moved by hand, for the request it runs and no other thread."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ivr import clock

PAST = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)


def test_a_held_clock_says_the_moment_it_is_put_at_and_moves_only_when_told():
    with clock.held_at(PAST) as held:
        assert clock.now() == PAST
        held.tick(90)
        assert clock.now() == PAST + timedelta(seconds=90)
        held.move_to(datetime(2026, 11, 2, 9, 0, tzinfo=timezone(timedelta(hours=-5))))
        assert clock.now() == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
        assert held.seconds() == clock.now().timestamp()
    assert clock.now() - datetime.now(UTC) < timedelta(seconds=5)


def test_another_thread_keeps_the_wall_clock_while_one_is_held():
    seen = []
    with clock.held_at(PAST):
        worker = threading.Thread(target=lambda: seen.append(clock.now()))
        worker.start()
        worker.join()
    assert seen[0] > PAST + timedelta(days=1)


def test_a_naive_moment_is_refused_with_the_fix():
    with pytest.raises(ValueError, match="aware"):
        with clock.held_at(datetime(2026, 11, 2, 14, 30)):
            pass
