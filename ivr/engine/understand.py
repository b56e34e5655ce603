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

from babel.dates import get_month_names

from ivr.engine.phones import DEFAULT_REGIONS, callable_number

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
    numbers: Mapping[tuple[str, ...], int] = field(default_factory=dict)
    """Numbers said in words ("dix-sept" -> 17, "mil" -> 1000, "first" -> 1), from prompts/<lang>/numbers.yaml."""
    ordinal_endings: tuple[str, ...] = ()
    """What follows a numeral to make it an ordinal: "er" of "1er", "th" of "17th"."""
    months: Mapping[tuple[str, ...], int] = field(default_factory=dict)
    """Month names ("mai", "janv", "May") -> 1..12, from month_names()."""

    @classmethod
    def of(cls, key_names: Mapping[str, Iterable[str]] | None = None, fillers: Iterable[str] = (),
           hesitations: Iterable[str] = (), lead_ins: Iterable[str] = (),
           numbers: Mapping[int, Iterable[str]] | None = None, ordinal_endings: Iterable[str] = (),
           months: Mapping[str, int] | None = None) -> Vocabulary:
        """Build from content: {key: [names]}, {number: [words]} and lists of words, as written in prompts/,
        and {month name: 1..12} as month_names() gives them.

        A month's abbreviation that is also a word of the content ("sept.", September, is "sept", 7) is not
        a month: the content's reading is kept, so "le 17 sept 1948" is not guessed at."""
        names: dict[tuple[str, ...], str] = {}
        for key, spoken in (key_names or {}).items():
            for phrase in _phrases(spoken):
                names.setdefault(phrase, key)
        said: dict[tuple[str, ...], int] = {}
        for value, spoken in (numbers or {}).items():
            for phrase in _phrases(spoken):
                said.setdefault(phrase, value)
        fill, hesitate = _phrases(fillers), _phrases(hesitations)
        taken = set(names) | set(said) | set(fill) | set(hesitate)
        calendar: dict[tuple[str, ...], int] = {}
        for name, month in (months or {}).items():
            phrase = tuple(normalize(name).split())
            if phrase and phrase not in taken and calendar.setdefault(phrase, month) != month:
                calendar[phrase] = 0  # two months share a name: neither is understood by it
        endings = tuple(sorted({normalize(word) for word in ordinal_endings if normalize(word)}, key=len, reverse=True))
        return cls(names, fill, hesitate, _phrases(lead_ins), said, endings,
                   {phrase: month for phrase, month in calendar.items() if month})

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


MONTH_WIDTHS = ("wide", "abbreviated")
"""CLDR month name widths a caller says: "septembre", "sept."; the narrow "S" is a letter, not a month."""


def month_names(locales: Iterable[str]) -> dict[str, int]:
    """{month name: 1..12} in each babel locale ("fr_CA", "en_CA", as ivr/engine/languages.py gives
    them), full and abbreviated, as written in dates and said alone (CLDR's format and stand-alone
    contexts). A name two locales give to different months is left out."""
    found: dict[str, int] = {}
    for locale in locales:
        for width in MONTH_WIDTHS:
            for context in ("format", "stand-alone"):
                for month, name in get_month_names(width, context, locale).items():
                    if found.setdefault(name, month) != month:
                        found[name] = 0
    return {name: month for name, month in found.items() if month}


@dataclass(frozen=True)
class _Number:
    value: int
    digits: str | None = None
    """The numerals or digits said one by one ("1948", "0 5"); None for a number said in words."""


def spoken_date(text: str, words: Vocabulary = NO_WORDS) -> str | None:
    """The ISO date of a birth date said with a month name, else None.

    "le 17 mai 1948", "le dix-sept mai mil neuf cent quarante-huit", "May 17, 1948", "the 17th of May
    1948", "May seventeenth nineteen forty-eight", "le 1er mai 1948": the month is a name of
    `words.months`; the day is a numeral, an ordinal ("1er", "17th": `words.ordinal_endings`) or words
    (`words.numbers`, digits from `words.key_names`); the year is a numeral or words, or said in two
    halves ("nineteen forty-eight", "19 48"). The day stands next to the month, before or after it, and
    the year on the other side or after the day; fillers and hesitations are set aside. Any other word, or two ways of reading the
    numbers as one day and one year, gives None: never a guess. The date must pass birth_date().
    """
    parts = _date_parts(text, words)
    if parts is None:
        return None
    month, before, after = parts
    # The day stands next to the month, the year on the other side or after the day.
    ways: list[tuple[_Number, list[_Number]]] = []
    if len(before) == 1:
        ways.append((before[0], after))  # 17 mai 1948, the 17th of May 1948
    if not before and after:
        ways.append((after[0], after[1:]))  # May 17, 1948
    if before and len(after) == 1:
        ways.append((after[0], before))  # 1948 May 17
    readings = set()
    for day, year in ways:
        value = _year(year)
        if value is not None and 1 <= day.value <= 31 and (day.digits is None or len(day.digits) <= 2):
            readings.add(birth_date(f"{value:04d}{month:02d}{day.value:02d}"))
    return one_value(readings)


def _date_parts(text: str, words: Vocabulary) -> tuple[int, list[_Number], list[_Number]] | None:
    """(month, the numbers said before it, those said after it) when the utterance is one month name,
    numbers and fillers."""
    tokens = normalize(text).split()
    months, said = sorted(words.months, key=len, reverse=True), sorted(words.numbers, key=len, reverse=True)
    names = sorted(words.key_names, key=len, reverse=True)
    skip = words.fillers + words.hesitations
    month: int | None = None
    before: list[int | str | None] = []
    values: list[int | str | None] = []  # a number word; numerals or a digit said alone; None: a number ends
    i = 0
    while i < len(tokens):
        token = tokens[i]
        ordinal = _ordinal(token, words.ordinal_endings)
        if token.isdigit() or ordinal:
            values += [ordinal or token, None]  # a numeral stands alone: "19 48" is two numbers
            i += 1
            continue
        phrase = _match(tokens, i, months)
        if phrase:
            if month is not None:
                return None
            month, before, values = words.months[phrase], values, []
            i += len(phrase)
            continue
        phrase = _match(tokens, i, said)
        if phrase:
            values.append(words.numbers[phrase])
            i += len(phrase)
            continue
        phrase = _match(tokens, i, names)
        if phrase and words.key_names[phrase].isdigit():
            values.append(words.key_names[phrase])
            i += len(phrase)
            continue
        phrase = _match(tokens, i, skip)
        if not phrase:
            return None
        i += len(phrase)
    return (month, _numbers(before), _numbers(values)) if month is not None else None


def _ordinal(token: str, endings: tuple[str, ...]) -> str | None:
    """The numeral of an ordinal written with digits ("1er" -> "1", "17th" -> "17"), else None."""
    for ending in endings:
        if token.endswith(ending) and token[:-len(ending)].isdigit():
            return token[:-len(ending)]
    return None


def _numbers(values: list[int | str | None]) -> list[_Number]:
    """Numbers from words and digits in the order said: words add up while each part is smaller than
    the last ("quarante huit" 48, "twenty first" 21), cent/hundred and mille/thousand multiply what
    comes before ("dix-neuf cent" 1900, "mil neuf cent" 1900); digits said one by one are written side
    by side ("un neuf quatre huit" 1948); None ends a number (after a numeral)."""
    found: list[_Number] = []
    high = low = last = 0
    digits = ""
    words_open = False

    def close() -> None:
        nonlocal high, low, last, digits, words_open
        if words_open:
            found.append(_Number(high + low))
        elif digits:
            found.append(_Number(int(digits), digits))
        high = low = last = 0
        digits = ""
        words_open = False

    for value in values:
        if value is None:
            close()
        elif isinstance(value, str):
            if words_open and len(value) == 1 and _adds(last, int(value)):
                low, last = low + int(value), int(value)
            elif words_open or len(value) > 1:
                close()
                digits = value
                if len(value) > 1:
                    close()
            else:
                digits += value
        else:
            if len(digits) == 1 and value in (100, 1000):  # "two thousand", "deux mille": a digit said before
                words_open, low, last, digits = True, int(digits), int(digits), ""
            elif digits:
                close()
            if value == 1000 and words_open and high == 0 and low < 1000:
                high, low, last = (low or 1) * 1000, 0, 1000
            elif value == 100 and words_open and low < 100 and last != 100:
                low, last = (low or 1) * 100, 100
            elif words_open and _adds(last, value):
                low, last = low + value, value
            else:
                close()
                words_open = True
                if value in (100, 1000):
                    high, low = (value, 0) if value == 1000 else (0, value)
                else:
                    low = value
                last = value
    close()
    return found


def _adds(last: int, value: int) -> bool:
    """Whether `value` said after a part worth `last` adds to it: a unit after a ten ("forty-eight"),
    anything under a hundred after hundreds or thousands ("mil neuf", "nineteen hundred forty")."""
    if last in (100, 1000):
        return value < last
    return 20 <= last < 100 and last % 10 == 0 and value < 10


def _year(numbers: list[_Number]) -> int | None:
    """The year said as one number (1948, "mil neuf cent quarante-huit") or in two halves, the second one
    of two digits or said in words from ten ("19 48", "nineteen forty-eight", "nineteen oh five")."""
    if len(numbers) == 1:
        one = numbers[0]
        return one.value if one.value >= 1000 and (one.digits is None or len(one.digits) == 4) else None
    if len(numbers) == 2:
        first, second = numbers
        if not 10 <= first.value <= 99 or (first.digits is not None and len(first.digits) != 2):
            return None
        if (second.digits is not None and len(second.digits) == 2) or (second.digits is None and 10 <= second.value <= 99):
            return first.value * 100 + second.value
    return None


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
