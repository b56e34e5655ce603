"""A value said inside a sentence is understood; two different values in one sentence are not guessed
(issue 13, item 5).

Twilio's <Gather> posts what the caller said as `SpeechResult`, a transcript with the words people
put around an answer ("Mon numéro de client est le 100 200 300.", "um, it's K 2 P 1 L 4"). The words
set aside are content: `common.fillers`, `common.hesitations` and `common.lead_ins` in prompts/fr|en,
named in flows/global.yaml under `speech:`.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivr.config import ROOT
from ivr.engine.loader import load_flowset
from ivr.engine.runner import advance
from ivr.engine.state import CallState, Speech, Start
from ivr.engine.understand import phone_number
from ivr.lint_context import loader_options

SOFTLY = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def shipped():
    return load_flowset(ROOT / "flows", ROOT / "prompts", **loader_options())


FLOWSET = load_flowset(ROOT / "flows", ROOT / "prompts", **loader_options())


def answer(flowset, position: str, language: str, said: str):
    _, state = advance(flowset, CallState(position=flowset.start()), Start(at=position, language=language))
    return advance(flowset, state, Speech(said))


def entered(flowset, position: str, language: str, said: str):
    """What the question kept from the sentence, or None when it asked again (not understood)."""
    step = flowset.step(position)
    turn, state = answer(flowset, position, language, said)
    if state.position == position:
        return None
    return state.vars.get(step.into)


# -- the example ---------------------------------------------------------------------------------------


def test_a_client_number_said_in_a_sentence_is_understood_and_the_call_goes_on(phone):
    call = phone().press("1").press("1").say("Mon numéro de client est le 100 200 300")
    assert "Désolé" not in call.heard()
    assert call.heard().startswith("Entrez votre date de naissance")
    call.say("C'est le 1948 05 17.")
    assert "approuvée" in call.heard()


def test_the_same_in_english(phone):
    call = phone().press("2").press("1").say("Um, my client number is 200 300 400.")
    assert call.heard().startswith("Enter your date of birth")
    call.say("It's 1961 11 02")
    assert "is being reviewed" in call.heard()


# -- the kind: every spoken question, in both languages --------------------------------------------------


@pytest.mark.parametrize("position, language, said, value", [
    ("identify/client_number", "fr", "Mon numéro de client est le 100 200 300.", "100200300"),
    ("identify/client_number", "en", "my client number is one zero zero two zero zero three zero zero", "100200300"),
    ("identify/client_number", "fr", "euh c'est le 100 200, euh, 300", "100200300"),
    ("identify/birth_date", "fr", "Ma date de naissance, c'est le 1948 05 17.", "1948-05-17"),
    ("identify/birth_date", "en", "I was born on 1948 05 17", "1948-05-17"),
    ("step_up/postal_code_on_file", "fr", "Mon code postal, c'est H 2 X 3 K 8.", "H2X 3K8"),
    ("step_up/postal_code_on_file", "en", "um, it's K 1 P 5 K 7, please", "K1P 5K7"),
    ("address/postal_code", "fr", "c'est H deux T un S six", "H2T 1S6"),
    ("address/civic_number", "fr", "c'est le 4500", "4500"),
    ("address/civic_number", "en", "it's 200", "200"),
    ("address/phone", "fr", "mon numéro de téléphone est le 514 555 0142.", "+15145550142"),
    ("address/phone", "en", "my phone number is 613 555 0123", "+16135550123"),
    ("address/street", "fr", "C'est rue Laval, euh, s'il vous plaît.", "rue Laval"),
    ("address/street", "en", "The street is Bank Street.", "Bank Street"),
    ("address/city", "fr", "J'habite à Montréal.", "Montréal"),
    ("address/city", "en", "um, Ottawa, thanks", "Ottawa"),
    ("address/apartment", "fr", "c'est l'appartement 12", "12"),
])
def test_every_spoken_question_keeps_the_value_and_sets_the_words_around_it_aside(
        shipped, position, language, said, value):
    assert entered(shipped, position, language, said) == value


@pytest.mark.parametrize("language, said, chosen", [
    ("fr", "Oui, c'est ça.", "1"), ("fr", "euh, non merci", "2"),
    ("en", "Um, yes please.", "1"), ("en", "no thanks.", "2"),
])
def test_yes_and_no_are_understood_with_words_around_them(shipped, language, said, chosen):
    turn, state = answer(shipped, "address/offer_phone", language, said)
    assert [e.detail.get("key") for e in turn.journey if e.event == "chose"] == [chosen]


@pytest.mark.parametrize("position, language, said", [
    ("identify/client_number", "fr", "100 200 300 ou bien 100 200 301"),
    ("identify/client_number", "en", "it's 200 300 400 or maybe 300 400 500"),
    ("identify/birth_date", "fr", "1948 05 17, non, 1948 05 18"),
    ("step_up/postal_code_on_file", "fr", "H 2 X 3 K 8 ou bien H 2 T 1 S 6"),
    ("address/phone", "en", "514 555 0142 or 613 555 0123"),
])
def test_a_sentence_with_two_different_values_is_not_guessed(shipped, position, language, said):
    turn, state = answer(shipped, position, language, said)
    assert state.position == position and state.nomatch == 1


def test_the_same_value_said_twice_is_that_value(shipped):
    said = "100 200 300, je répète, 100 200 300"
    assert entered(shipped, "identify/client_number", "fr", said) == "100200300"


def test_a_number_of_another_length_beside_the_value_does_not_hide_it(shipped):
    said = "j'ai 2 numéros, mon numéro de client c'est 100 200 300"
    assert entered(shipped, "identify/client_number", "fr", said) == "100200300"


# -- properties: any fillers around any valid value ------------------------------------------------------


def words(key: str, language: str) -> list[str]:
    return list(FLOWSET.prompts.words(key, language))


LANGUAGE = st.sampled_from(["fr", "en"])


@st.composite
def wrapped(draw, value_said: st.SearchStrategy) -> tuple[str, str, str]:
    """(language, the value as said, a sentence around it: fillers before, hesitations and a period after)."""
    language = draw(LANGUAGE)
    said = draw(value_said)
    before = draw(st.lists(st.sampled_from(words("common.fillers", language)
                                           + words("common.hesitations", language)), max_size=4))
    after = draw(st.lists(st.sampled_from(words("common.hesitations", language)), max_size=2))
    end = draw(st.sampled_from(["", ".", ",", " !", "?"]))
    return language, said, " ".join([*before, said, *after]) + end


def digits_said(length: int) -> st.SearchStrategy:
    return st.text("0123456789", min_size=length, max_size=length)


def grouped(digits: str, draw_sizes: list[int]) -> str:
    groups, i = [], 0
    for size in draw_sizes:
        if i >= len(digits):
            break
        groups.append(digits[i:i + size])
        i += size
    if i < len(digits):
        groups.append(digits[i:])
    return " ".join(groups)


@st.composite
def client_numbers(draw) -> tuple[str, str, str]:
    number = draw(digits_said(9).filter(lambda d: d != "0" * 9))
    said = grouped(number, draw(st.lists(st.integers(1, 4), min_size=1, max_size=9)))
    language, _, sentence = draw(wrapped(st.just(said)))
    return language, number, sentence




@st.composite
def birth_dates(draw) -> tuple[str, str, str]:
    day = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2010, 12, 31)))
    said = f"{day.year} {day.month:02d} {day.day:02d}"
    language, _, sentence = draw(wrapped(st.just(said)))
    return language, day.isoformat(), sentence




LETTERS_FIRST = "ABCEGHJKLMNPRSTVXY"
LETTERS = "ABCEGHJKLMNPRSTVWXYZ"


@st.composite
def postal_codes(draw) -> tuple[str, str, str]:
    code = (draw(st.sampled_from(LETTERS_FIRST)) + draw(st.sampled_from("0123456789"))
            + draw(st.sampled_from(LETTERS)) + draw(st.sampled_from("0123456789"))
            + draw(st.sampled_from(LETTERS)) + draw(st.sampled_from("0123456789")))
    said = " ".join(code)
    language, _, sentence = draw(wrapped(st.just(said)))
    return language, f"{code[:3]} {code[3:]}", sentence




@st.composite
def phone_numbers(draw) -> tuple[str, str, str]:
    area = draw(st.sampled_from(["514", "613", "418", "819", "416", "604"]))
    rest = draw(st.text("23456789", min_size=1, max_size=1)) + draw(digits_said(6))
    number = phone_number(area + rest)
    said = f"{area} {rest[:3]} {rest[3:]}"
    language, _, sentence = draw(wrapped(st.just(said)))
    return language, number, sentence




VALUES = {
    "identify/client_number": client_numbers(),
    "identify/birth_date": birth_dates(),
    "address/postal_code": postal_codes(),
    "address/phone": phone_numbers().filter(lambda case: case[1] is not None),
}


@pytest.mark.parametrize("position", sorted(VALUES))
def test_any_valid_value_wrapped_in_fillers_is_still_that_value(position):
    @SOFTLY
    @given(VALUES[position])
    def check(case):
        language, value, sentence = case
        assert entered(FLOWSET, position, language, sentence) == value, sentence

    check()


STREETS = ["rue Laval", "boulevard Saint-Laurent", "Bank Street", "chemin du Lac", "Elgin Street"]


@SOFTLY
@given(LANGUAGE, st.sampled_from(STREETS), st.data())
def test_any_street_after_a_lead_in_is_still_that_street(language, street, data):
    lead = data.draw(st.lists(st.sampled_from(words("common.lead_ins", language)), max_size=2))
    sentence = " ".join([*lead, street]) + data.draw(st.sampled_from(["", ".", ","]))
    assert entered(FLOWSET, "address/street", language, sentence) == street, sentence


@pytest.mark.parametrize("position, values", [("identify/client_number", client_numbers()),
                                              ("address/postal_code", postal_codes())])
def test_two_different_values_in_one_sentence_are_never_guessed(position, values):
    @SOFTLY
    @given(values, values)
    def check(first, second):
        language, one, said_one = first
        _, two, _ = second
        if one == two:
            return
        sentence = f"{said_one} {'ou bien' if language == 'fr' else 'or maybe'} {' '.join(two.replace(' ', ''))}"
        assert entered(FLOWSET, position, language, sentence) is None, sentence

    check()
