"""Turning what a caller pressed or said into a value the flow can use, or 'not understood'.

Speech arrives as recogniser text (Twilio's <Gather> posts it as `SpeechResult`: "h 2 x 3 k 8",
"Mon numéro de client est le 100 200 300.", "My address"); the functions here are forgiving about
how people say things and strict about what they mean: the words people put around a value are
set aside, and a sentence that holds two different values is not guessed at.

Which words are names of keys, fillers or hesitations is content (prompts/<lang>/keys.yaml and
common.yaml, named in flows/global.yaml under `speech:`), handed in as a `Vocabulary`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from .phones import DEFAULT_REGIONS, callable_number

POSTAL_CODE = re.compile(r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\d[ABCEGHJ-NPRSTV-Z]\d$")
PROVINCE_BY_LETTER = {
    "A": "NL", "B": "NS", "C": "PE", "E": "NB", "G": "QC", "H": "QC", "J": "QC", "K": "ON", "L": "ON",
    "M": "ON", "N": "ON", "P": "ON", "R": "MB", "S": "SK", "T": "AB", "V": "BC", "X": "NT", "Y": "YT",
}

_SPOKEN_LETTERS = {
    # how French speakers and recognisers spell letters out
    "a": "A", "be": "B", "bee": "B", "ce": "C", "see": "C", "de": "D", "dee": "D", "e": "E",
    "effe": "F", "ef": "F", "ge": "G", "gee": "G", "ache": "H", "aitch": "H", "i": "I", "ji": "J",
    "jay": "J", "ka": "K", "kay": "K", "elle": "L", "el": "L", "em": "M", "emme": "M", "en": "N",
    "enne": "N", "o": "O", "pe": "P", "pee": "P", "qu": "Q", "cue": "Q", "ku": "Q", "erre": "R",
    "ar": "R", "esse": "S", "es": "S", "te": "T", "tee": "T", "u": "U", "you": "U", "ve": "V",
    "vee": "V", "double ve": "W", "w": "W", "ixe": "X", "ex": "X", "x": "X", "i grec": "Y", "y grec": "Y",
    "why": "Y", "zede": "Z", "zed": "Z", "zee": "Z",
}


def normalize(text: str) -> str:
    """Lower case, no accents, no punctuation: how speech is compared with keywords."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = re.sub(r"[^a-z0-9]+", " ", plain)
    return plain.strip()


def says_any(text: str, words: tuple[str, ...] | list[str]) -> bool:
    """True when the utterance contains one of the keywords (whole words, any accents)."""
    heard = f" {normalize(text)} "
    return any(f" {normalize(word)} " in heard for word in words if normalize(word))


def _phrases(words: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    """Normalized word sequences, longest first, so "c'est le" is set aside before "c'est"."""
    found = {tuple(normalize(word).split()) for word in words}
    return tuple(sorted((p for p in found if p), key=len, reverse=True))


@dataclass(frozen=True)
class Vocabulary:
    """The words of the call's languages that are not the value itself.

    `key_names`: how each key is said ("zéro" -> "0", "star" -> "*"), from prompts/<lang>/keys.yaml;
    `fillers`: words around a value ("c'est", "mon numéro est le", "my", "is");
    `hesitations`: sounds said anywhere ("euh", "um"); `lead_ins`: how an answer in words starts
    or ends ("c'est", "the street is", "s'il vous plaît"), set aside from a street or a city.
    """

    key_names: Mapping[tuple[str, ...], str] = field(default_factory=dict)
    fillers: tuple[tuple[str, ...], ...] = ()
    hesitations: tuple[tuple[str, ...], ...] = ()
    lead_ins: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def of(cls, key_names: Mapping[str, Iterable[str]] | None = None, fillers: Iterable[str] = (),
           hesitations: Iterable[str] = (), lead_ins: Iterable[str] = ()) -> Vocabulary:
        """Build from content: {key: [names]} and lists of words, as written in prompts/."""
        names: dict[tuple[str, ...], str] = {}
        for key, spoken in (key_names or {}).items():
            for phrase in _phrases(spoken):
                names.setdefault(phrase, key)
        return cls(names, _phrases(fillers), _phrases(hesitations), _phrases(lead_ins))

    def items(self, text: str) -> list[tuple[str, str]]:
        """The utterance as ("key", "0") and ("word", "rue") items; fillers and hesitations set aside.

        A numeral is a run of digits ("100" -> ("digits", "100")); a name of a key is matched
        before a filler, so "un" stays the key 1 even where it is also an article.
        """
        tokens = normalize(text).split()
        found: list[tuple[str, str]] = []
        skip = self.fillers + self.hesitations
        names = sorted(self.key_names, key=len, reverse=True)
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token.isdigit():
                found.append(("digits", token))
                i += 1
                continue
            name = _match(tokens, i, names)
            if name:
                found.append(("key", self.key_names[name]))
                i += len(name)
                continue
            filler = _match(tokens, i, skip)
            if filler:
                i += len(filler)
                continue
            found.append(("word", token))
            i += 1
        return found

    def keys_said(self, text: str) -> str | None:
        """The keys an utterance names and nothing else ("le un", "faites le zéro", "star", "1 2"),
        joined as typed; None when it also says words that are neither keys nor fillers."""
        items = self.items(text)
        if not items or any(kind == "word" for kind, _ in items):
            return None
        return "".join(value for _, value in items)

    def digit_runs(self, text: str) -> list[str]:
        """Each run of spoken digits in an utterance, in order: "c'est le 100 200 300" -> ["100200300"].

        A word that is neither a digit nor a filler ends a run; a key that is not a digit (star,
        pound) too. The caller of this decides which runs are values and refuses to pick among two.
        """
        runs: list[str] = []
        current = ""
        for kind, value in self.items(text):
            if kind == "digits" or (kind == "key" and value.isdigit()):
                current += value
                continue
            if current:
                runs.append(current)
            current = ""
        if current:
            runs.append(current)
        return runs

    def without_hesitations(self, text: str) -> list[str]:
        tokens = normalize(text).split()
        kept: list[str] = []
        i = 0
        while i < len(tokens):
            hesitation = _match(tokens, i, self.hesitations)
            if hesitation:
                i += len(hesitation)
                continue
            kept.append(tokens[i])
            i += 1
        return kept


def _match(tokens: list[str], at: int, phrases: Iterable[tuple[str, ...]]) -> tuple[str, ...] | None:
    for phrase in phrases:  # longest first
        if tuple(tokens[at:at + len(phrase)]) == phrase:
            return phrase
    return None


NO_WORDS = Vocabulary()
"""No names of keys and no fillers: only numerals and exact answers are understood."""


def spoken_digits(text: str, words: Vocabulary = NO_WORDS) -> str | None:
    """The digits of an utterance made only of digits and fillers ("1 2 3", "un deux trois",
    "c'est le 100 200 300"); None otherwise."""
    runs = words.digit_runs(text)
    items = words.items(text)
    if len(runs) != 1 or any(kind == "word" for kind, _ in items):
        return None
    return runs[0]


def one_value(candidates: Iterable[str | None]) -> str | None:
    """The value when every candidate that is a value agrees; None when there is none, or two."""
    values = {value for value in candidates if value is not None}
    return values.pop() if len(values) == 1 else None


def postal_codes(text: str, words: Vocabulary = NO_WORDS) -> set[str]:
    """Every Canadian postal code ('A1A 1A1') said in the utterance, wherever it stands in it."""
    tokens = words.without_hesitations(text)
    digit_names = {name[0]: key for name, key in words.key_names.items() if len(name) == 1 and key.isdigit()}
    found = set()
    for start in range(len(tokens)):
        for end in range(start + 1, min(len(tokens), start + 12) + 1):
            code = _postal_code(tokens[start:end], digit_names)
            if code:
                found.add(code)
    return found


def postal_code(text: str, words: Vocabulary = NO_WORDS) -> str | None:
    """The one Canadian postal code in 'A1A 1A1' form that was typed or said, else None."""
    return one_value(postal_codes(text, words))


def _postal_code(tokens: list[str], digit_names: Mapping[str, str]) -> str | None:
    compact = ""
    i = 0
    while i < len(tokens):
        pair = " ".join(tokens[i:i + 2])
        if pair in _SPOKEN_LETTERS:
            compact += _SPOKEN_LETTERS[pair]
            i += 2
            continue
        token = tokens[i]
        if token in digit_names and len(compact) in (1, 3, 5):
            compact += digit_names[token]
        elif token in _SPOKEN_LETTERS and len(compact) in (0, 2, 4):
            compact += _SPOKEN_LETTERS[token]
        else:
            compact += token.upper()
        i += 1
        if len(compact) > 6:
            return None
    if POSTAL_CODE.match(compact):
        return f"{compact[:3]} {compact[3:]}"
    return None


def province_of(postal: str) -> str | None:
    return PROVINCE_BY_LETTER.get(postal[:1].upper())


def birth_date(digits: str) -> str | None:
    """YYYYMMDD to ISO date when it is a real date of birth, else None."""
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        value = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None
    if value.year < 1900:
        return None
    return value.isoformat()


def phone_number(digits: str, regions: Sequence[str] = DEFAULT_REGIONS) -> str | None:
    """A number the agency calls, in E.164 form, else None: the one rule of ivr/engine/phones.py
    (a fixed-line or mobile number of one of `regions`)."""
    return callable_number(digits, regions)


def free_text(text: str, words: Vocabulary = NO_WORDS) -> str | None:
    """A street or city name as said: without the words people start or end an answer with
    ("C'est rue Laval, euh, s'il vous plaît." -> "rue Laval"), trimmed, at least one letter, at
    most 80 characters."""
    kept = [word for word in text.split() if not _is_hesitation(word, words)]
    kept = _strip_lead_ins(kept, words.lead_ins)
    kept = list(reversed(_strip_lead_ins(list(reversed(kept)), words.lead_ins, backwards=True)))
    cleaned = " ".join(kept).strip(" .,;:!?")
    if not cleaned or not any(ch.isalpha() for ch in cleaned) or len(cleaned) > 80:
        return None
    return cleaned


def _is_hesitation(word: str, words: Vocabulary) -> bool:
    plain = tuple(normalize(word).split())
    return bool(plain) and plain in words.hesitations


def _strip_lead_ins(said: list[str], lead_ins: tuple[tuple[str, ...], ...], backwards: bool = False) -> list[str]:
    """Drop whole written words from the start while they spell a lead-in ("c'est", "the street is")."""
    while said:
        for count in range(len(said), 0, -1):
            part = said[:count]
            plain = tuple(normalize(" ".join(reversed(part) if backwards else part)).split())
            if plain and plain in lead_ins and count < len(said):
                said = said[count:]
                break
        else:
            return said
