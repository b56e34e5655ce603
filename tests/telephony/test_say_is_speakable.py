"""Speech engines read what CLDR writes badly: no no-break or narrow no-break space (U+00A0, U+202F),
and no format or control character, reaches a <Say>, whatever a prompt or a value holds."""

from __future__ import annotations

import string
import unicodedata
import xml.etree.ElementTree as ET
from datetime import date, time

import pytest
from babel.dates import format_time

from ivr.telephony import twiml
from ivr.config import ROOT
from ivr.engine.prompts import Utterance
from ivr.engine.state import Turn, TurnKind
from ivr.engine.languages import BUILT_IN
from ivr.engine.prompts import load_prompts

LANGUAGES, LOCALES = BUILT_IN.codes, {language.code: language.locale for language in BUILT_IN}

PROMPTS, _ = load_prompts(ROOT / "prompts")

# Values as the code hands them to prompts; an untyped one as babel writes a time (U+202F in en_CA's
# "8:00 a.m.", U+00A0 in fr_CA's numbers) with a stray zero-width space and a right-to-left override.
SAMPLES = {"money": "1234.56", "date": date(2026, 12, 22), "digits": "100200300", "number": "12345.5",
           "phone": "+18195550111", "postal": "H2X 1Y4", "term": None}


def _untyped(language: str) -> str:
    return format_time(time(8, 0), "short", locale=LOCALES[language]) + " 1\u00a0234\u200b\u202e"


def _values(entry, language: str) -> dict[str, object]:
    values: dict[str, object] = {}
    for _, name, spec, _ in string.Formatter().parse(entry.text):
        if not name:
            continue
        spec = (spec or "").strip()
        if spec == "term":
            values[name] = sorted(k.split(".", 1)[1] for k in PROMPTS.keys(language) if k.startswith("terms."))[0]
        else:
            values[name] = SAMPLES.get(spec) or _untyped(language)
    return values


def _unspeakable(text: str) -> list[str]:
    return [f"U+{ord(ch):04X}" for ch in text
            if (unicodedata.category(ch) == "Zs" and ch != " ") or unicodedata.category(ch)[0] == "C"]


def _says(xml: str) -> list[str]:
    return [element.text or "" for element in ET.fromstring(xml).iter("Say")]


def _every_prompt():
    for language in LANGUAGES:
        for key in sorted(PROMPTS.keys(language)):
            entry = PROMPTS.get(key, language)
            if entry is not None and entry.text:
                yield pytest.param(language, key, id=f"{language}:{key}")


@pytest.mark.parametrize("language,key", list(_every_prompt()))
def test_every_prompt_with_its_values_filled_reaches_say_with_plain_spaces_only(language, key):
    utterance = PROMPTS.render(key, language, _values(PROMPTS.get(key, language), language))
    turn = Turn(kind=TurnKind.HANGUP, prompts=(utterance,))
    rendered = [twiml.render(turn, twiml.Urls("/s", "/n", "/h", "/q"), twiml.Voices()),
                twiml.say_then([(language, utterance.text)], twiml.Voices()),
                twiml.question([(language, utterance.text)], "/a", "/b", twiml.Voices(), language=language),
                twiml.hold_loop([(language, utterance.text)], language, "/k", "/h", twiml.Voices())]
    for xml in rendered:
        for said in _says(xml):
            assert said and _unspeakable(said) == [], f"{language}:{key} says {said!r}"


def test_the_example_values_really_hold_the_characters_speech_engines_trip_on():
    assert _unspeakable(_untyped("en")) and _unspeakable(_untyped("fr"))


def test_a_said_amount_keeps_its_digits_and_only_its_spaces_change():
    said = _says(twiml.render(Turn(TurnKind.HANGUP, (Utterance("k", "Un paiement de 1\u00a0234,56\u00a0$.", "fr"),)),
                              twiml.Urls("/s", "/n", "/h", "/q"), twiml.Voices()))
    assert said == ["Un paiement de 1 234,56 $."]
