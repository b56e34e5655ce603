"""The desktop reads the same in French and English: no key missing in one language or the pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ivr.desktop.words import Words, _catalog

TEMPLATES = Path(__file__).resolve().parent.parent / "ivr" / "desktop" / "templates"


def keys(node, prefix=""):
    if isinstance(node, dict):
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
        used |= set(re.findall(r"w\('([a-z_]+\.[a-z_]+)'", template.read_text()))
    assert used, "no words found in the templates"
    missing = sorted(key for key in used if not isinstance(words.lookup(key), str))
    assert missing == []


def test_a_missing_word_shows_its_key_instead_of_failing():
    assert Words("en")("ui.nothing_here") == "ui.nothing_here"
    assert Words("de")("ui.title") == "Poste de l'agent"  # unknown language: French, the default
