"""The words callers hear, per language, with values formatted for the caller's locale.

Prompts live in ``prompts/<language>/<namespace>.yaml``; the key ``status.approved`` is the
entry ``approved`` of ``prompts/fr/status.yaml`` (and of ``prompts/en/status.yaml``).
An entry is a sentence, a list of spoken keywords, or ``{text: ..., audio: file.wav}``.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Mapping

import phonenumbers
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from ivr.engine.findings import Finding
from ivr.engine.languages import BUILT_IN, Languages
from ivr.engine.phones import region_names
from ivr.engine.texts import as_path
from ivr.engine.yamlsource import YamlProblem, load_file

FORMATS = ("money", "date", "digits", "number", "phone", "postal", "regions", "term")


@dataclass(frozen=True)
class PromptText:
    key: str
    language: str
    text: str | None = None
    words: tuple[str, ...] = ()
    audio: str | None = None
    path: str = ""
    line: int = 0

    @property
    def placeholders(self) -> set[str]:
        if not self.text:
            return set()
        return {name for _, name, _, _ in string.Formatter().parse(self.text) if name}


class PromptError(Exception):
    """A prompt could not be said: missing words or a value the sentence needs."""


@dataclass(frozen=True)
class Utterance:
    """One thing the caller hears: the prompt key (for tests and analytics) and its words."""

    key: str
    text: str
    language: str
    audio: str | None = None


@dataclass
class Prompts:
    entries: dict[str, dict[str, PromptText]] = field(default_factory=dict)
    languages: Languages = BUILT_IN
    """The line's languages (ivr.engine.languages): one prompts folder each, and their locales."""

    def get(self, key: str, language: str) -> PromptText | None:
        return self.entries.get(language, {}).get(key)

    def keys(self, language: str) -> set[str]:
        return set(self.entries.get(language, {}))

    def words(self, key: str, language: str) -> tuple[str, ...]:
        entry = self.get(key, language)
        return entry.words if entry else ()

    def outline(self, key: str, language: str, blank: Callable[[str, str], str] | None = None) -> str | None:
        """The sentence as callers hear it, each {value:format} written by `blank(name, format)` ("…" by
        default): what a page shows of a prompt without a call's values. None when it has no words."""
        entry = self.get(key, language)
        if entry is None or entry.text is None:
            return None
        fill = blank or (lambda _name, _format: "…")
        parts = []
        for literal, name, spec, _ in string.Formatter().parse(entry.text):
            parts.append(literal)
            if name is not None:
                parts.append(fill(name, (spec or "").strip()))
        return _tidy("".join(parts))

    def render(self, key: str, language: str, values: Mapping[str, Any]) -> Utterance:
        entry = self.get(key, language)
        if entry is None or entry.text is None:
            raise PromptError(f"prompt '{key}' has no words in prompts/{language}/")
        text = _Formatter(self, language).fill(entry.text, _Missing(values, key))
        return Utterance(key=key, text=_tidy(text), language=language, audio=entry.audio)


def load_prompts(prompts_dir: Path | str, languages: Languages = BUILT_IN) -> tuple[Prompts, list[Finding]]:
    """The prompts of each of `languages`, from prompts_dir/<code>/*.yaml, and the problems found."""
    prompts = Prompts(languages=languages)
    findings: list[Finding] = []
    root = as_path(prompts_dir)
    for language in languages.codes:
        prompts.entries[language] = {}
        folder = root / language
        if not folder.is_dir():
            findings.append(
                Finding(
                    "prompts-folder-missing",
                    f"there is no prompts folder for '{language}'",
                    str(folder),
                    hint=f"create {folder} with the same files as the other language",
                )
            )
            continue
        for path in sorted(folder.glob("*.yaml")):
            try:
                data = load_file(path)
            except YamlProblem as problem:
                findings.append(problem.finding())
                continue
            if data is None:
                continue
            if not isinstance(data, dict):
                findings.append(
                    Finding("prompts-not-mapping", "a prompts file must list 'key: words'", str(path), 1)
                )
                continue
            _read_entries(prompts.entries[language], path.stem, data, language, str(path), findings)
    return prompts, findings


def _read_entries(
    into: dict[str, PromptText], prefix: str, data: dict, language: str, path: str, findings: list[Finding]
) -> None:
    for name, value in data.items():
        key = f"{prefix}.{name}"
        line = data.where(name)[0] if hasattr(data, "where") else 0
        if isinstance(value, str):
            into[key] = PromptText(key, language, text=value, path=path, line=line)
        elif isinstance(value, list):
            into[key] = PromptText(key, language, words=tuple(str(w) for w in value), path=path, line=line)
            for word in value:
                if isinstance(word, bool) or word is None:  # YAML reads a bare yes/no/on/off as true/false
                    findings.append(
                        Finding("keyword-not-text", f"a keyword of '{key}' is read as '{word}', not as a word",
                                path, line, hint='put yes, no, on and off in quotes: ["yes", "no"]')
                    )
        elif isinstance(value, dict) and ("text" in value or "audio" in value):
            into[key] = PromptText(
                key,
                language,
                text=str(value["text"]) if value.get("text") is not None else None,
                audio=str(value["audio"]) if value.get("audio") else None,
                path=path,
                line=line,
            )
        elif isinstance(value, dict):
            _read_entries(into, key, value, language, path, findings)
        else:
            findings.append(
                Finding(
                    "prompt-not-text",
                    f"prompt '{key}' is not a sentence",
                    path,
                    line,
                    hint="put the words in quotes",
                )
            )


class _Missing(dict):
    """Values for a sentence; a missing one is a content fault, reported by name."""

    def __init__(self, values: Mapping[str, Any], key: str):
        super().__init__(values)
        self.key = key

    def __missing__(self, name: str) -> Any:
        raise PromptError(f"prompt '{self.key}' needs the value '{name}', which this call does not have")


class _Formatter(string.Formatter):
    def __init__(self, prompts: Prompts, language: str):
        self.prompts = prompts
        self.language = language
        self.locale = prompts.languages.get(language).locale

    def fill(self, text: str, values: Mapping[str, Any]) -> str:
        """The sentence with its values; a value that ends a sentence with its own period ("8:00 a.m.",
        babel's en_CA time) takes the place of the sentence's period, never "a.m.." read aloud."""
        parts: list[str] = []
        for literal, name, spec, conversion in self.parse(text):
            if literal.startswith(".") and parts and parts[-1].endswith("."):
                literal = literal[1:]
            parts.append(literal)
            if name is not None:
                value = self.convert_field(self.get_field(name, (), values)[0], conversion)
                parts.append(self.format_field(value, spec or ""))
        return "".join(parts)

    def get_value(self, key: Any, args: Any, kwargs: Any) -> Any:
        if isinstance(key, int):
            raise PromptError("prompts use named values like {amount}, not numbers")
        return kwargs[key]

    def format_field(self, value: Any, format_spec: str) -> str:
        if value is None:
            return ""
        spec = format_spec.strip()
        if spec == "money":
            return format_currency(_decimal(value), "CAD", locale=self.locale)
        if spec == "date":
            return format_date(_date(value), format="long", locale=self.locale)
        if spec == "number":
            return format_decimal(_decimal(value), locale=self.locale)
        if spec == "digits":
            return spoken_digits(str(value))
        if spec == "postal":
            compact = str(value).replace(" ", "").upper()
            return f"{' '.join(compact[:3])}, {' '.join(compact[3:])}"
        if spec == "phone":
            return _phone(value)
        if spec == "regions":  # ISO 3166 codes -> "Canada et États-Unis", CLDR names and list pattern
            return region_names([value] if isinstance(value, str) else list(value), self.locale)
        if spec == "term":
            entry = self.prompts.get(f"terms.{value}", self.language)
            if entry is None or entry.text is None:
                raise PromptError(f"there is no term 'terms.{value}' in prompts/{self.language}/terms.yaml")
            return entry.text
        if spec:
            raise PromptError(f"unknown format ':{spec}'; use one of {', '.join(FORMATS)}")
        return str(value)


DIGIT_GROUP = 4  # digits a listener holds at once (a telephone number is read 3-3-4)


def spoken_digits(value: str) -> str:
    """A number read digit by digit, in groups of at most 4 of near-equal size with a pause between
    ("12345678" -> "1 2 3 4, 5 6 7 8"; "100200300" -> "1 0 0, 2 0 0, 3 0 0"): a speech engine says
    each digit alone (not "twelve million") and the comma makes it pause where a listener notes."""
    digits = [ch for ch in value if not ch.isspace()]
    groups = -(-len(digits) // DIGIT_GROUP) or 1
    size, extra = divmod(len(digits), groups)
    parts, start = [], 0
    for index in range(groups):
        end = start + size + (1 if index < extra else 0)
        parts.append(" ".join(digits[start:end]))
        start = end
    return ", ".join(parts)


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise PromptError(f"'{value}' is not an amount") from None


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise PromptError(f"'{value}' is not a date (YYYY-MM-DD)") from None


def _phone(value: Any) -> str:
    try:
        number = phonenumbers.parse(str(value), "CA")
    except phonenumbers.NumberParseException:
        return " ".join(str(value))
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return national


_SPACES = re.compile(r"\s+")


def _tidy(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
