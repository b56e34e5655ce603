"""The desktop reads the same in French and English: no key missing in one language or the pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ivr.desktop.words import Words, _catalog, is_plural
from ivr.engine.loader import load_flowset
from ivr.engine.steps import Ask, Menu, Use

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "ivr" / "desktop" / "templates"


def keys(node, prefix=""):
    """Every sentence's key; a noun (its gender is French grammar) or a plural (CLDR's categories differ) is one."""
    if isinstance(node, dict) and not is_plural(node) and "noun" not in node:
        for name, value in node.items():
            yield from keys(value, f"{prefix}{name}.")
    else:
        yield prefix.rstrip(".")


def test_french_and_english_have_the_same_words():
    assert set(keys(_catalog("fr"))) == set(keys(_catalog("en")))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_word_a_page_uses_exists(language):
    words = Words(language)
    used = set()
    for template in TEMPLATES.rglob("*.html"):
        used |= set(re.findall(r"w(?:\.html)?\('([a-z_]+\.[a-z_]+)'", template.read_text()))
    assert used, "no words found in the templates"
    missing = sorted(key for key in used if not isinstance(words.lookup(key), str) and not is_plural(words.lookup(key)))
    assert missing == []


def test_a_missing_word_shows_its_key_instead_of_failing():
    assert Words("en")("ui.nothing_here") == "ui.nothing_here"
    assert Words("de")("ui.title") == "Poste de l'agent"  # unknown language: French, the default


# -- counts and articles are written by rules, never pasted ---------------------------------------

def sentences(node, prefix=""):
    if isinstance(node, dict):
        for name, value in node.items():
            yield from sentences(value, f"{prefix}{name}.")
    elif isinstance(node, str):
        yield prefix.rstrip("."), node


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_sentence_with_a_count_has_a_form_for_each_plural_category_of_the_locale(language):
    words = Words(language)
    # the categories a count on the desktop reaches (French's "many" starts at a million: it falls back to other)
    needed = {words.locale.plural_form(n) for n in range(100000)}
    with_count = {key.rsplit(".", 1)[0] if is_plural(words.lookup(key.rsplit(".", 1)[0])) else key
                  for key, text in sentences(_catalog(language)) if "{count}" in text}
    assert with_count
    for key in with_count:
        entry = words.lookup(key)
        assert is_plural(entry), f"{language}.yaml {key}: a sentence with {{count}} needs {{one: …, other: …}}"
        assert needed <= set(entry), f"{language}.yaml {key}: forms for {sorted(needed - set(entry))} are missing"
    assert not [key for key, text in sentences(_catalog(language)) if "(s)" in text]


@pytest.mark.parametrize("language, count, expected", [
    ("en", 1, "Not understood once"), ("en", 2, "Not understood 2 times"),
    ("fr", 1, "Non compris 1 fois"), ("fr", 2, "Non compris 2 fois"),
])
def test_a_count_chooses_the_singular_or_the_plural_by_the_locales_rule(language, count, expected):
    assert Words(language)("failures.nomatch", count=count) == expected


def test_the_report_periods_read_naturally_for_one_day_and_for_several():
    assert [Words("fr")("ui.last_days", count=n) for n in (1, 7)] == ["Dernier jour", "7 derniers jours"]
    assert [Words("en")("ui.last_days", count=n) for n in (1, 30)] == ["Last day", "Last 30 days"]
    assert Words("en")("ui.too_many_sign_ins", count=1).startswith("Too many failed sign-ins. Wait 1 minute and")
    assert Words("fr")("verification.failed", count=1).endswith("(1 essai)")
    assert Words("fr")("failures.verify", count=1234) == "Vérification échouée 1\u00a0234 fois"


def test_ordinals_follow_cldrs_ordinal_rules():
    english = Words("en")
    assert [english.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st", "111th"]
    assert [Words("fr").ordinal(n) for n in (1, 2, 21)] == ["1er", "2e", "21e"]


@pytest.mark.parametrize("noun, expected", [
    ("steps.address/postal_code", ("le code postal", "au code postal", "du code postal")),
    ("steps.identify/birth_date", ("la date de naissance", "à la date de naissance", "de la date de naissance")),
    ("steps.address/apartment", ("l'appartement", "à l'appartement", "de l'appartement")),
    ("steps.address/offer_phone", ("l'offre de changer le téléphone", "à l'offre de changer le téléphone",
                                   "de l'offre de changer le téléphone")),
])
def test_french_articles_contract_and_elide_by_the_rule(noun, expected):
    word = Words("fr").noun(noun)
    assert (format(word, "le"), format(word, "à le"), format(word, "de le")) == expected


def test_the_rule_knows_plurals_mute_h_and_the_bare_preposition():
    from ivr.desktop.words.nouns import Noun

    assert format(Noun("menus", "fr", plural=True), "à le") == "aux menus"
    assert format(Noun("étapes", "fr", "f", plural=True), "de le") == "des étapes"
    assert format(Noun("heure", "fr", "f", elide=True), "à le") == "à l'heure"
    assert format(Noun("hibou", "fr"), "le") == "le hibou"  # an h that is not mute is a consonant
    assert format(Noun("allocation", "fr", "f"), "de") == "d'allocation"
    assert format(Noun("pension de retraite", "fr", "f"), "de") == "de pension de retraite"
    assert format(Noun("postal code", "en"), "the") == "the postal code"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_sentence_asks_its_nouns_for_a_form_the_language_has(language):
    """A typo such as {step:a le} fails here, not on an agent's screen."""
    import string

    from ivr.desktop.words.nouns import Noun

    for key, text in sentences(_catalog(language)):
        for _, name, spec, _ in string.Formatter().parse(text):
            if spec:
                format(Noun("exemple", language), spec)  # raises NounSpecError for a form that does not exist


def test_a_french_summary_never_pastes_a_preposition_before_an_article():
    words = Words("fr")
    pasted = (" à le ", " à les ", " de le ", " de les ", "à le ", " de a", " le a", " la a")
    for step in _catalog("fr")["steps"]:
        for key in ("journey.noinput", "journey.nomatch", "journey.chose_plain"):
            line = words(key, step=words.noun(f"steps.{step}"), key="1")
            assert not any(bad in line for bad in pasted), line
    for field in _catalog("fr")["fields"]:
        line = words("journey.entered_hidden", field=words.noun(f"fields.{field}"))
        assert line.startswith(("A entré le ", "A entré la ", "A entré l'")), line


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_sentence_with_code_is_shown_as_html_so_its_backticks_become_code(language):
    words = Words(language)
    plain = set()
    for template in TEMPLATES.rglob("*.html"):
        plain |= set(re.findall(r"w\('([a-z_]+(?:\.[a-z_]+)+)'", template.read_text()))  # w('…'), not w.html('…')
    with_code = sorted(key for key in plain if "`" in str(words.lookup(key)))
    assert with_code == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_step_a_caller_can_leave_from_has_a_name_on_the_desktop(language):
    """A question (menu, ask) or a sub-flow (use: a caller not verified leaves from status/identify) of the
    shipped flows: the Reports page's "sent to an agent, by step" and the call context name it in words,
    not as `status/identify` alone or "step status/identify"."""
    words, flowset = Words(language), load_flowset(ROOT / "flows", ROOT / "prompts")
    unnamed = [f"{flow_name}/{name}" for flow_name, flow in flowset.flows.items() for name, step in flow.steps.items()
               if isinstance(step, (Menu, Ask, Use)) and words.lookup(f"steps.{flow_name}/{name}") is None]
    assert unnamed == []
