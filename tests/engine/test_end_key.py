"""How an entry ends, and what the caller is told about it, agree (issue 13, item 2).

Twilio's <Gather> ends a keypad entry at its `numDigits`-th digit, at the `finishOnKey`, or after
the time-out; the key itself is not in `Digits`, and "finishOnKey only works when a digit sequence
precedes it" (TwiML reference, <Gather>). So a caller who presses # after a fixed-length entry that
already ended sends that # to the next question. The prompt says # only where the entry ends with
it, and a lone # arriving at the start of a question is not an answer and costs no retry.
"""

from __future__ import annotations

import pytest

from ivr.engine.loader import load_flowset
from ivr.engine.runner import advance
from ivr.engine.state import CallState, Digits, NoInput, Speech, Start, TurnKind
from ivr.config import ROOT
from ivr.lint_context import loader_options

from tests.support.lint_project import Project, line_of

BIRTH_DATE = {"fr": "Entrez votre date de naissance", "en": "Enter your date of birth"}
TAKE_YOUR_TIME = {"fr": "Prenez votre temps, ", "en": "Take your time. "}


@pytest.fixture(scope="module")
def shipped():
    return load_flowset(ROOT / "flows", ROOT / "prompts", **loader_options())


def at(flowset, position: str, language: str = "fr") -> CallState:
    _, state = advance(flowset, CallState(position=flowset.start()), Start(at=position, language=language))
    return state


# -- the example: # after the 9-digit client number ---------------------------------------------------


@pytest.mark.parametrize("language, key", [("fr", "1"), ("en", "2")])
def test_a_pound_pressed_after_the_client_number_neither_cuts_the_birth_date_question_nor_uses_a_retry(
        phone, language, key):
    call = phone().press(key).press("1").press("100200300")
    assert BIRTH_DATE[language] in call.heard()
    call.press("#")
    assert call.heard().startswith(BIRTH_DATE[language])  # asked again, nothing before it
    assert TAKE_YOUR_TIME[language] not in call.heard()
    call.silence()  # the first silence still gets the first, patient retry
    assert call.heard().startswith(TAKE_YOUR_TIME[language])
    call.press("19480517")
    assert "approuvée" in call.heard() or "approved" in call.heard()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_client_number_prompt_says_nothing_of_the_pound_key_since_the_entry_ends_at_its_ninth_digit(
        shipped, language):
    turn, _ = advance(shipped, CallState(position=shipped.start()), Start(at="identify/client_number",
                                                                          language=language))
    assert turn.listen.max_digits == 9
    words = {"fr": ("carré", "dièse", "#"), "en": ("pound", "hash", "#")}[language]
    for key in ("identify.client_number", "identify.client_number_help"):
        text = shipped.prompts.get(key, language).text
        assert not any(word in text for word in words), text


# -- the kind: a lone end key at the start of any question --------------------------------------------


@pytest.mark.parametrize("position, lone", [
    ("main/menu", "#"), ("main/menu", ""), ("identify/birth_date", "#"), ("identify/client_number", ""),
    ("address/postal_code", "#"), ("address/confirm", "#"), ("address/civic_number", "#"),
])
def test_a_lone_end_key_or_an_empty_entry_first_at_a_question_asks_it_again_with_no_retry_used(
        shipped, position, lone):
    state = at(shipped, position)
    asked = shipped.step(position).prompt
    turn, after = advance(shipped, state, Digits(lone))
    assert turn.kind is TurnKind.GATHER and after.position == position
    assert turn.keys == list(asked)  # the question alone, no "sorry" and no "take your time"
    assert (after.noinput, after.nomatch) == (0, 0)
    assert [entry.event for entry in turn.journey] == ["stray_end_key"]


def test_a_second_lone_end_key_counts_as_an_answer_not_understood_so_retries_still_end_with_a_person(shipped):
    state = at(shipped, "identify/birth_date")
    _, state = advance(shipped, state, Digits("#"))
    turn, state = advance(shipped, state, Digits("#"))
    assert state.nomatch == 1 and "common.nomatch_1" in turn.keys
    turn, state = advance(shipped, state, Digits("#"))
    turn, state = advance(shipped, state, Digits("#"))
    assert turn.kind is TurnKind.TRANSFER


def test_a_lone_end_key_after_a_retry_is_not_forgiven(shipped):
    state = at(shipped, "identify/birth_date")
    _, state = advance(shipped, state, NoInput())
    turn, state = advance(shipped, state, Digits("#"))
    assert state.nomatch == 1 and "common.nomatch_1" in turn.keys


def test_at_the_next_question_the_forgiveness_is_there_again(shipped):
    state = at(shipped, "identify/client_number")
    _, state = advance(shipped, state, Digits("#"))
    _, state = advance(shipped, state, Digits("100200300"))
    assert state.position == "identify/birth_date"
    turn, state = advance(shipped, state, Digits("#"))
    assert (state.noinput, state.nomatch) == (0, 0) and turn.keys == ["identify.birth_date"]


def test_a_lone_pound_at_an_entry_that_may_be_empty_is_still_the_answer_none(shipped):
    state = at(shipped, "address/apartment")
    state.vars.update(civic_number="55", street="rue Laval", city="Montréal", postal_code="H2T 1S6")
    turn, after = advance(shipped, state, Digits("#"))
    assert after.vars["apartment"] == "" and after.position == "address/confirm"


def test_spoken_words_are_never_taken_for_a_lone_end_key(shipped):
    state = at(shipped, "identify/birth_date")
    turn, after = advance(shipped, state, Speech("euh"))
    assert after.nomatch == 1


# -- how each entry ends (numDigits / finishOnKey) -----------------------------------------------------


@pytest.mark.parametrize("position, num_digits, finish", [
    ("identify/client_number", 9, "#"),  # fixed length: ends at its last digit
    ("identify/birth_date", 8, "#"),
    ("address/phone", None, "#"),  # 10 digits or 11 with the leading 1: ends with # (or the time-out)
    ("address/civic_number", None, "#"),  # 1 to 6 digits: ends with #
    ("address/apartment", None, ""),  # may be empty: a lone # is collected and read as "none"
])
def test_a_fixed_length_entry_ends_by_itself_and_one_of_varying_length_ends_with_pound(
        shipped, position, num_digits, finish):
    turn, _ = advance(shipped, CallState(position=shipped.start()), Start(at=position, language="en"))
    assert (turn.listen.max_digits, turn.listen.finish_on_key) == (num_digits, finish)


# -- the lint rule: the prompt's words about # against how the entry ends ---------------------------


ASK = """\
    flow: main
    start: number
    steps:
      number:
        ask: main.number
        into: number
        {how}
        next: thanks
      thanks:
        say: main.thanks
        next: goodbye
      goodbye:
        hangup: main.goodbye
    """


def with_key_names(project: Project) -> Project:
    """The shipped names of the keys ("le carré", "the pound key"), as global.yaml's speech: names them."""
    project.write("flows/global.yaml", "speech: {key_names: keys}\n")
    for language in ("fr", "en"):
        project.write(f"prompts/{language}/keys.yaml", (ROOT / "prompts" / language / "keys.yaml").read_text())
    return project


def ask_project(tmp_path, how: str, fr: str, en: str) -> Project:
    project = with_key_names(Project(tmp_path))
    project.write("flows/main.yaml", ASK.replace("{how}", how))
    project.prompt("main.number", fr, en)
    return project


def test_a_prompt_that_says_pound_where_the_entry_ends_by_itself_is_an_error_pointing_at_the_words(tmp_path):
    project = ask_project(tmp_path, "length: 9", '"Entrez les 9 chiffres, puis le carré."',
                          '"Enter the 9 digits, then the pound key."')
    found = [f for f in project.lint() if f.code == "end-key-not-needed"]
    assert {f.path for f in found} == {project.path("prompts/fr/main.yaml"), project.path("prompts/en/main.yaml")}
    assert "ends by itself after 9 digits" in found[0].message
    assert "remove length:" in found[0].hint
    assert found[0].severity.value == "error"


@pytest.mark.parametrize("fr, en", [
    ('"Entrez le numéro, puis faites le dièse."', '"Enter the number, then press hash."'),
    ('"Entrez le numéro, puis #."', '"Enter the number, then #."'),
])
def test_every_word_for_the_end_key_counts_in_each_language(tmp_path, fr, en):
    project = ask_project(tmp_path, "length: 4", fr, en)
    assert len([f for f in project.lint() if f.code == "end-key-not-needed"]) == 2


def test_a_spoken_question_that_mentions_pound_is_an_error_too(tmp_path):
    project = ask_project(tmp_path, "input: speech\n        expect: text", '"Dites la rue, puis #."',
                          '"Say the street, then #."')
    found = [f for f in project.lint() if f.code == "end-key-not-needed"]
    assert found and "answered by voice" in found[0].message


def test_a_menu_prompt_that_mentions_pound_is_an_error(tmp_path):
    project = with_key_names(Project(tmp_path))
    for language, menu in (("fr", "Pour les nouvelles, faites le 1, puis le carré."),
                           ("en", "For news, press 1, then the pound key.")):
        path = project.prompts / language / "main.yaml"
        path.write_text("menu: " + repr(menu).replace("'", '"') + "\n" + path.read_text().split("\n", 1)[1])
    found = [f for f in project.lint() if f.code == "end-key-not-needed"]
    assert found and "takes its choice at the key itself" in found[0].message


def test_an_entry_of_varying_length_that_ends_with_pound_may_say_so(tmp_path):
    project = ask_project(tmp_path, "max_length: 6", '"Entrez le numéro, puis #."', '"Enter the number, then #."')
    assert not [f for f in project.lint() if f.code.startswith("end-key")]


def test_an_entry_that_ends_only_with_pound_but_never_says_so_is_a_warning(tmp_path):
    flow = ASK.replace("{how}", "max_length: 6")
    project = ask_project(tmp_path, "max_length: 6", '"Entrez le numéro."', '"Enter the number."')
    found = [f for f in project.lint() if f.code == "end-key-not-said"]
    assert len(found) == 2 and found[0].severity.value == "warning"
    assert found[0].line == line_of(flow, "number:")
