"""A time budget per webhook request: past it the step gives up rather than keep a caller in silence.

Twilio waits for our answer while the caller hears nothing; a slow database must not turn into
a dead line. A budget is opened with `within(seconds)`; `remaining()` and `check()` read it. No
SQL here: `ivr.store.budget` makes every statement honour the budget (checked first, interrupted
by SQLite, a `statement_timeout` on PostgreSQL), so a stuck step fails in about the budget and
the caller is sent to a person.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

_deadline: ContextVar[float | None] = ContextVar("ivr_deadline", default=None)


class DeadlineExceeded(TimeoutError):
    """The request's time budget ran out; the step is abandoned and rolled back."""


@contextmanager
def within(seconds: float, *, fresh: bool = False) -> Iterator[None]:
    """Open a budget; an inner budget can only shorten the outer one, unless it is `fresh`."""
    with until(time.monotonic() + seconds, fresh=fresh):
        yield


@contextmanager
def until(ends: float, *, fresh: bool = False) -> Iterator[None]:
    """Open a budget that ends at `ends` (on `time.monotonic()`'s scale), or when the outer one does if
    sooner (unless `fresh`): for blocks that share one budget (a step's actions), each then opens that
    very budget, whose PostgreSQL limit `ivr.store.budget` sets once, not once per block."""
    outer = None if fresh else _deadline.get()
    token = _deadline.set(ends if outer is None else min(outer, ends))
    try:
        yield
    finally:
        _deadline.reset(token)


def open_budget(seconds: float) -> Token[float | None]:
    """Open a budget of `seconds` for what follows on this context (a whole request: Flask's
    `before_request`); `close_budget(token)` ends it (`teardown_request`). `within` for a block."""
    return _deadline.set(time.monotonic() + seconds)


def close_budget(token: Token[float | None]) -> None:
    _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left in the current budget (None when there is none); actions pass it to their clients."""
    ends = _deadline.get()
    return None if ends is None else ends - time.monotonic()


def ends_at() -> float | None:
    """When the current budget ends, on `time.monotonic()`'s scale (None when there is none)."""
    return _deadline.get()


def check() -> None:
    """Raise DeadlineExceeded when the current budget is spent; nothing when there is none."""
    left = remaining()
    if left is not None and left <= 0:
        raise DeadlineExceeded("the request's time budget is spent")
