"""When a step fails: the budget for keeping what can still be kept, and the queue to send to.

The step's own transaction is rolled back whole (so nothing the caller was about to be told is
half-saved); then, in a new transaction with a short budget of its own, the call is marked as
queued for an agent because of a fault (`waiting.queue_after_fault`). If the database is down
that fails too, and the caller still gets their apology and the queue from the webhook.
"""

from __future__ import annotations

from ivr.engine.languages import Languages

RECORD_BUDGET_S = 0.5


def fault_queue(language: str | None, languages: Languages) -> str:
    """The queue a caller goes to after a fault: their language's, or the unknown-language one (Twilio's
    fallback URL, a fault before the caller chose a language)."""
    return languages.queue(language)
