"""Keys a caller types at a menu, where an answer is one key, are kept only when they are one key: a
client or phone number typed out of step (at the main menu) is hidden whole in the journey, on the
agent's page and in the API, as digits said there are (ivr.engine.runner.mask_said). Issue 13, item 11."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ivr.store import db
from ivr.store.models.calls import JourneyEvent

from tests.support.desktop_fixtures import agents, desk, quick_password_hashing, text  # noqa: F401
from tests.support.desktop_fixtures import context
from tests.support.journeys import LANGUAGE_KEY, stored_rows

TYPED = re.compile(r"100200300|\b300\b")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_client_number_typed_at_the_main_menu_is_kept_nowhere(app, client, agents, phone, lang):
    call = phone().press(LANGUAGE_KEY[lang]).press("100200300").press("9").press("0")
    assert call.transferred
    api = client.get(f"/agent/api/calls/{call.call_sid}?lang={lang}",
                     headers={"Authorization": "Bearer demo-token"}).get_data(as_text=True)
    assert not TYPED.search(stored_rows(app, call.call_sid)) and not TYPED.search(api)
    with db.session_for(app) as session:
        pressed = [e.detail["pressed"] for e in session.scalars(select(JourneyEvent).where(
            JourneyEvent.call_sid == call.call_sid, JourneyEvent.event == "nomatch").order_by(JourneyEvent.seq))]
    assert pressed == ["•••••••••", "9"]  # one key, a menu's own kind of answer, is kept as pressed
    summaries = [row["summary"] for row in context(client, call.call_sid, lang)["journey"]]
    assert {"fr": "Non compris au menu principal (a fait le •••••••••)",
            "en": "Not understood at the main menu (pressed •••••••••)"}[lang] in summaries
