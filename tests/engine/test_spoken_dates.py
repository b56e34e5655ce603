"""A birth date said with the month's name is understood, in every language of the line (issue 13, item 5's
kind: callers as they really speak).

Speech recognisers (Twilio's <Gather input="speech">) write "le 17 mai 1948", "May 17, 1948", "the 17th of
May 1948" or the words themselves. Month names come from babel's CLDR data for each language's locale
(flows/languages.yaml); numbers in words and ordinal endings are content (prompts/<lang>/numbers.yaml,
digits in keys.yaml). Digits alone keep today's rule (year, month, day), and two readings are never guessed.
"""

from __future__ import annotations

from datetime import date

import pytest
from babel.dates import get_month_names
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ivr.config import ROOT
from ivr.engine.loader import load_flowset
from ivr.engine.runner import advance
from ivr.engine.state import CallState, Speech, Start
from ivr.engine.understand import Vocabulary, month_names, normalize, spoken_date
from ivr.lint_context import loader_options

FLOWSET = load_flowset(ROOT / "flows", ROOT / "prompts", **loader_options())
LANGUAGES = FLOWSET.languages.codes
SOFTLY = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture])


def entered(language: str, said: str) -> str | None:
    """The birth date the question kept, or None when it asked again (not understood)."""
    position = "identify/birth_date"
    _, state = advance(FLOWSET, CallState(position=FLOWSET.start()), Start(at=position, language=language))
    _, state = advance(FLOWSET, state, Speech(said))
    return None if state.position == position else state.vars.get("birth_date")


# -- the examples, through the signed webhook ----------------------------------------------------------------


def test_a_birth_date_said_with_the_months_name_verifies_the_caller(phone):
    call = phone().press("1").press("1").say("Mon numéro de client est le 100 200 300")
    call.say("le 17 mai 1948")
    assert "Désolé" not in call.heard()
    assert "approuvée" in call.heard()


def test_the_same_in_english_with_an_ordinal(phone):
    call = phone().press("2").press("1").say("my client number is 200 300 400")
    call.say("the 2nd of November 1961")
    assert "is being reviewed" in call.heard()


# -- the kind: names, abbreviations, ordinals, words, either order -------------------------------------------


@pytest.mark.parametrize("language, said", [
    ("fr", "le 17 mai 1948"),
    ("fr", "17 mai 1948"),
    ("fr", "le dix-sept mai mil neuf cent quarante-huit"),
    ("fr", "Ma date de naissance, c'est le dix-sept mai dix-neuf cent quarante-huit."),
    ("fr", "euh, le 17 mai, 1948"),
    ("en", "May 17, 1948"),
    ("en", "the 17th of May 1948"),
    ("en", "May seventeenth, nineteen forty-eight"),
    ("en", "I was born on May 17th, 1948"),
    ("en", "17 May 1948"),
    ("en", "um, May seventeen nineteen hundred forty eight"),
])
def test_the_testers_examples_and_their_siblings_are_understood(language, said):
    assert entered(language, said) == "1948-05-17"


@pytest.mark.parametrize("language, said, value", [
    ("fr", "le 1er mai 1948", "1948-05-01"),
    ("fr", "le premier mai deux mille cinq", "2005-05-01"),
    ("fr", "le 1re janv. 1950", "1950-01-01"),
    ("fr", "le 28 févr. 1975", "1975-02-28"),
    ("fr", "le trente et un décembre dix-neuf cent quatre-vingt-dix-sept", "1997-12-31"),
    ("fr", "le quatorze juillet mil neuf cent quatre-vingt-dix", "1990-07-14"),
    ("fr", "le deux novembre mille neuf cent soixante et onze", "1971-11-02"),
    ("en", "the first of May two thousand and five", "2005-05-01"),
    ("en", "Nov 2nd 1961", "1961-11-02"),
    ("en", "the twenty-first of March nineteen oh five", "1905-03-21"),
    ("en", "July fourteenth, nineteen ninety", "1990-07-14"),
    ("en", "Feb 28 19 75", "1975-02-28"),
])
def test_ordinals_abbreviations_and_numbers_in_words_are_understood(language, said, value):
    assert entered(language, said) == value


@pytest.mark.parametrize("language, said", [
    ("fr", "05 06 1948"),                       # digits alone: year first, as the prompt asks, or nothing
    ("en", "05 06 1948"),
    ("fr", "le 17 mai ou le 18 juin 1948"),     # two months
    ("fr", "le 5 mai 6 1948"),                  # two days
    ("fr", "le 17 mai"),                        # no year
    ("fr", "le vingt-deux juillet soixante-dix-sept"),  # which century?
    ("fr", "le 31 février 1948"),               # not a day of that month
    ("fr", "le 17 mai 1848"),                   # not a birth date we serve
    ("fr", "le 17 sept 1948"),                  # "sept" is seven as well as September's abbreviation
    ("en", "May twenty nineteen"),              # day 20 of 19, or May 2019?
    ("en", "May 17 1948 or maybe June"),
])
def test_a_date_that_can_be_read_two_ways_or_not_at_all_is_not_guessed(language, said):
    assert entered(language, said) is None


def test_digits_alone_keep_the_year_month_day_rule():
    assert entered("fr", "1948 05 17") == "1948-05-17"
    assert entered("en", "It's 1961 11 02") == "1961-11-02"


def test_month_names_come_from_each_languages_locale_full_and_abbreviated():
    for language in FLOWSET.languages:
        words = FLOWSET.vocabulary((language.code,))
        content = {*words.key_names, *words.numbers, *words.fillers}
        for width in ("wide", "abbreviated"):
            for month, name in get_month_names(width, locale=language.locale).items():
                phrase = tuple(normalize(name).split())
                # left out only where the content reads the word otherwise ("sept." is "sept", seven)
                assert words.months.get(phrase) == month or phrase in content, (language.code, name)


def test_a_language_added_to_the_line_brings_its_month_names():
    words = Vocabulary.of(months=month_names(["es_MX"]))
    assert spoken_date("17 mayo 1948", words) == "1948-05-17"


# -- property: every day of a year, said in each language's words, comes back -------------------------------


def _said(number: int, language: str) -> str:
    """`number` (0..99) in the content's words: its own word, or a ten and a digit ("quarante huit")."""
    if number < 10:
        return FLOWSET.prompts.words(f"keys.{number}", language)[0]
    own = FLOWSET.prompts.words(f"numbers.{number}", language)
    if own:
        return own[0]
    tens = max(value for value in range(20, number, 10) if FLOWSET.prompts.words(f"numbers.{value}", language))
    return f"{_said(tens, language)} {_said(number - tens, language)}"


def _year_said(year: int, language: str) -> str:
    thousand, hundred = (FLOWSET.prompts.words(f"numbers.{n}", language)[0] for n in (1000, 100))
    high, low = divmod(year, 100)
    rest = f" {_said(low, language)}" if low else ""
    if high == 20:
        return f"{_said(2, language)} {thousand}{rest}"
    return f"{_said(high, language)} {hundred}{rest}"


@SOFTLY
@given(st.sampled_from(LANGUAGES), st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)),
       st.booleans(), st.booleans())
def test_every_date_said_in_a_languages_words_round_trips(language, day, month_first, year_in_words):
    # "May twenty two thousand five" is May 20 or 22: a day in words before a year in words that starts with
    # a digit is not guessed at (tested above), so it is not generated here.
    assume(not (month_first and year_in_words and day.year >= 2000))
    words = FLOWSET.vocabulary((language,))
    locale = FLOWSET.languages.get(language).locale
    month = get_month_names("wide", locale=locale)[day.month]
    year = _year_said(day.year, language) if year_in_words else str(day.year)
    day_said = _said(day.day, language)
    said = f"{month} {day_said} {year}" if month_first else f"{day_said} {month} {year}"
    assert spoken_date(said, words) == day.isoformat(), said
