"""A caller whose language is not known is not taken for a French speaker (issue 13, item 7).

0, "agent" or silence at the bilingual greeting, and Twilio's fallback URL, leave the language
unknown: the caller waits in the bilingual queue (agents-bilingual), hears the hold loop in French
then English, and agents see "language not chosen". An English word at the greeting chooses English.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ivr.store import db
from ivr.store.models.desktop import Callback
from ivr.telephony.phone import Screen

from tests.support.desktop_fixtures import agents, quick_password_hashing, csrf_of, desk, text  # noqa: F401
from tests.support.faultkit import signed_post

HOLD_FR = "Vous êtes en position 1 dans la file d'attente."
HOLD_EN = "You are number 1 in line."


def api(client, path: str, lang: str) -> dict:
    return client.get(f"/agent/api/{path}?lang={lang}", headers={"Authorization": "Bearer demo-token"}).json


# -- the example: 0 at the greeting ----------------------------------------------------------------------


def test_zero_at_the_greeting_waits_in_the_bilingual_queue_and_hears_the_hold_loop_in_french_then_english(phone):
    call = phone().press("0")
    assert call.queue == "agents-bilingual"
    call.hold(position=1)
    heard = call.heard()
    assert HOLD_FR in heard and HOLD_EN in heard and heard.index(HOLD_FR) < heard.index(HOLD_EN)
    assert [s.language for s in call.heard_now()][:1] == ["fr-CA"]
    assert call.last.redirect == "/voice/hold"  # no language rides along: it is still not known


@pytest.mark.parametrize("how", ["silence", "say:agent", "say:une personne ou a person"])
def test_silence_or_a_word_of_both_languages_at_the_greeting_also_leaves_the_language_unknown(phone, how):
    call = phone()
    if how == "silence":
        call.silence().silence().silence()
    else:
        call.say(how.removeprefix("say:"))
    assert call.transferred and call.queue == "agents-bilingual"
    assert "Je vous transfère" in call.heard() and "I'm transferring you" in call.heard()


def test_keys_pressed_on_hold_are_answered_in_both_languages(phone):
    call = phone().press("0").hold().press("0")
    assert "Vous êtes déjà en attente" in call.heard() and "You are already waiting" in call.heard()


def test_a_callback_asked_for_on_hold_is_offered_in_both_languages_and_shows_language_not_chosen(
        app, client, agents, phone):
    call = phone().press("0").hold().press("1")
    assert "Nous pouvons vous rappeler au (514) 555-0142." in call.heard()
    assert "We can call you back at (514) 555-0142." in call.heard()
    call.press("1")
    assert "Un agent vous rappellera" in call.heard() and "An agent will call you back" in call.heard()
    with db.session_for(app) as session:
        assert session.scalar(select(Callback).where(Callback.call_sid == call.call_sid)).language == ""
    for lang, label in (("en", "Not chosen"), ("fr", "Pas choisie")):
        [callback] = api(client, "queue", lang)["callbacks"]
        assert callback["language"] is None and callback["language_label"] == label


@pytest.mark.parametrize("lang, label", [("en", "Not chosen"), ("fr", "Pas choisie")])
def test_agents_see_language_not_chosen_for_the_waiting_caller_in_their_own_language(client, agents, phone,
                                                                                       lang, label):
    call = phone().press("0")
    [waiting] = api(client, "queue", lang)["waiting"]
    assert waiting["queue"] == "agents-bilingual" and waiting["language"] is None
    assert waiting["language_label"] == label
    context = api(client, f"calls/{call.call_sid}", lang)
    assert context["language_label"] == label and label in context["whisper"]


def test_the_desk_lists_the_bilingual_queue_with_language_not_chosen(desk, phone):
    phone().press("0")
    page = text(desk.get("/agent/live/waiting"))
    assert "agents-bilingual" in page and "Pas choisie" in page


# -- Twilio's fallback URL ---------------------------------------------------------------------------------


def test_the_fallback_url_queues_in_the_bilingual_queue_whose_hold_loop_speaks_both_languages(client):
    response = signed_post(client, "/voice/fallback", {"CallSid": "CAfallback", "ErrorCode": "11200"})
    screen = Screen.parse(response.get_data(as_text=True))
    assert screen.enqueue["queue"] == "agents-bilingual"
    hold = Screen.parse(signed_post(client, screen.enqueue["waitUrl"], {"CallSid": "CAfallback",
                                                                        "QueuePosition": "1"}).get_data(as_text=True))
    assert [s.text for s in hold.said][:1] == [HOLD_FR] and HOLD_EN in hold.text


# -- a word of one language at the greeting chooses it -----------------------------------------------------


@pytest.mark.parametrize("said", ["representative", "I need a representative", "operator please"])
def test_an_english_request_for_a_person_at_the_greeting_chooses_english(phone, said):
    call = phone().say(said)
    assert call.queue == "agents-en"
    assert "I'm transferring you" in call.heard() and "Je vous transfère" not in call.heard()
    call.hold()
    assert HOLD_EN in call.heard() and HOLD_FR not in call.heard()


def test_a_french_request_for_a_person_at_the_greeting_chooses_french(phone):
    call = phone().say("un préposé s'il vous plaît")
    assert call.queue == "agents-fr" and "I'm transferring" not in call.heard()


@pytest.mark.parametrize("said, welcome", [("hello", "To speak to an agent at any time"), ("Hi, English please", "To speak to an agent"),
                                           ("bonjour", "Pour parler à un agent en tout temps")])
def test_a_greeting_word_at_the_greeting_chooses_its_language(phone, said, welcome):
    call = phone().say(said)
    assert call.heard().startswith(welcome)
