"""Which phone numbers the agency calls or keeps on file: one rule, from `phonenumbers`.

A number is accepted only if the agency can and should call it (issue 13, item 9):
- it is a valid number (`phonenumbers.is_valid_number`);
- its region (`phonenumbers.region_code_for_number`, an ISO 3166 code) is one of the line's
  regions (flows/global.yaml `phone_numbers: {regions: [CA]}`, Canada by default). The +1
  countries share a calling code, so "(876) 555-0100" parses as a +1 number but is Jamaica's;
- its type (`phonenumbers.number_type`) is a fixed line, a mobile, or "fixed line or mobile"
  (what North American numbers usually are). Toll-free, premium-rate, shared-cost, personal,
  VoIP, pager, UAN and voicemail numbers are refused: they cost the agency or the caller, or do
  not reach a person.

Callback numbers, a new phone number for a file and the caller ID offered for a callback all go
through `check_number`; nothing else decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from babel import Locale
from babel.lists import format_list

DEFAULT_REGIONS: tuple[str, ...] = ("CA",)
"""Regions whose numbers are called when flows/global.yaml names none."""

CALLABLE_TYPES = frozenset({
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
})
"""The number types a person answers and the agency may call at the usual cost."""

_WRONG_LENGTH = frozenset({
    phonenumbers.ValidationResult.TOO_SHORT,
    phonenumbers.ValidationResult.TOO_LONG,
    phonenumbers.ValidationResult.INVALID_LENGTH,
    phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,  # 555-0123: a local number, no area code
})
"""How phonenumbers says a typed number has too few or too many digits for its region's numbers."""

MAX_DIGITS = 15  # ITU-T E.164: a number has at most 15 digits


class Refusal(StrEnum):
    """Why a number is not accepted."""

    NOT_A_NUMBER = "not_a_number"  # not digits, or a number of the right length no region uses
    LENGTH = "length"  # too few or too many digits for a number of the first region (9 digits, 7 with no
    # area code, 11 not starting with 1): phonenumbers.is_possible_number_with_reason is not IS_POSSIBLE
    REGION = "region"  # a valid number of a region the line does not call (Jamaica, the US...)
    KIND = "kind"  # a valid number of a called region, but premium-rate, toll-free, VoIP...


@dataclass(frozen=True)
class NumberCheck:
    """What `check_number` found: the number in E.164 when accepted, else why not."""

    number: str | None
    region: str | None = None
    refusal: Refusal | None = None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


def check_number(text: str, regions: Sequence[str] = DEFAULT_REGIONS) -> NumberCheck:
    """Check a number typed on the keypad ("8195550111", "18195550111", a final "#" set aside) or in
    E.164 ("+18195550111") against the rule above.

    A typed number is read as the first region's national number, with or without its trunk prefix
    (the "1" of North America), so 10 digits and 11 starting with 1 are the same number; a typed
    number of a length no number of that region has is refused as `Refusal.LENGTH` (an incomplete
    entry: the caller hears it is too short, not that the region or type is wrong).

    `regions` are ISO 3166 codes as phonenumbers spells them ("CA", "US"); the first one is the
    region a number without "+" is read in. Returns a `NumberCheck` whose `number` is E.164 only
    when accepted; never raises for a bad number.
    """
    regions = tuple(regions) or DEFAULT_REGIONS
    raw = text.strip().removesuffix("#")
    digits = raw.removeprefix("+")
    if not digits.isascii() or not digits.isdigit() or len(digits) > MAX_DIGITS:
        return NumberCheck(None, refusal=Refusal.NOT_A_NUMBER)
    try:
        parsed = phonenumbers.parse(raw, None if raw.startswith("+") else regions[0])
    except phonenumbers.NumberParseException:
        typed = digits != "" and not raw.startswith("+")  # digits too few to look like a number ("3")
        return NumberCheck(None, refusal=Refusal.LENGTH if typed else Refusal.NOT_A_NUMBER)
    if not raw.startswith("+") and phonenumbers.is_possible_number_with_reason(parsed) in _WRONG_LENGTH:
        return NumberCheck(None, refusal=Refusal.LENGTH)
    if not phonenumbers.is_valid_number(parsed):
        return NumberCheck(None, refusal=Refusal.NOT_A_NUMBER)
    region = phonenumbers.region_code_for_number(parsed)
    if region not in regions:
        return NumberCheck(None, region=region, refusal=Refusal.REGION)
    if phonenumbers.number_type(parsed) not in CALLABLE_TYPES:
        return NumberCheck(None, region=region, refusal=Refusal.KIND)
    return NumberCheck(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), region=region)


def callable_number(text: str, regions: Sequence[str] = DEFAULT_REGIONS) -> str | None:
    """The number in E.164 when the agency calls it, else None (see `check_number`)."""
    return check_number(text, regions).number


def same_number(a: str | None, b: str | None, region: str = DEFAULT_REGIONS[0]) -> bool:
    """Whether two numbers, written any way ("(819) 555-0111", "+18195550111"), are the same
    phone: their E.164 forms are equal. False when either is missing or not a number."""
    if not a or not b:
        return False
    try:
        first, second = phonenumbers.parse(a, region), phonenumbers.parse(b, region)
    except phonenumbers.NumberParseException:
        return False
    e164 = phonenumbers.PhoneNumberFormat.E164
    return phonenumbers.format_number(first, e164) == phonenumbers.format_number(second, e164)


def region_of(number: str | None) -> str | None:
    """The ISO 3166 region of a number in E.164 ("+18765550100" -> "JM"); None if unknown."""
    if not number:
        return None
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.region_code_for_number(parsed) if phonenumbers.is_valid_number(parsed) else None


def region_name(region: str, locale: str) -> str:
    """A region's name in a language, from babel's CLDR data ("JM", "fr_CA" -> "Jamaïque"); the
    code itself when CLDR has no name for it."""
    return Locale.parse(locale).territories.get(region, region)


def region_names(regions: Sequence[str], locale: str) -> str:
    """Regions' names as a spoken list ("Canada et États-Unis"), CLDR's list pattern of the locale."""
    return format_list([region_name(region, locale) for region in regions], locale=locale)


def unknown_regions(regions: Sequence[str]) -> list[str]:
    """The codes phonenumbers has no metadata for: a line cannot call them (a typo such as "CAN")."""
    return [region for region in regions if region not in phonenumbers.SUPPORTED_REGIONS]
