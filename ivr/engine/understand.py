"""Turning what a caller pressed or said into a value the flow can use, or 'not understood'.

Speech arrives as recogniser text ("h 2 x 3 k 8", "cent vingt-trois", "My address"); the
functions here are forgiving about how people say things and strict about what they mean.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import phonenumbers

POSTAL_CODE = re.compile(r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\d[ABCEGHJ-NPRSTV-Z]\d$")
PROVINCE_BY_LETTER = {
    "A": "NL", "B": "NS", "C": "PE", "E": "NB", "G": "QC", "H": "QC", "J": "QC", "K": "ON", "L": "ON",
    "M": "ON", "N": "ON", "P": "ON", "R": "MB", "S": "SK", "T": "AB", "V": "BC", "X": "NT", "Y": "YT",
}

_SPOKEN_DIGITS = {
    # French
    "zero": "0", "un": "1", "une": "1", "deux": "2", "trois": "3", "quatre": "4", "cinq": "5",
    "six": "6", "sept": "7", "huit": "8", "neuf": "9",
    # English
    "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "seven": "7", "eight": "8", "nine": "9",
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


def spoken_digits(text: str) -> str | None:
    """Digits in speech such as '1 2 3', 'un deux trois' or 'one two three'; None otherwise."""
    tokens = normalize(text).split()
    if not tokens:
        return None
    digits = []
    for token in tokens:
        if token.isdigit():
            digits.append(token)
        elif token in _SPOKEN_DIGITS:
            digits.append(_SPOKEN_DIGITS[token])
        else:
            return None
    return "".join(digits)


def postal_code(text: str) -> str | None:
    """A Canadian postal code in 'A1A 1A1' form from how it was typed or said, else None."""
    tokens = normalize(text).split()
    compact = ""
    i = 0
    while i < len(tokens):
        pair = " ".join(tokens[i:i + 2])
        if pair in _SPOKEN_LETTERS:
            compact += _SPOKEN_LETTERS[pair]
            i += 2
            continue
        token = tokens[i]
        if token in _SPOKEN_DIGITS and len(compact) in (1, 3, 5):
            compact += _SPOKEN_DIGITS[token]
        elif token in _SPOKEN_LETTERS and len(compact) in (0, 2, 4):
            compact += _SPOKEN_LETTERS[token]
        else:
            compact += token.upper()
        i += 1
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


def phone_number(digits: str) -> str | None:
    """A valid Canadian or US phone number in E.164 form, else None."""
    if not 10 <= len(digits) <= 11:
        return None
    try:
        number = phonenumbers.parse(digits, "CA")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def free_text(text: str) -> str | None:
    """A street or city name as said: trimmed, at least one letter, at most 80 characters."""
    cleaned = " ".join(text.split()).strip(" .,")
    if not cleaned or not any(ch.isalpha() for ch in cleaned) or len(cleaned) > 80:
        return None
    return cleaned
