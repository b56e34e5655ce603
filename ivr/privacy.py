"""Masking and keyed hashing of personal values, so logs, audit rows and counters never hold them.

Masks keep just enough for a person to recognise a value they already know
(`•••-•••-300`, `+1 514-•••-••42`, `H2X •••`); keyed hashes let the throttle count tries
per client number or caller ID without storing either. The mask character is the engine's MASK,
a bullet that no phone keypad has, so a masked digit never reads as the star key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import phonenumbers
from flask import current_app, has_app_context

from ivr import config
from ivr.engine.runner import MASK


def mask_client_number(number: str | None) -> str:
    digits = re.sub(r"\D", "", number or "")
    if len(digits) < 4:
        return MASK * 3
    return f"{MASK * 3}-{MASK * 3}-{digits[-3:]}"


def mask_phone(phone: str | None) -> str:
    """`+1 514-•••-••42`: country, area code and the last two digits."""
    if not phone:
        return ""
    try:
        parsed = phonenumbers.parse(phone, "CA")
    except phonenumbers.NumberParseException:
        return MASK * 3
    national = str(parsed.national_number)
    if parsed.country_code == 1 and len(national) == 10:
        return f"+1 {national[:3]}-{MASK * 3}-{MASK * 2}{national[-2:]}"
    return f"+{parsed.country_code} {MASK * max(len(national) - 2, 1)}{national[-2:]}"


def mask_postal(postal: str | None) -> str:
    compact = re.sub(r"\s", "", postal or "").upper()
    return f"{compact[:3]} {MASK * 3}" if len(compact) == 6 else MASK * 3


def mask_birth_date(text: str | None) -> str:
    """`••••-••-••`: every digit hidden, the shape kept.

    A birth date is one of the two facts that verify a caller, so not even part of it is shown
    (the desktop hides it from the journey for the same reason).
    """
    return re.sub(r"\d", MASK, text or "")


def mask_text(text: str | None) -> str:
    """Each word's first letter, the rest hidden: `r•• S••••-D••••`."""
    if not text:
        return ""
    return re.sub(r"(?<=\w)\w", MASK, str(text))


def mask_speech(text: str | None) -> str:
    """Words a caller said, in a log line: like mask_text, and a word holding a digit hidden whole
    (`m•• n••••• e•• ••• ••• •••`), so a number said anywhere leaves not even its first digit."""
    if not text:
        return ""
    return re.sub(r"\w+", lambda m: MASK * len(m[0]) if any(c.isdigit() for c in m[0])
                  else m[0][0] + MASK * (len(m[0]) - 1), str(text))


def mask_address(address: dict[str, Any] | None) -> dict[str, Any]:
    """An address an auditor can recognise but nobody can mail to or locate."""
    if not address:
        return {}
    return {
        "civic_number": mask_text(address.get("civic_number")),
        "street": mask_text(address.get("street")),
        "apartment": MASK if address.get("apartment") else None,
        "city": address.get("city"),
        "province": address.get("province"),
        "postal_code": mask_postal(address.get("postal_code")),
        "fingerprint": fingerprint(address),
    }


# Values that are personal by the name they are kept under, whatever they look like: the client's file
# (ivr.store.models.calls.Client), the answers the flows keep (`into:` in flows/*.yaml), the caller ID, and what
# Twilio's webhook parameters say about the caller (twilio.com/docs/voice/twiml#request-parameters,
# /docs/voice/twiml/gather#action). Names are compared without regard to case.
_FIELD_MASKS: dict[str, Callable[[str | None], str]] = {
    "client_number": mask_client_number,
    "birth_date": mask_birth_date,
    "postal_code": mask_postal, "postal_code_on_file": mask_postal, "FromZip": mask_postal, "CallerZip": mask_postal,
    "phone": mask_phone, "new_phone": mask_phone, "caller": mask_phone,
    "From": mask_phone, "Caller": mask_phone, "ForwardedFrom": mask_phone,
    "name": mask_text, "CallerName": mask_text, "civic_number": mask_text, "street": mask_text, "apartment": mask_text,
    "SpeechResult": mask_speech, "UnstableSpeechResult": mask_speech, "Digits": mask_text,
}
PERSONAL_FIELDS = frozenset(_FIELD_MASKS)
_MASK_BY_FIELD = {name.lower(): mask for name, mask in _FIELD_MASKS.items()}


def mask_field(name: str, value: str) -> str:
    """The mask of `value` kept under one of PERSONAL_FIELDS (`Digits` `1` stays `1`, `street` `rue Saint-Denis`
    becomes `r•• S••••-D••••`); KeyError for any other name."""
    return _MASK_BY_FIELD[name.lower()](value)


def mask_value(kind: str, value: dict[str, Any] | None) -> dict[str, Any]:
    """The masked form of a change request's old or new value."""
    if value is None:
        return {}
    if kind == "phone":
        return {"phone": mask_phone(value.get("phone")), "fingerprint": fingerprint(value)}
    return mask_address(value)


def _secret() -> bytes:
    if has_app_context() and current_app.config.get("SECRET_KEY"):
        return str(current_app.config["SECRET_KEY"]).encode()
    secret = config.secret_from_environment()
    if not secret:
        raise RuntimeError("IVR_SECRET_KEY is not set: personal values cannot be hashed without it")
    return secret.encode()


def keyed(kind: str, value: str | None) -> str | None:
    """A keyed hash (HMAC-SHA256 with IVR_SECRET_KEY) of a personal value: countable, not reversible."""
    if not value:
        return None
    normal = re.sub(r"[\s\-()]", "", str(value)).upper()
    return hmac.new(_secret(), f"{kind}:{normal}".encode(), hashlib.sha256).hexdigest()


def caller_key(caller: str | None) -> str | None:
    """The throttling key of a caller ID; withheld or invalid numbers all share one key."""
    return keyed("caller", _caller_e164(caller or ""))


@lru_cache(maxsize=1024)
def _caller_e164(caller: str) -> str:
    # Parsing a number costs ten times the hash, and a verification step needs the key three times.
    try:
        parsed = phonenumbers.parse(caller, "CA")
        valid = phonenumbers.is_valid_number(parsed)
    except phonenumbers.NumberParseException:
        valid = False
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) if valid else "withheld"


def fingerprint(value: dict[str, Any]) -> str:
    """A short keyed hash of a whole value, so an auditor holding the real value can confirm it."""
    text = "|".join(f"{k}={value[k]}" for k in sorted(value) if value[k] is not None)
    return (keyed("value", text) or "")[:16]
