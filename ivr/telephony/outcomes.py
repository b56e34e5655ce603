"""Twilio's QueueResult and CallStatus values, each with what the IVR does about it: the one table.

Every documented value is listed on purpose; a value Twilio adds later is not guessed at: it is
logged and handled as the safe case of its kind (a queue result as a failed queue, which puts a caller
who may still be on the line back in line, a bounded number of times; a call status as "still live",
which ends nothing).

Sources: <Enqueue>'s action parameters (https://www.twilio.com/docs/voice/twiml/enqueue, "QueueResult":
bridged, bridging-in-process, queue-full, error, system-error, hangup, leave, redirected,
redirected-from-bridged) and the call resource's statuses
(https://www.twilio.com/docs/voice/api/call-resource#call-status-values: queued, ringing, in-progress,
completed, busy, failed, no-answer, canceled).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ivr.calls.status import AfterQueue, CallStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueOutcome:
    """One QueueResult: the call status it leaves (None: unchanged) and the answer it gets."""

    status: CallStatus | None
    answer: AfterQueue
    meaning: str


QUEUE_RESULTS: dict[str, QueueOutcome] = {
    "bridged": QueueOutcome(CallStatus.WITH_AGENT, AfterQueue.HANG_UP,
                            "dequeued and bridged to an agent; Twilio asks once the bridge has ended"),
    "bridging-in-process": QueueOutcome(CallStatus.WITH_AGENT, AfterQueue.HANG_UP,
                                        "dequeued, being bridged to an agent"),
    "redirected": QueueOutcome(CallStatus.WITH_AGENT, AfterQueue.HANG_UP,
                               "moved out of the queue through the REST API: the gateway moves a caller to "
                               "the conference of the agent who took them (gateway.TwilioGateway)"),
    "redirected-from-bridged": QueueOutcome(CallStatus.WITH_AGENT, AfterQueue.HANG_UP,
                                            "bridged, then moved through the REST API: still with a person, "
                                            "never a technical problem nor a second place in line"),
    "hangup": QueueOutcome(CallStatus.ABANDONED_IN_QUEUE, AfterQueue.HANG_UP, "the caller hung up while waiting"),
    "leave": QueueOutcome(CallStatus.CALLBACK, AfterQueue.HANG_UP,
                          "<Leave> in the wait URL: the IVR's only <Leave> follows a saved callback request"),
    "queue-full": QueueOutcome(None, AfterQueue.OFFER_CALLBACK, "the queue was full: never entered"),
    "error": QueueOutcome(None, AfterQueue.BACK_IN_LINE,
                          "an error in the <Enqueue> TwiML or in a wait-URL document: queueing again may meet "
                          "it again, hence the bound"),
    "system-error": QueueOutcome(None, AfterQueue.BACK_IN_LINE,
                                 "Twilio failed while queueing (also when the caller hung up before being fully "
                                 "queued: then nobody hears the answer)"),
}
"""QueueResult -> what it means for the call and for the caller."""

UNKNOWN_QUEUE_RESULT = QueueOutcome(None, AfterQueue.BACK_IN_LINE,
                                    "not in Twilio's reference: a caller who may still be on the line is not "
                                    "dropped; one who is elsewhere never hears the answer")

FINAL_CALL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
"""CallStatus values after which the call is over: the status callback records how it ended."""
LIVE_CALL_STATUSES = frozenset({"queued", "ringing", "in-progress"})
"""CallStatus values of a call still under way: the status callback records nothing."""
CALL_STATUSES = FINAL_CALL_STATUSES | LIVE_CALL_STATUSES


def queue_outcome(result: str) -> QueueOutcome:
    """The row of QUEUE_RESULTS for `result`; an unknown or missing value is logged and handled safely."""
    outcome = QUEUE_RESULTS.get(result)
    if outcome is None:
        log.warning("QueueResult %r is not in Twilio's reference: handled as a failed queue", result[:40])
        return UNKNOWN_QUEUE_RESULT
    return outcome


def call_is_over(status: str) -> bool:
    """True for a final CallStatus; an unknown one is logged and taken as a call still under way."""
    if status in FINAL_CALL_STATUSES:
        return True
    if status not in LIVE_CALL_STATUSES:
        log.warning("CallStatus %r is not in Twilio's reference: the call is not ended on it", status[:40])
    return False
