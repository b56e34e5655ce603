"""The one clock of the IVR (LAYOUT rule 5): every "now" comes from here, so tests freeze one thing.

`now()` is an aware datetime in UTC (`datetime.now(UTC)`; freezegun's `freeze_time` moves it).
Local times (the contact centre's day and hours) are derived from it by `ivr.engine.hours`.

`held_at(instant)` holds this clock at a chosen instant and moves it by hand, for code that runs the
real line in another time without freezegun (a test-only dependency): `ivr seed --demo --history`
plays past calls through the webhook. The hold is a context variable, so it is seen by the request
the Flask test client runs on the same thread, and by the action threads (they copy the context),
and never by other threads of a server.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

_held: ContextVar[HeldClock | None] = ContextVar("ivr_clock_held", default=None)


def now() -> datetime:
    """This instant, aware, in UTC (the held instant inside `held_at`)."""
    held = _held.get()
    return held.instant if held is not None else datetime.now(UTC)


class HeldClock:
    """The clock inside `held_at`: it stays where it is put until moved."""

    def __init__(self, instant: datetime) -> None:
        self.instant = _aware(instant)

    def move_to(self, instant: datetime) -> None:
        """Put the clock at `instant` (aware; backwards too)."""
        self.instant = _aware(instant)

    def tick(self, seconds: float) -> None:
        """Move the clock on by `seconds`."""
        self.instant += timedelta(seconds=seconds)

    def seconds(self) -> float:
        """The held instant as seconds since the epoch (for durations measured on this clock)."""
        return self.instant.timestamp()


@contextmanager
def held_at(instant: datetime) -> Iterator[HeldClock]:
    """Hold `now()` at `instant` (aware) until the block ends; the block moves it with the HeldClock.
    Raises ValueError for a naive datetime."""
    token = _held.set(HeldClock(instant))
    try:
        held = _held.get()
        assert held is not None
        yield held
    finally:
        _held.reset(token)


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("the clock holds aware datetimes only (e.g. datetime(2026, 11, 2, 14, 0, tzinfo=UTC))")
    return instant.astimezone(UTC)
