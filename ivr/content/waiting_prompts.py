"""The prompts said on hold and after hours by the code itself, not through a flow.

Kept apart from ivr.telephony.waiting, with no imports, so the linter's list of prompts the program says
can include them without importing Flask or the webhook.
"""

from __future__ import annotations

PROMPTS_SAID: tuple[str, ...] = (
    "hold.position", "hold.wait_one", "hold.wait_many", "hold.callback_offer", "hold.stay",
    "hold.already_waiting", "hold.keys_help", "hold.callback_confirm", "hold.callback_number",
    "hold.callback_invalid", "hold.callback_length", "hold.callback_limit", "hold.callback_today", "hold.callback_later", "hold.callback_soon",
    "hold.back_in_line", "hold.goodbye", "hold.busy", "hold.busy_confirm", "hold.try_again", "hold.queue_failing",
    "hold.failing_confirm",
    "hold.failing_goodbye", "closed.now", "closed.reason",
    "closed.back", "closed.back_unknown",
    "closed.fault", "closed.menu", "closed.callback_confirm", "closed.when_now", "closed.when_today",
    "closed.when_tomorrow", "closed.when_later", "common.fault", "common.noinput_1", "common.nomatch_1",
    "survey.question", "survey.thanks",
)
