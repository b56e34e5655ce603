"""Nouns the desktop puts in its sentences, with the article or preposition each language's grammar asks.

A sentence in the word files says what comes before a noun with a format spec, and this module writes
it by the rule instead of pasting words together:

- French: ``{step:le}`` is the definite article (le, la, les, or l' before a vowel sound);
  ``{step:à le}`` and ``{step:de le}`` add the preposition and contract it as French does (au, aux,
  du, des; à la, de l'); ``{benefit:de}`` is the preposition alone, elided before a vowel sound (d').
- English: ``{step:the}`` is "the" + noun. English has no contraction or elision to write.

With no spec a noun is just its words. Whether a word starts with a vowel sound is read from its first
letter; a word starting with a mute h says so in the word file (``elide: true``), as "l'heure" needs.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

VOWELS = frozenset("aeiouœæ")  # y is left out: le yaourt, le yacht; a word that elides says `elide: true`
_FRENCH_ARTICLES = {("m", False): "le", ("f", False): "la", ("m", True): "les", ("f", True): "les"}
_FRENCH_CONTRACTIONS = {("à", "le"): "au", ("à", "les"): "aux", ("de", "le"): "du", ("de", "les"): "des"}
FRENCH_SPECS = ("", "le", "à le", "de le", "de")
ENGLISH_SPECS = ("", "the")


class NounSpecError(ValueError):
    """A sentence asks a noun for a form its language does not have (a typo in the word file)."""


def starts_with_vowel_sound(text: str) -> bool:
    """By the first letter, accents set aside (école, île, âge); h and y are consonants unless the word says so."""
    first = unicodedata.normalize("NFD", text.strip()[:1].lower())[:1]
    return first in VOWELS


@dataclass(frozen=True)
class Noun:
    """A noun in one language: its words, and for French its gender, number and whether it elides."""

    text: str
    language: str
    gender: str = "m"  # m | f (French)
    plural: bool = False
    elide: bool | None = None  # None: by the first letter

    @classmethod
    def from_entry(cls, entry: Any, language: str, **values: Any) -> "Noun":
        """A word file's entry: plain words, or ``{noun: words, gender: f, plural: true, elide: true}``."""
        if isinstance(entry, dict):
            text = str(entry.get("noun", ""))
            return cls(text.format(**values) if values else text, language, str(entry.get("gender", "m")),
                       bool(entry.get("plural", False)), entry.get("elide"))
        text = str(entry)
        return cls(text.format(**values) if values else text, language)

    @property
    def elides(self) -> bool:
        return self.elide if self.elide is not None else starts_with_vowel_sound(self.text)

    def __str__(self) -> str:
        return self.text

    def __format__(self, spec: str) -> str:
        spec = spec.strip()
        if not spec:
            return self.text
        if self.language == "fr":
            return self._french(spec)
        if self.language == "en" and spec == "the":
            return f"the {self.text}"
        raise NounSpecError(f"'{{…:{spec}}}' is not a form of an {self.language} noun; "
                            f"use one of {', '.join(repr(s) for s in _specs(self.language))}")

    def _french(self, spec: str) -> str:
        if spec == "de":  # the preposition alone: une demande de pension, une demande d'allocation
            return f"d'{self.text}" if self.elides else f"de {self.text}"
        preposition, _, article = spec.rpartition(" ")
        if article != "le" or preposition not in ("", "à", "de"):
            raise NounSpecError(f"'{{…:{spec}}}' is not a form of a French noun; "
                                f"use one of {', '.join(repr(s) for s in FRENCH_SPECS)}")
        if self.elides and not self.plural:
            written = f"l'{self.text}"
            return f"{preposition} {written}" if preposition else written
        article = _FRENCH_ARTICLES[(self.gender if self.gender in ("m", "f") else "m", self.plural)]
        if preposition:
            contracted = _FRENCH_CONTRACTIONS.get((preposition, article))
            return f"{contracted} {self.text}" if contracted else f"{preposition} {article} {self.text}"
        return f"{article} {self.text}"


def _specs(language: str) -> tuple[str, ...]:
    return FRENCH_SPECS if language == "fr" else ENGLISH_SPECS
