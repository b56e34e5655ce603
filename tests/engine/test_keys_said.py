"""Every key a prompt announces can be said, and a person can be asked for in many words, at every
question (issue 13, item 6).

"Pour un agent, faites le 0": "zéro" is 0. The names of the keys are content (prompts/<lang>/keys.yaml),
the keys a menu understands are its own options plus the agent and repeat keys of flows/global.yaml,
and the ways to ask for a person are common.agent_words.
"""

from __future__ import annotations

import pytest

from ivr.config import ROOT
from ivr.engine.loader import load_flowset
from ivr.engine.runner import advance
from ivr.engine.state import CallState, Speech, Start, TurnKind
from ivr.engine.steps import Menu
from ivr.lint_context import loader_options

FLOWSET = load_flowset(ROOT / "flows", ROOT / "prompts", **loader_options())
QUESTIONS = sorted(f"{flow.name}/{step.id}" for flow in FLOWSET.flows.values() for step in flow.steps.values()
                   if step.interactive)


def answer(position: str, language: str, said: str):
    _, state = advance(FLOWSET, CallState(position=FLOWSET.start()), Start(at=position, language=language))
    return advance(FLOWSET, state, Speech(said))


def chosen(turn) -> list[str]:
    return [e.detail.get("key") for e in turn.journey if e.kind == "menu" and e.event == "chose"]


# -- the example -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language, said, queue", [("fr", "zéro", "agents-fr"), ("en", "zero", "agents-en")])
def test_saying_zero_at_the_main_menu_reaches_an_agent_as_pressing_it_does(phone, language, said, queue):
    call = phone().press("1" if language == "fr" else "2").say(said)
    assert call.transferred and call.queue == queue


def test_saying_parler_a_quelqu_un_reaches_an_agent(phone):
    call = phone().press("1").say("Je voudrais parler à quelqu'un")
    assert call.transferred and call.queue == "agents-fr"


# -- the kind: every announced key, by its names, in both languages ----------------------------------------


def keys_announced(position: str) -> list[str]:
    step = FLOWSET.step(position)
    return [option.key for option in step.options] + [FLOWSET.settings.agent_key, FLOWSET.settings.repeat_key]


MENUS = [q for q in QUESTIONS if isinstance(FLOWSET.step(q), Menu) and q != "main/language"]


@pytest.mark.parametrize("position", MENUS)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_key_a_menu_announces_can_be_said_by_each_of_its_names(position, language):
    for key in keys_announced(position):
        for name in FLOWSET.prompts.words(f"keys.{key}", language):
            for said in (name, {"fr": f"faites le {name}", "en": f"press {name}"}[language]):
                turn, state = answer(position, language, said)
                if key == FLOWSET.settings.agent_key:
                    assert turn.kind is TurnKind.TRANSFER and state.transfer_reason == "asked_for_agent", said
                elif key == FLOWSET.settings.repeat_key:
                    assert [e.event for e in turn.journey] == ["repeat"], said
                else:
                    assert chosen(turn) == [key], said


@pytest.mark.parametrize("said", ["un agent", "un préposé", "une personne", "parler à quelqu'un",
                                  "je veux parler à un humain s'il vous plaît", "le service à la clientèle"])
def test_people_ask_for_a_person_in_many_french_words(said):
    turn, state = answer("main/menu", "fr", said)
    assert turn.kind is TurnKind.TRANSFER and state.transfer_reason == "asked_for_agent"


@pytest.mark.parametrize("said", ["representative", "a person", "operator", "human", "I want to talk to someone",
                                  "can I speak to a real person please", "customer service"])
def test_people_ask_for_a_person_in_many_english_words(said):
    turn, state = answer("main/menu", "en", said)
    assert turn.kind is TurnKind.TRANSFER and state.transfer_reason == "asked_for_agent"


@pytest.mark.parametrize("position", QUESTIONS)
@pytest.mark.parametrize("language, said", [("fr", "je voudrais parler à quelqu'un s'il vous plaît"),
                                            ("en", "can I talk to a representative please"),
                                            ("fr", "zéro"), ("en", "zero")])
def test_a_person_is_reached_by_voice_at_every_question_like_with_the_keypad(position, language, said):
    if FLOWSET.step(position).kind == "ask" and FLOWSET.step(position).expect.value == "text":
        said = said if len(said.split()) <= 4 else "un agent" if language == "fr" else "an agent"
    turn, state = answer(position, language, said)
    assert turn.kind is TurnKind.TRANSFER and state.transfer_reason == "asked_for_agent"


@pytest.mark.parametrize("position", QUESTIONS)
@pytest.mark.parametrize("language, said", [("fr", "pouvez-vous répéter"), ("en", "say again please"),
                                            ("fr", "étoile"), ("en", "star")])
def test_the_question_is_repeated_by_voice_at_every_question_like_with_the_keypad(position, language, said):
    turn, state = answer(position, language, said)
    step = FLOWSET.step(position)
    hear_again = [o.key for o in getattr(step, "options", ()) if o.words == FLOWSET.settings.repeat_words]
    if hear_again and not said.startswith(("étoile", "star")):  # "Pour réécouter, faites le 1": that option
        assert chosen(turn) == hear_again
        return
    assert [e.event for e in turn.journey] == ["repeat"] and state.position == position
    assert (state.noinput, state.nomatch) == (0, 0)


def test_in_a_street_name_a_command_word_is_part_of_the_name():
    turn, state = answer("address/street", "fr", "rue de l'Agent-Smith, dans le quartier du Vieux")
    assert state.vars["street"] == "rue de l'Agent-Smith, dans le quartier du Vieux"


def test_an_article_that_is_also_a_number_does_not_pick_an_option():
    turn, state = answer("main/menu", "fr", "je voudrais un changement d'adresse")
    assert chosen(turn) == ["2"]
