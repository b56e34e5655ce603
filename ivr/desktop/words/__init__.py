"""The desktop's own words, per agent language (callers' words are in prompts/, not here).

Sentences are never pasted together: a sentence with a number has one form per CLDR plural category
(``{one: …, other: …}``, chosen with Babel's plural rules for the agent's locale); a sentence that puts
a noun after an article or a preposition asks the noun for that form (``{step:à le}``, see nouns.py);
dates, times and durations are written by Babel in the agent's locale, the same way on every page.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from babel import Locale
from babel.dates import format_date, format_time, format_timedelta, get_datetime_format
from babel.numbers import format_decimal, format_percent
from babel.units import format_unit
from markupsafe import Markup, escape

from ivr.engine.languages import BUILT_IN, Languages
from ivr.desktop.words.nouns import Noun, NounSpecError

PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
_HERE = Path(__file__).parent
_CODE = re.compile(r"`([^`]+)`")
WORDS_LANGUAGES = frozenset(path.stem for path in _HERE.glob("*.yaml"))
"""The languages the desktop has words for: one ivr/desktop/words/<code>.yaml each."""


@lru_cache(maxsize=None)
def _catalog(language: str) -> dict[str, Any]:
    with open(_HERE / f"{language}.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def code_spans(text: str) -> Markup:
    """Text as HTML, with `code` spans (as word files and flow descriptions write them) as <code>."""
    return Markup(_CODE.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text))))


def is_plural(entry: Any) -> bool:
    """A word file entry that has one sentence per CLDR plural category (at least `other`)."""
    return isinstance(entry, dict) and "other" in entry and set(entry) <= set(PLURAL_CATEGORIES)


def desktop_languages(languages: Languages = BUILT_IN) -> tuple[str, ...]:
    """The line's languages (flows/languages.yaml order) the desktop speaks: those with words in
    ivr/desktop/words/<code>.yaml. Agents of another language see the desktop in the first of these
    (`ivr lint` warns, desktop-words-missing)."""
    spoken = tuple(code for code in languages.codes if code in WORDS_LANGUAGES)
    return spoken or tuple(code for code in BUILT_IN.codes if code in WORDS_LANGUAGES)


class Words:
    """`words("ui.title")`, `words("failures.nomatch", count=2)`: a missing key shows itself, never crashes."""

    def __init__(self, language: str, languages: Languages = BUILT_IN):
        offered = desktop_languages(languages)
        self.language = language if language in offered else offered[0]
        self.languages = languages
        self.locale = Locale.parse((languages if self.language in languages else BUILT_IN).get(self.language).locale)

    def language_label(self, code: str | None) -> str:
        """How a caller's language is shown: the desktop's word for it, else the name flows/languages.yaml
        gives it (a language the desktop has no words for), else the words for 'not chosen'."""
        if code and self.lookup(f"languages.{code}") is None and code in self.languages:
            return self.languages.get(code).name
        return self(f"languages.{code or 'none'}")

    def lookup(self, key: str) -> Any:
        """The entry at a dotted key (`flows_page.graph.agent`); a name may itself hold a dot."""
        node: Any = _catalog(self.language)
        rest = key
        while isinstance(node, dict):
            if rest in node:
                return node[rest]
            part, dot, rest = rest.partition(".")
            if not dot or part not in node:
                return None
            node = node[part]
        return None

    def __call__(self, name: str, /, default: str | None = None, **values: Any) -> str:
        """The sentence `name` with its values; with `count=`, the form CLDR's plural rules choose."""
        text = self._sentence(name, values)
        if text is None:
            return default if default is not None else name
        return text.format(**self._shown(values)) if values else text

    def html(self, name: str, /, **values: Any) -> Markup:
        """The sentence as HTML: values escaped (unless already Markup), `code` spans as <code>."""
        text = self._sentence(name, values)
        if text is None:
            return Markup(escape(name))
        template = code_spans(text)
        return template.format(**self._shown(values)) if values else template

    def _sentence(self, name: str, values: dict[str, Any]) -> str | None:
        text = self.lookup(name)
        if is_plural(text) and "count" in values:
            text = text.get(str(self.locale.plural_form(values["count"])), text["other"])
        return text if isinstance(text, str) else None

    def _shown(self, values: dict[str, Any]) -> dict[str, Any]:
        """Numbers written in the agent's locale (1 234 in French, 1,234 in English)."""
        return {k: format_decimal(v, locale=self.locale) if isinstance(v, int) and not isinstance(v, bool) else v
                for k, v in values.items()}

    def noun(self, key: str, default: str | None = None, **values: Any) -> Noun:
        """A noun of the word file (`fields.city`), ready for `{field:le}`; an unknown key is its own words."""
        entry = self.lookup(key)
        if entry is None or (isinstance(entry, dict) and "noun" not in entry):
            return Noun(default if default is not None else key, self.language)
        return Noun.from_entry(entry, self.language, **values)

    def step_name(self, position: str) -> str:
        """A flow step ("status/agent") as agents know it: the word file's noun for it (steps.<flow/step>),
        capitalised ("Status lookup"), else the position itself."""
        if self.lookup(f"steps.{position}") is None:
            return position
        text = str(self.noun(f"steps.{position}"))
        return text[:1].upper() + text[1:]

    def ordinal(self, number: int) -> str:
        """1er, 2e / 1st, 2nd, 3rd, 4th: the form chosen by CLDR's ordinal rules for the locale."""
        forms = self.lookup("numbers.ordinal") or {"other": "{n}"}
        return forms.get(str(self.locale.ordinal_form(number)), forms["other"]).format(n=number)

    # -- dates and numbers: one way for every page ------------------------------------------------

    def datetime(self, moment: datetime | None) -> str:
        """"30 nov. 2026, 16 h 22" / "Nov 30, 2026, 4:22 p.m.": CLDR's medium date, short time, and its glue."""
        if moment is None:
            return ""
        glue = get_datetime_format("medium", locale=self.locale)
        return (glue.replace("'", "").replace("{1}", format_date(moment, "medium", locale=self.locale))
                .replace("{0}", format_time(moment, "short", locale=self.locale)))

    def date(self, day: date | datetime | None) -> str:
        """"30 nov. 2026" / "Nov 30, 2026"."""
        return format_date(day, "medium", locale=self.locale) if day is not None else ""

    def duration(self, seconds: float | None) -> str | None:
        """"3 minutes", "45 secondes": Babel's words for a length of time."""
        if seconds is None:
            return None
        return format_timedelta(timedelta(seconds=max(0, seconds)), threshold=1.5, locale=self.locale)

    def seconds(self, value: float) -> str:
        """"92,1 s" / "92.1 sec": a number of seconds with CLDR's short unit (waits in the queue)."""
        return format_unit(value, "duration-second", "short", locale=self.locale)

    def number(self, value: int | float) -> str:
        """"1 234" / "1,234"."""
        return format_decimal(value, locale=self.locale)

    def percent(self, share: float) -> str:
        """"40 %" / "40%"."""
        return format_percent(share, locale=self.locale)


__all__ = ["Noun", "NounSpecError", "WORDS_LANGUAGES", "Words", "code_spans", "desktop_languages", "is_plural"]
