"""From every prompt of every shipped flow: 0 reaches an agent; silence and garbage end with one too."""

from __future__ import annotations

import pytest

from ivr.engine.loader import load_flowset
from ivr.config import ROOT
from tests.support.journeys import OPTIONAL_QUESTIONS, PATHS
from tests.support.journeys import VERIFIED_STATUS, VERIFIED_ADDRESS, ADDRESS_GIVEN


# How a French caller reaches each prompt of the shipped flows.

FREE_SPEECH = {"address/street", "address/city"}
GARBAGE = ["abc", "*#*#", "1" * 40, "say:blablabla truc machin"]


def reach(phone, position: str):
    call = phone()
    for answer in PATHS[position]:
        if answer.startswith("say:"):
            call.say(answer[4:])
        else:
            call.press(answer)
    assert not call.transferred and not call.hung_up, f"{position} was not reached"
    return call


def test_the_table_of_prompts_covers_every_prompt_of_the_shipped_flows():
    flowset = load_flowset(ROOT / "flows", ROOT / "prompts")
    prompts = {
        f"{flow.name}/{step.id}"
        for flow in flowset.flows.values()
        for step in flow.steps.values()
        if step.interactive
    }
    assert prompts == set(PATHS)


@pytest.mark.parametrize("position", sorted(PATHS))
def test_zero_reaches_an_agent_from_every_prompt(phone, position):
    call = reach(phone, position).press("0")
    assert call.transferred
    # Before the caller chose a language, the agents who answer in both; then the French queue.
    assert call.queue == ("agents-bilingual" if position == "main/language" else "agents-fr")
    assert "agent" in call.heard()


@pytest.mark.parametrize("position", sorted(PATHS))
def test_saying_agent_reaches_an_agent_from_every_prompt(phone, position):
    call = reach(phone, position).say("préposé")
    assert call.transferred


@pytest.mark.parametrize("position", sorted(OPTIONAL_QUESTIONS))
def test_silence_or_garbage_at_an_optional_question_ends_the_call_politely_at_once(phone, position):
    for answer in ("silence", *GARBAGE):
        call = reach(phone, position)
        if answer == "silence":
            call.silence()
        elif answer.startswith("say:"):
            call.say(answer[4:])
        else:
            call.press(answer)
        assert call.hung_up and not call.transferred and "Au revoir" in call.heard(), answer


@pytest.mark.parametrize("position", sorted(set(PATHS) - OPTIONAL_QUESTIONS))
def test_silence_at_every_prompt_gets_reprompts_then_an_agent(phone, position):
    call = reach(phone, position)
    prompt = call.heard()
    reprompts = 0
    while not call.transferred:
        assert not call.hung_up
        call.silence()
        if not call.transferred:
            reprompts += 1
            assert call.last.gather is not None
    assert 1 <= reprompts <= 2
    assert prompt, "every prompt says something"


@pytest.mark.parametrize("garbage", GARBAGE)
@pytest.mark.parametrize("position", sorted(set(PATHS) - OPTIONAL_QUESTIONS))
def test_garbage_at_every_prompt_gets_reprompts_then_an_agent(phone, position, garbage):
    call = reach(phone, position)
    if position in FREE_SPEECH and garbage.startswith("say:"):
        # Any words can be a street or a city; the read-back lets the caller start again.
        call.say(garbage[4:])
        assert not call.transferred and "Désolé" not in call.heard()
        return
    reprompts = 0
    while not call.transferred:
        assert not call.hung_up
        if garbage.startswith("say:"):
            call.say(garbage[4:])
        else:
            call.press(garbage)
        if not call.transferred:
            reprompts += 1
    assert 1 <= reprompts <= 2


def test_the_first_silence_at_a_number_gives_the_caller_more_time(phone):
    call = reach(phone, "identify/client_number").silence()
    assert "Prenez votre temps" in call.heard()
    assert call.last.gather["timeout"] == "20"
    assert "numéro de client" in call.heard()


def test_zero_on_hold_keeps_the_caller_in_line(phone):
    call = reach(phone, "main/menu").press("0").hold(position=3, average_seconds=200)
    assert "position 3" in call.heard()
    assert "environ 3 minutes" in call.heard()
    call.press("0")
    assert "déjà en attente d'un agent" in call.heard()
    assert not call.last.hangup


def test_star_repeats_the_prompt_without_counting_as_an_error(phone):
    call = reach(phone, "main/menu")
    menu = "Pour l'état de votre demande, faites le 1. Pour changer votre adresse, faites le 2."
    assert menu in call.heard()
    for _ in range(4):
        call.press("*")
        assert menu in call.heard() and "Désolé" not in call.heard()
    call.press("1")
    assert "numéro de client" in call.heard()


def test_speech_choices_work_in_each_language(phone):
    assert "numéro de client" in phone().say("français").say("je veux mon statut").heard()
    assert "9-digit client number" in phone().say("English please").say("my address").heard()
