"""THE list of languages a line serves: read once from flows/languages.yaml, asked by every other place.

A language is content, not code: its code (the prompts/<code>/ folder, a call's language, the `lang=`
URL value), its name, its babel locale (dates, money, numbers), its speech-recognition code (Twilio's
<Gather language>, https://www.twilio.com/docs/voice/twiml/gather#languagetags), the voice that reads
its prompts (<Say voice> and <Say language>, https://www.twilio.com/docs/voice/twiml/say/text-speech),
and the agents' queue its callers wait in. The order of the file is the order of the greeting; the
first language is the default: spoken first to a caller who has not chosen, the desktop's fallback.

Adding a language is a block in flows/languages.yaml and a prompts/<code>/ folder, no code change.
A flows folder without languages.yaml serves BUILT_IN (French then English), the line this project
was written for. Pure: standard library, yaml and babel.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError

from ivr.engine.findings import Finding, Severity, did_you_mean
from ivr.engine.texts import as_path
from ivr.engine.yamlsource import YamlProblem, load_file

FILE_NAME = "languages.yaml"
LANGUAGE_KEYS = ("code", "name", "locale", "speech", "voice", "voice_language", "queue")
REQUIRED_KEYS = ("code", "name", "locale", "speech", "voice", "queue")
TOP_KEYS = ("languages", "unknown_queue")
CODE = re.compile(r"^[a-z]{2}$")
"""A language code: ISO 639-1, two lower-case letters (it names a folder, rides in URLs, and the calls,
callbacks and agents tables keep it in two characters)."""
SPEECH_CODE = re.compile(r"^[a-z]{2,3}-[A-Z]{2}$")
"""A BCP 47 tag with a region, as Twilio's speech-recognition language list spells them (fr-CA)."""
UNKNOWN_QUEUE = "agents-bilingual"


@dataclass(frozen=True)
class Language:
    """One language of the line, as flows/languages.yaml declares it."""

    code: str
    name: str
    locale: str
    speech: str
    voice: str
    voice_language: str = ""
    """<Say language> for `voice`, when the voice speaks another variant (Polly.Joanna is en-US);
    empty: the speech-recognition code."""
    queue: str = ""
    line: int = 0

    @property
    def say_language(self) -> str:
        return self.voice_language or self.speech


@dataclass(frozen=True)
class Languages:
    """The line's languages in greeting order (the first is the default) and the queue of callers
    whose language is not known (silence or 0 at the greeting, a fault before the choice)."""

    all: tuple[Language, ...]
    unknown_queue: str = UNKNOWN_QUEUE
    path: str = ""
    _by_code: dict[str, Language] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.all:
            raise ValueError("a line serves at least one language")
        self._by_code.update((language.code, language) for language in self.all)

    def __iter__(self) -> Iterator[Language]:
        return iter(self.all)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self.all)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(language.code for language in self.all)

    @property
    def default(self) -> Language:
        return self.all[0]

    def get(self, code: str) -> Language:
        """The language of `code`; KeyError when the line does not serve it."""
        return self._by_code[code]

    def known(self, value: object) -> str | None:
        """`value` when it is a code of this line (a URL's lang=, a saved call's language), else None."""
        return value if isinstance(value, str) and value in self._by_code else None

    def or_default(self, value: object) -> Language:
        """The language of `value`, or the default one when it is not a code of this line."""
        return self._by_code.get(value, self.default) if isinstance(value, str) else self.default

    def speaking(self, value: object) -> tuple[str, ...]:
        """What to speak in: the caller's language, or every language in greeting order when unknown."""
        known = self.known(value)
        return (known,) if known else self.codes

    def queue(self, value: object) -> str:
        """The agents' queue of a caller: their language's, or the unknown-language one."""
        known = self.known(value)
        return self._by_code[known].queue if known else self.unknown_queue


BUILT_IN = Languages((
    Language("fr", "Français", "fr_CA", "fr-CA", "Polly.Chantal", queue="agents-fr"),
    Language("en", "English", "en_CA", "en-CA", "Polly.Joanna", voice_language="en-US", queue="agents-en"),
))
"""Served when a flows folder has no languages.yaml; flows/languages.yaml declares the same."""


def read_languages(flows_dir: Path | str, findings: list[Finding] | None = None) -> Languages:
    """The languages of `flows_dir`/languages.yaml (BUILT_IN when there is no such file).

    Problems are appended to `findings` with file and line; a file with errors gives BUILT_IN, so the
    rest of the content can still be checked.
    """
    found: list[Finding] = [] if findings is None else findings
    path = as_path(flows_dir) / FILE_NAME
    if not path.is_file():
        return BUILT_IN
    try:
        data = load_file(path)
    except YamlProblem as problem:
        found.append(problem.finding())
        return BUILT_IN
    before = len(found)
    languages = _parse(data, str(path), found)
    if languages is None or any(f.severity is Severity.ERROR for f in found[before:]):
        return BUILT_IN
    return languages


def without_desktop_words(languages: Languages, desktop_languages: Collection[str]) -> list[Finding]:
    """A warning for each language the agents' desktop has no words for (ivr/desktop/words/<code>.yaml):
    its agents see the desktop in the first language that has them; its callers are served as usual."""
    fallback = next((code for code in languages.codes if code in desktop_languages), "")
    return [Finding("desktop-words-missing", f"the agents' desktop has no words in '{language.code}'",
                    languages.path, language.line, severity=Severity.WARNING,
                    hint=f"agents who work in it see the desktop in '{fallback}'; add "
                         f"ivr/desktop/words/{language.code}.yaml to translate it")
            for language in languages if language.code not in desktop_languages]


def with_voices(languages: Languages, voices: Mapping[str, str]) -> Languages:
    """`languages` with the voices an installation sets ({code: voice}, IVR_VOICE_<CODE>); a Polly voice
    keeps the declared <Say language>, any other is told the speech-recognition code."""
    changed = []
    for language in languages:
        voice = voices.get(language.code) or language.voice
        if voice != language.voice:
            language = replace(language, voice=voice,
                               voice_language=language.voice_language if voice.startswith("Polly.") else "")
        changed.append(language)
    return replace(languages, all=tuple(changed))


def _parse(data: Any, path: str, findings: list[Finding]) -> Languages | None:
    def problem(code: str, message: str, line: int, hint: str = "", severity: Severity = Severity.ERROR) -> None:
        findings.append(Finding(code, message, path, line, severity=severity, hint=hint))

    if not isinstance(data, dict) or not isinstance(data.get("languages"), list) or not data["languages"]:
        problem("languages-missing", "languages.yaml must list 'languages:', at least one", 1,
                hint="start from the French and English blocks in docs/authoring.md")
        return None
    for key in data:
        if key not in TOP_KEYS:
            problem("unknown-key", f"unknown setting '{key}' in languages.yaml", data.where(key)[0],
                    hint=did_you_mean(key, TOP_KEYS) or "allowed: " + ", ".join(TOP_KEYS))
    read: list[Language] = []
    items = data["languages"]
    for index, block in enumerate(items):
        line = items.item_lines[index][0] if hasattr(items, "item_lines") else 0
        language = _language(block, line, problem)
        if language is None:
            continue
        if any(other.code == language.code for other in read):
            problem("language-twice", f"language '{language.code}' is declared twice", line,
                    hint="keep one block per language")
            continue
        if any(other.queue == language.queue for other in read):
            problem("queue-twice", f"languages '{language.code}' and another share queue '{language.queue}'", line,
                    hint="give each language its own agents' queue")
        read.append(language)
    unknown_queue = str(data.get("unknown_queue") or UNKNOWN_QUEUE)
    if any(language.queue == unknown_queue for language in read):
        problem("queue-twice", f"queue '{unknown_queue}' is both a language's and the unknown-language one",
                data.where("unknown_queue")[0] if "unknown_queue" in data else 1,
                hint="callers who have not chosen wait with agents who speak every language")
    return Languages(tuple(read), unknown_queue, path) if read else None


def _language(block: Any, line: int, problem: Any) -> Language | None:
    if not isinstance(block, dict):
        problem("language-not-mapping", "each language is a block with code, name, locale, speech, voice, queue",
                line)
        return None
    line = getattr(block, "line", 0) or line
    for key in block:
        if key not in LANGUAGE_KEYS:
            problem("unknown-key", f"unknown setting '{key}' for a language", block.where(key)[0],
                    hint=did_you_mean(key, LANGUAGE_KEYS) or "allowed: " + ", ".join(LANGUAGE_KEYS))
    missing = [key for key in REQUIRED_KEYS if not str(block.get(key) or "").strip()]
    if missing:
        problem("language-incomplete", f"language '{block.get('code', '?')}' has no {', '.join(missing)}", line,
                hint="each language says code, name, locale, speech, voice and queue")
        return None
    values = {key: str(block.get(key) or "").strip() for key in LANGUAGE_KEYS}
    code = values["code"]
    if not CODE.match(code):
        problem("bad-language", f"language code '{code}' is not two lower-case letters",
                block.where("code")[0], hint="use the ISO 639-1 code, e.g. fr, en, es, iu")
        return None
    try:
        Locale.parse(values["locale"])
    except (UnknownLocaleError, ValueError):
        problem("bad-locale", f"locale '{values['locale']}' of language '{code}' is not one babel knows",
                block.where("locale")[0], hint="write language_REGION, e.g. fr_CA, en_CA, es_MX")
        return None
    for key in ("speech", "voice_language"):
        if values[key] and not SPEECH_CODE.match(values[key]):
            problem("bad-speech-language", f"{key} '{values[key]}' of language '{code}' is not a language tag "
                                           "with a region", block.where(key)[0],
                    hint="write it as Twilio lists it, e.g. fr-CA, en-US, es-MX")
            return None
    for key, separator in (("locale", "_"), ("speech", "-"), ("voice_language", "-")):
        parts = re.split(r"[-_]", values[key]) if values[key] else [code]
        spoken, region = parts[0].lower(), (separator + parts[-1] if len(parts) > 1 else "")
        # A French line recognised, read or dated in English is no mistake babel or Twilio would see. Only
        # two-letter tags are compared: Twilio writes some languages with three (cmn-CN for zh, fil-PH for tl).
        if len(spoken) == 2 and spoken != code:
            problem("language-mismatch", f"{key} '{values[key]}' of language '{code}' is in '{spoken}', not "
                                         f"'{code}'", block.where(key)[0],
                    hint=f"start it with the language's code: {code}{region}")
    return Language(code, values["name"], values["locale"], values["speech"], values["voice"],
                    values["voice_language"], values["queue"], line)
