"""Find a call or a client by a key an agent typed, and audit every search without the key in clear.

The keys, as a person types them, and what each must be once read (anything else is `InvalidKey`):
- `confirmation`: the 8 digits a caller is told after a change (ivr.services.addresses.confirmation_number);
  spaces and dashes ignored;
- `client_number`: the 9 digits of a file (clients.client_number); spaces and dashes ignored; found whole
  or not at all, never by part (a privacy choice: a partial match would let anyone walk the files);
- `caller`: a phone number written any way (`(514) 555-0142`, `1 514 555 0142`, `+1 514.555.0142`), read by
  phonenumbers for region CA, valid by its metadata, and matched exactly against the stored E.164 caller ID;
- `call_sid`: Twilio's CallSid, `CA` and 32 hexadecimal digits (twilio.com/docs/glossary/what-is-a-sid).

The audit row (action `desk_search`) names the agent, the kind of key and the outcome; the key itself
only as a keyed hash (ivr.privacy.keyed: `subject_key`, or `caller_key` for a caller number, the same
hashes the throttle and `audit.trail(client)` use, so a file's trail lists the searches that found it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from ivr.privacy import caller_key, keyed
from ivr.services import audit
from ivr.store import search as store
from ivr.store.search import Found

ACTION = "desk_search"
REGION = "CA"
"""The region a number typed without its country is read in (phonenumbers' default region)."""


class KeyKind(StrEnum):
    CONFIRMATION = "confirmation"
    CLIENT_NUMBER = "client_number"
    CALLER = "caller"
    CALL_SID = "call_sid"


class Outcome(StrEnum):
    FOUND = "found"
    NOTHING = "nothing"
    REFUSED = "refused"
    INVALID = "invalid"


class InvalidKey(ValueError):
    """What was typed cannot be a key of that kind; `kind` is None when the kind itself is unknown."""

    def __init__(self, kind: KeyKind | None, message: str):
        super().__init__(message)
        self.kind = kind


_SEPARATORS = re.compile(r"[\s\-.]")
_DIGITS = {KeyKind.CONFIRMATION: (8, "confirmation number"), KeyKind.CLIENT_NUMBER: (9, "client number")}
_CALL_SID = re.compile(r"CA[0-9a-f]{32}")


@dataclass(frozen=True)
class SearchKey:
    """A key read from what was typed: `value` is its one stored form (digits, E.164, CallSid)."""

    kind: KeyKind
    value: str

    @classmethod
    def read(cls, kind: str, typed: str) -> SearchKey:
        """The key of `kind` in `typed`; InvalidKey (a sentence for the API) when it cannot be one."""
        try:
            key_kind = KeyKind(kind)
        except ValueError:
            raise InvalidKey(None, f"'kind' must be one of {', '.join(KeyKind)}.") from None
        text = (typed or "").strip()
        if key_kind in _DIGITS:
            digits, (length, name) = _SEPARATORS.sub("", text), _DIGITS[key_kind]
            if not (digits.isascii() and digits.isdigit() and len(digits) == length):
                raise InvalidKey(key_kind, f"A {name} has {length} digits, written whole.")
            return cls(key_kind, digits)
        if key_kind is KeyKind.CALLER:
            return cls(key_kind, _e164(text))
        sid = text[:2].upper() + text[2:].lower()
        if not _CALL_SID.fullmatch(sid):
            raise InvalidKey(key_kind, "A CallSid is CA followed by 32 hexadecimal digits.")
        return cls(key_kind, sid)

    def hashes(self) -> dict[str, str | None]:
        """The audit row's columns for this key: a keyed hash, never the value."""
        if self.kind is KeyKind.CALLER:
            return {"caller_hash": caller_key(self.value)}
        return {"subject_key": keyed("client" if self.kind is KeyKind.CLIENT_NUMBER else self.kind, self.value)}


def _e164(text: str) -> str:
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidKey(KeyKind.CALLER, "That is not a valid phone number; write it with its area code.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_LOOK_UP = {KeyKind.CALL_SID: store.by_call_sid, KeyKind.CALLER: store.by_caller,
            KeyKind.CLIENT_NUMBER: store.by_client_number, KeyKind.CONFIRMATION: store.by_confirmation}


def find(connection: Connection, key: SearchKey) -> Found:
    """Everything stored under `key`, before any role's rights are applied (the desktop applies them)."""
    return _LOOK_UP[key.kind](connection, key.value)


def record(session: Session, actor: str, key: SearchKey | None, outcome: Outcome, *, kind: str | None = None,
           shown: int = 0, withheld: int = 0, client_id: int | None = None) -> None:
    """One audit row for one search, in the session's transaction: who (`agent:7`), the kind of key, the outcome,
    how many calls were shown and withheld by the agent's rights; the key as a keyed hash only.
    `key` None: what was typed was no key (`kind`: the kind asked for, if any)."""
    hashes = key.hashes() if key is not None else {}
    audit.record(session, ACTION, outcome, actor_kind="agent", actor=actor, client_id=client_id,
                 key_kind=key.kind.value if key is not None else kind, shown=shown, withheld=withheld, **hashes)
