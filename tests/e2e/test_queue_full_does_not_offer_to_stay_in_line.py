"""A caller the agents' queue refused because it is full is not offered to "stay in line" (there is no
line to stay in): key 3 is offered as what it does, trying the queue again (prompts hold.busy_confirm)."""

from __future__ import annotations

import pytest

from tests.support.journeys import queued_in

OFFER = {"fr": "Pour réessayer, faites le 3.",
         "en": "To try again, press 3."}
STAY = {"fr": "rester en ligne", "en": "stay in line"}
AGAIN = {"fr": "Nous essayons de nouveau de vous transférer à un agent.",
         "en": "We are trying again to connect you to an agent."}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_full_queue_offers_to_try_the_agents_again_not_to_stay_in_line(phone, language):
    call = queued_in(phone, language).end_wait("queue-full")
    assert OFFER[language] in call.heard() and STAY[language] not in call.heard()
    call.press("3")
    assert AGAIN[language] in call.heard() and call.transferred and call.queue == f"agents-{language}"
