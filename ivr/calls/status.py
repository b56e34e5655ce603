"""Call statuses and what follows a wait in the agents' queue, as the use cases name them.

`CallStatus` is defined once, beside the column it fills (`ivr.store.models.calls`, which the store
also writes); the channel's own words for how a wait ended (Twilio's QueueResult) are mapped to these
at the border (`ivr.telephony.outcomes`).
"""

from __future__ import annotations

from enum import StrEnum

from ivr.store.models.calls import CallStatus

__all__ = ["AfterQueue", "CallStatus", "STILL_WAITING"]


class AfterQueue(StrEnum):
    """What the caller gets once a wait in the agents' queue is over."""

    HANG_UP = "hang_up"
    """The caller is no longer waiting (served, elsewhere, or gone): nothing more to play."""
    OFFER_CALLBACK = "offer_callback"
    """The queue refused the caller at once: trying again would only fail again."""
    BACK_IN_LINE = "back_in_line"
    """The queue failed: an apology and the queue again, a bounded number of times, then a callback."""


STILL_WAITING = (CallStatus.IN_IVR, CallStatus.QUEUED)
"""Statuses a queue result, or a fault sent to the queue, may change: a call an agent has closed stays closed."""
