"""The one clock of the IVR (LAYOUT rule 5): every "now" comes from here, so tests freeze one thing.

`now()` is an aware datetime in UTC (`datetime.now(UTC)`; freezegun's `freeze_time` moves it).
Local times (the contact centre's day and hours) are derived from it by `ivr.engine.hours`.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """This instant, aware, in UTC."""
    return datetime.now(UTC)
