"""What a caller says at a question that collects nothing personal (the main menu) is never kept as said:
the journey keeps what was understood (the option, or "not understood") and a masked form of the words,
in the database, on the agent's page, in the API and in the logs. Rows stored before are masked (0008)."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select, text as sql

from ivr.store import db
from ivr.store import schema
from ivr.store.db import make_engine
from ivr.engine import understand
from ivr.engine.runner import mask_said
from ivr.store.models.calls import Call, JourneyEvent

from tests.support.desktop_fixtures import agents, desk, quick_password_hashing, text  # noqa: F401
from tests.support.desktop_fixtures import context
from tests.support.journeys import LANGUAGE_KEY, stored_rows

SAID = {"fr": "mon numéro de client est 100 200 300", "en": "my client number is 100 200 300"}
THE_NUMBER = re.compile(r"(?<![0-9A-Za-z])(100|200|300)(?![0-9A-Za-z])|100\s*200\s*300")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[T ][\d:.+]+")


def digits_in(shown: str) -> list[str]:
    """The client number, or a group of it, anywhere in `shown` (timestamps, which may hold "300", set aside)."""
    return [m.group(0) for m in THE_NUMBER.finditer(TIMESTAMP.sub(" ", shown))]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_client_number_said_at_the_main_menu_is_kept_nowhere(app, client, desk, phone, caplog, lang):
    with caplog.at_level(logging.DEBUG):
        call = phone().press(LANGUAGE_KEY[lang]).say(SAID[lang]).press("0")
        assert call.transferred
        page = text(desk.get(f"/agent/calls/{call.call_sid}"))
        api = client.get(f"/agent/api/calls/{call.call_sid}?lang={lang}",
                         headers={"Authorization": "Bearer demo-token"}).get_data(as_text=True)
        queue = client.get(f"/agent/api/queue?lang={lang}",
                           headers={"Authorization": "Bearer demo-token"}).get_data(as_text=True)
    visible = re.sub(r"<[^>]+>", " ", page)  # tags hold the call's id and the form's token
    for where, shown in (("stored rows", stored_rows(app, call.call_sid)), ("desktop page", visible),
                         ("call API", api), ("queue API", queue), ("logs", "\n".join(caplog.messages))):
        assert digits_in(shown) == [], f"the {where} keep what the caller said"
    with db.session_for(app) as session:
        nomatch = session.scalar(select(JourneyEvent).where(JourneyEvent.call_sid == call.call_sid,
                                                            JourneyEvent.event == "nomatch"))
        assert nomatch.position == "main/menu" and nomatch.detail["count"] == 1
        assert nomatch.detail["said"] == {"fr": "m•• n••••• d• c••••• e•• ••• ••• •••",
                                          "en": "m• c••••• n••••• i• ••• ••• •••"}[lang]


@pytest.mark.parametrize("lang, shown", [
    ("fr", "Non compris au menu principal (a dit « m•• n••••• d• c••••• e•• ••• ••• ••• »)"),
    ("en", "Not understood at the main menu (said “m• c••••• n••••• i• ••• ••• •••”)"),
])
def test_the_agent_sees_that_the_menu_did_not_understand_and_the_shape_of_the_words(client, agents, phone, lang,
                                                                                     shown):
    call = phone().press(LANGUAGE_KEY[lang]).say(SAID[lang]).press("0")
    assert shown in [row["summary"] for row in context(client, call.call_sid, lang)["journey"]]


@pytest.mark.parametrize("lang, sentence, masked, summary", [
    ("fr", "mon dossier, le numéro 100 200 300", "m•• d•••••• l• n••••• ••• ••• •••",
     "A dit : état d'une demande"),
    ("en", "my file, number 100 200 300", "m• f••• n••••• ••• ••• •••", "Said: status of an application"),
])
def test_the_option_understood_is_kept_without_the_words(app, client, agents, phone, lang, sentence, masked,
                                                          summary):
    call = phone().press(LANGUAGE_KEY[lang]).say(sentence)
    assert not call.transferred and {"fr": "numéro de client", "en": "client number"}[lang] in call.heard()
    call.press("0")
    with db.session_for(app) as session:
        chose = session.scalars(select(JourneyEvent).where(
            JourneyEvent.call_sid == call.call_sid, JourneyEvent.position == "main/menu",
            JourneyEvent.event == "chose")).one()
        assert chose.detail == {"key": "1", "by": "speech", "said": masked}
    assert summary in [row["summary"] for row in context(client, call.call_sid, lang)["journey"]]
    assert digits_in(stored_rows(app, call.call_sid)) == []


def test_digits_said_in_words_are_hidden_whole_and_other_words_keep_a_first_letter():
    words = understand.Vocabulary.of({"1": ["un", "one"], "0": ["zéro", "zero"], "*": ["étoile"]})
    assert mask_said("C'est un zéro zéro, deux cents!", words) == "c e•• •• •••• •••• d••• c••••"
    assert mask_said("étoile H2X 3K8", words) == "e••••• ••• •••"
    assert mask_said("") == ""


def test_the_migration_masks_words_already_stored_and_leaves_masked_ones(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'before.db'}")
    schema.upgrade(engine, "0007")
    now = datetime(2026, 11, 30, tzinfo=timezone.utc)
    rows = [
        ("main/menu", "menu", "nomatch", {"count": 1, "said": "Mon numéro de client est 100 200 300."}),
        ("identify/client_number", "ask", "nomatch", {"count": 1, "said": "…"}),
        ("main/menu", "menu", "nomatch", {"count": 2, "pressed": "9"}),
        ("main/menu", "menu", "chose", {"key": "1", "by": "speech"}),
    ]
    with engine.begin() as connection:
        for seq, (position, kind, event, detail) in enumerate(rows):
            connection.execute(JourneyEvent.__table__.insert().values(
                call_sid="CAold", seq=seq, at=now, position=position, kind=kind, event=event, detail=detail))
    schema.upgrade(engine)
    with engine.connect() as connection:
        details = [json.loads(d) if isinstance(d, str) else d for (d,) in connection.execute(
            sql("SELECT detail FROM journey_events ORDER BY id"))]
    engine.dispose()
    assert details == [
        {"count": 1, "said": "m•• n••••• d• c••••• e•• ••• ••• •••"},
        {"count": 1, "said": "…"},
        {"count": 2, "pressed": "9"},
        {"key": "1", "by": "speech"},
    ]


def test_a_number_said_leaves_not_even_a_first_digit_in_a_scrubbed_log_line():
    from ivr.logs import scrub

    assert scrub("SpeechResult=mon+numéro+de+client+est+100+200+300&Confidence=0.91") == (
        "SpeechResult=m••+n•••••+d•+c•••••+e••+•••+•••+•••&Confidence=0.91")
