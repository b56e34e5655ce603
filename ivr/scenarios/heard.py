"""Which prompt keys a caller heard, recovered from the spoken words of a TwiML answer.

Scenarios assert on prompt keys (`hear: status.approved`) while the webhook only answers with
words; each prompt's sentence becomes a pattern (its {values} match anything), so what the
caller actually heard over the wire is what is checked.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable

from ivr.engine.prompts import Prompts

_SPACES = re.compile(r"\s+")


def plain(text: str) -> str:
    """Text compared the way a listener hears it: case, accents' forms and spacing aside."""
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\u202f", " ")
    return _SPACES.sub(" ", text).strip().casefold()


class PromptMatcher:
    """Turns spoken sentences back into the prompt keys they came from."""

    def __init__(self, prompts: Prompts):
        self.prompts = prompts
        self._patterns: dict[str, list[tuple[str, re.Pattern[str]]]] = {}

    def is_key(self, text: str) -> bool:
        return any(self.prompts.get(text, lang) is not None for lang in self.prompts.languages.codes)

    def keys(self, language: str) -> set[str]:
        return self.prompts.keys(language)

    def _for(self, language: str) -> list[tuple[str, re.Pattern[str]]]:
        if language not in self._patterns:
            found = []
            for key in sorted(self.prompts.keys(language)):
                entry = self.prompts.get(key, language)
                if entry is not None and entry.text:
                    found.append((key, _pattern(entry.text)))
            self._patterns[language] = found
        return self._patterns[language]

    def heard_keys(self, said: Iterable[tuple[str, str]]) -> list[str]:
        """Prompt keys for (language, text) pairs, in the order they were said.

        A recording played instead of words comes as ("audio", url) and is known by its file.
        """
        keys: list[str] = []
        for language, text in said:
            if language == "audio":
                keys.extend(self._recording(text))
                continue
            lang = "en" if language.lower().startswith("en") else "fr"
            spoken = plain(text)
            for key, pattern in self._for(lang):
                if pattern.fullmatch(spoken):
                    keys.append(key)
                    break
        return keys


    def _recording(self, url: str) -> list[str]:
        parts = url.rstrip("/").split("/")
        name = parts[-1]
        folder = parts[-2] if len(parts) > 1 else ""
        languages = self.prompts.languages.speaking(folder)
        for language in languages:
            for key in sorted(self.prompts.keys(language)):
                entry = self.prompts.get(key, language)
                if entry is not None and entry.audio and (entry.audio == url or entry.audio.endswith(name)):
                    return [key]
        return []


def _pattern(template: str) -> re.Pattern[str]:
    parts: list[str] = []
    try:
        pieces = list(string.Formatter().parse(template))
    except ValueError:
        return re.compile(re.escape(plain(template)))
    for literal, name, _spec, _conv in pieces:
        if literal:
            parts.append(r"\s*".join(re.escape(word) for word in plain(literal).split(" ")) if literal.strip()
                         else r"\s*")
        if name is not None:
            parts.append(r"\s*.*?\s*")
    return re.compile("".join(parts), re.DOTALL)
