"""A Twilio webhook form, read once at the border: every value typed, cleaned and bounded.

Nothing past this module reads a Twilio form field, and nothing stores or shows a value that has not
come through it:

- phone numbers (From, To) go through phonenumbers and come out in E.164 or not at all (None:
  withheld, a SIP or client address, or a string that is not a number: "+1514555\u202e2410" carries
  a RIGHT-TO-LEFT OVERRIDE that makes it display as another client's number);
- SIDs must have Twilio's shape (two letters and 32 hexadecimal digits: CallSid `CA…`, QueueSid `QU…`);
- what a caller typed or said (Digits, SpeechResult) loses its format and control characters and is
  capped; Confidence, CallDuration and the queue's figures are numbers within bounds, or None.

Twilio signs the set of each field's values, not their order (twilio-python's
`RequestValidator.compute_signature`: names sorted, then each name's values sorted and de-duplicated).
A field the IVR reads is single-valued in Twilio's reference, so one that arrives with two different
values cannot be read as Twilio meant it: `read` refuses it with `AmbiguousField`. Repeated fields the
IVR does not read are left alone.

Sources: Twilio's voice request parameters (https://www.twilio.com/docs/voice/twiml#request-parameters),
<Gather>'s action parameters Digits, SpeechResult, Confidence (https://www.twilio.com/docs/voice/twiml/gather),
<Enqueue>'s action (QueueResult, QueueSid, QueueTime) and waitUrl parameters (QueuePosition,
AvgQueueTime) (https://www.twilio.com/docs/voice/twiml/enqueue), the status callback's CallStatus and
CallDuration (https://www.twilio.com/docs/voice/api/call-resource#statuscallback), the SID patterns of
Twilio's OpenAPI description (twilio/twilio-oai: `^CA[0-9a-fA-F]{32}$`, `^QU[0-9a-fA-F]{32}$`), and
webhook security (https://www.twilio.com/docs/usage/webhooks/webhooks-security).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from ivr.calls.console import FIELDS as CONSOLE_FIELDS
from ivr.calls.console import from_form as console_start
from ivr.calls.step import StepRequest
from ivr.engine.languages import Languages
from ivr.engine.state import Digits, Event, NoInput, Speech
from ivr.telephony.twiml import speakable
from ivr.telephony.outcomes import CALL_STATUSES

MAX_SPEECH = 1000
"""Characters kept of SpeechResult: far more than a caller says to one question."""
MAX_DIGITS = 64
"""Keys kept of Digits: the longest answer asked for is an 11-digit phone number."""
MAX_QUEUE_RESULT = 40
MAX_CONSOLE_VALUE = 2000
MAX_SECONDS = 86_400
"""Bound of CallDuration, QueueTime and AvgQueueTime: a day, beyond any call Twilio keeps up."""
MAX_POSITION = 100_000
"""Bound of QueuePosition: beyond any queue Twilio holds."""


_SID = {"CallSid": re.compile(r"CA[0-9a-fA-F]{32}"), "QueueSid": re.compile(r"QU[0-9a-fA-F]{32}")}
_NUMBER = re.compile(r"\+?[0-9]{1,15}")  # E.164: at most 15 digits; Twilio writes them with a "+"
_COUNT = re.compile(r"[0-9]{1,12}")
_ERROR_CODE = re.compile(r"[0-9]{1,6}")

READ_FIELDS = ("CallSid", "From", "To", "Digits", "SpeechResult", "Confidence", "CallStatus", "CallDuration",
               "QueueSid", "QueueResult", "QueueTime", "QueuePosition", "AvgQueueTime", "ErrorCode",
               *CONSOLE_FIELDS)
"""Every field the IVR reads; each must arrive with one value at most."""
_READ = frozenset(READ_FIELDS)


class AmbiguousField(ValueError):
    """A field the IVR reads came with different values: Twilio's signature does not say which is meant."""

    def __init__(self, name: str):
        super().__init__(f"the field {name} came with more than one value")
        self.name = name


@dataclass(frozen=True)
class TwilioRequest:
    """One webhook request as the rest of the IVR may use it. Empty strings and None mean "absent or
    not usable"; no value here is longer than its cap or carries a control or format character."""

    call_sid: str = ""
    """CallSid, `CA` and 32 hexadecimal digits; "" when missing or not shaped like one."""
    caller: str | None = None
    """From, in E.164 (`+15145550142`); None when withheld or not a valid phone number."""
    called: str | None = None
    """To, in E.164; None when it is not a valid phone number."""
    digits: str | None = None
    """Digits (keys pressed), cleaned and capped at MAX_DIGITS; None when the field was not sent."""
    speech: str = ""
    """SpeechResult, cleaned and capped at MAX_SPEECH."""
    confidence: float | None = None
    """Confidence of SpeechResult, between 0 and 1."""
    call_status: str = ""
    """CallStatus, one of outcomes.CALL_STATUSES; "" for any other value (the status callback logs it)."""
    call_duration: int | None = None
    """CallDuration in seconds, at most MAX_SECONDS."""
    queue_sid: str = ""
    queue_result: str = ""
    """QueueResult of the <Enqueue> action, cleaned and capped at MAX_QUEUE_RESULT."""
    queue_time: int | None = None
    """QueueTime in seconds, at most MAX_SECONDS."""
    queue_position: int | None = None
    """QueuePosition (1 is next), at most MAX_POSITION."""
    average_queue_time: int | None = None
    """AvgQueueTime in seconds, at most MAX_SECONDS."""
    error_code: str = ""
    """ErrorCode sent to the fallback URL: Twilio's error number, digits only."""
    console: dict[str, str] = field(default_factory=dict)
    """The console start fields (`ivr.calls.console`), cleaned; only a demo or test server heeds them."""


def read(form: Mapping[str, Any]) -> TwilioRequest:
    """The typed request of a Twilio form: a werkzeug MultiDict (every value of a repeated name, by
    `getlist`) or a plain mapping. Raises AmbiguousField when a field of READ_FIELDS has two values."""
    one = _single_values(form)
    console = {name: speakable(one[name] or "")[:MAX_CONSOLE_VALUE] for name in CONSOLE_FIELDS if one[name]}
    return TwilioRequest(
        call_sid=_sid(one["CallSid"], "CallSid"),
        caller=phone_number(one["From"]),
        called=phone_number(one["To"]),
        digits=None if one["Digits"] is None else clean(one["Digits"], MAX_DIGITS),
        speech=clean(one["SpeechResult"], MAX_SPEECH),
        confidence=_fraction(one["Confidence"]),
        call_status=one["CallStatus"] if one["CallStatus"] in CALL_STATUSES else "",
        call_duration=_count(one["CallDuration"], MAX_SECONDS),
        queue_sid=_sid(one["QueueSid"], "QueueSid"),
        queue_result=clean(one["QueueResult"], MAX_QUEUE_RESULT),
        queue_time=_count(one["QueueTime"], MAX_SECONDS),
        queue_position=_count(one["QueuePosition"], MAX_POSITION),
        average_queue_time=_count(one["AvgQueueTime"], MAX_SECONDS),
        error_code=one["ErrorCode"] if one["ErrorCode"] and _ERROR_CODE.fullmatch(one["ErrorCode"]) else "",
        console=console,
    )


def phone_number(raw: str | None) -> str | None:
    """E.164 (`+15145550142`) when `raw` is a valid phone number written as Twilio writes one: a "+"
    and up to 15 ASCII digits (a North American number without its "+" is read as one). None for
    anything else: "anonymous", `client:` and `sip:` addresses, and any other character, since
    phonenumbers would read a number out of text around it."""
    text = (raw or "").strip()
    return _e164(text) if _NUMBER.fullmatch(text) else None


@lru_cache(maxsize=4096)
def _e164(text: str) -> str | None:
    # Every request of a call carries the same From and To, and parsing costs far more than the rest of
    # the form: remember the answers (at most 16 characters each, so the cache stays small).
    try:
        parsed = phonenumbers.parse(text, "CA")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def clean(raw: str | None, limit: int) -> str:
    """`raw` without control or format characters (U+202E, U+200B ...), its spaces made plain and
    single (as `ivr.telephony.twiml.speakable` does for what is said), then cut to `limit` characters."""
    return speakable(raw or "")[:limit].strip()


def _single_values(form: Mapping[str, Any]) -> dict[str, str | None]:
    """The value of each field of READ_FIELDS (None when absent), in one pass over the form."""
    one: dict[str, str | None] = dict.fromkeys(READ_FIELDS)
    pairs = form.lists() if hasattr(form, "lists") else ((name, [value]) for name, value in form.items())
    for name, values in pairs:
        if name in _READ and values:
            if len(values) > 1 and len(set(values)) > 1:
                raise AmbiguousField(name)
            one[name] = str(values[0])
    return one


def call_sid_of(raw: str | None) -> str:
    """A CallSid as Twilio shapes it (`CA` and 32 hexadecimal digits), or "" for anything else."""
    return _sid(raw, "CallSid")


def _sid(raw: str | None, name: str) -> str:
    return raw if raw and _SID[name].fullmatch(raw) else ""


def _count(raw: str | None, limit: int) -> int | None:
    text = (raw or "").strip()
    return min(int(text), limit) if _COUNT.fullmatch(text) else None


def _fraction(raw: str | None) -> float | None:
    try:
        value = float((raw or "").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and 0.0 <= value <= 1.0 else None


LANGUAGE_PARAMETER = "lang"
"""The query parameter that carries a caller's language in every URL given to Twilio."""
OLD_LANGUAGE_PARAMETER = "l"
"""What step URLs called it before issue 15 (the hold, queue and after-hours URLs already said lang=):
still read, so a call in progress during the upgrade, whose next step URL Twilio already holds, keeps
its language. Safe to remove once no call started before the upgrade is still going (a day after)."""


def step_request(twilio: TwilioRequest, args: Mapping[str, str], languages: Languages,
                 settings: Mapping[str, Any] | None = None) -> StepRequest:
    """The step a webhook request asks for: its call, the step its URL names (`s`), what the caller
    did, the language its URL carries (`lang=`, or `l=` from before issue 15) when the line speaks
    it, and (`settings` given: the greeting of a demo or test server) where the call starts."""
    return StepRequest(
        call_sid=twilio.call_sid,
        seq=query_int(args, "s"),
        event=event(twilio, args),
        language=languages.known(args.get(LANGUAGE_PARAMETER) or args.get(OLD_LANGUAGE_PARAMETER)),
        caller=twilio.caller,
        called=twilio.called,
        start=console_start(twilio.console, settings) if settings is not None else None,
    )


def event(twilio: TwilioRequest, args: Mapping[str, str]) -> Event:
    """What the caller did, as <Gather> reports it: silence when its URL says `timeout` (the
    redirect after a <Gather> that heard nothing), else the words said, else the keys pressed."""
    if args.get("timeout"):
        return NoInput()
    if twilio.speech:
        return Speech(twilio.speech, twilio.confidence)
    if twilio.digits is not None:
        return Digits(twilio.digits)
    return NoInput()


def query_int(args: Mapping[str, str], name: str, default: int | None = None) -> int | None:
    """A whole number from the URL's query (`s`, `r`, `n`, `tries`); `default` when absent or not one."""
    try:
        return int(args[name])
    except (KeyError, TypeError, ValueError):
        return default
