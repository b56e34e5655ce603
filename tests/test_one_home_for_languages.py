"""One fact, one home (LAYOUT rule 5): the list of languages is written only in ivr/engine/languages.py;
every other module asks it (the line's own list is content, in flows/languages.yaml)."""

from __future__ import annotations

import re
from pathlib import Path

IVR = Path(__file__).resolve().parent.parent / "ivr"
HOME = IVR / "engine" / "languages.py"
SPELT_OUT = re.compile(r"""[(\[{]\s*["'](fr|en)["']\s*[:,]\s*["'][^"']*["']\s*[,:]\s*["'](en|fr)["']"""
                       r"""|[(\[]\s*["'](fr|en)["']\s*,\s*["'](en|fr)["']\s*[)\]]"""
                       r"""|^\s*LANGUAGES\s*=|class Language\(StrEnum\)""", re.M)


def test_no_module_but_the_languages_module_spells_out_the_list_of_languages():
    found = [f"{path.relative_to(IVR.parent)}:{source[:match.start()].count(chr(10)) + 1}: {match.group(0).strip()}"
             for path in sorted(IVR.rglob("*.py")) if path != HOME
             for source in [path.read_text(encoding="utf-8")] for match in SPELT_OUT.finditer(source)]
    assert found == [], "ask ivr.engine.languages instead:\n" + "\n".join(found)


def test_the_check_catches_a_list_spelt_out():
    assert SPELT_OUT.search('if language in ("fr", "en"):')
    assert SPELT_OUT.search('LOCALES = {"fr": "fr_CA", "en": "en_CA"}')
    assert SPELT_OUT.search("LANGUAGES = ('fr', 'en')")
    assert not SPELT_OUT.search('MAX_WORDS = {"en": 25, "fr": 30}')  # a per-language measure, not the list
