"""Twilio's documented rules for the TwiML this IVR writes, as a table, and a checker that applies it.

`ivr.telephony.twiml` builds every document with twilio-python's VoiceResponse, which writes whatever
attributes it is given: nothing there stops a combination Twilio refuses (speechTimeout="auto" with a
speechModel, a language a speech model does not have, <Enqueue> in a wait-URL document). `check`
reads a rendered document back and lists each rule it breaks; the tests render every document the
IVR can send and require an empty list.

Sources (Twilio's own reference; each rule names its source):
- <Gather>: https://www.twilio.com/docs/voice/twiml/gather (attributes and allowed values; nested
  verbs Say, Play, Pause); the attribute and language lists of Twilio's generated TwiML
  classes (twilio-python `Gather`, twilio-java `com.twilio.twiml.voice.Gather`: Language, SpeechModel);
- warnings 13335 "Use a positive integer for speechTimeout whenever you set speechModel"
  (https://www.twilio.com/docs/api/errors/13335), 13330 hints "up to 500 entries, each entry 100
  characters or fewer" (https://www.twilio.com/docs/api/errors/13330), 13331 a language the speech
  model does not support makes the gather fail (https://www.twilio.com/docs/api/errors/13331);
- <Enqueue>: https://www.twilio.com/docs/voice/twiml/enqueue (queue name of 64 characters at most;
  the waitUrl document may hold only Play, Say, Pause, Hangup, Redirect, Leave and Gather);
- <Redirect> method, <Pause> length: https://www.twilio.com/docs/voice/twiml/redirect,
  https://www.twilio.com/docs/voice/twiml/pause.

Languages per speech model: the table lists only pairs checked against a source. `default` and
`numbers_and_commands` take every <Gather> language (Twilio's generic models run on Google
Speech-to-Text V1, whose `default` and `command_and_search` models "support all available
languages": https://cloud.google.com/speech-to-text/docs/v1/speech-to-text-supported-languages).
For `phone_call` and the `experimental_*` models no source at hand says which of fr-CA, en-CA and
en-US they take, so the table allows none: a model appears in TwiML only once its languages are
written here with their source.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from enum import StrEnum

GATHER_DOC = "https://www.twilio.com/docs/voice/twiml/gather"
ENQUEUE_DOC = "https://www.twilio.com/docs/voice/twiml/enqueue"
WARNING_13335 = "https://www.twilio.com/docs/api/errors/13335"
WARNING_13330 = "https://www.twilio.com/docs/api/errors/13330"
WARNING_13331 = "https://www.twilio.com/docs/api/errors/13331"
TWIML_DOC = "https://www.twilio.com/docs/voice/twiml"


class Document(StrEnum):
    """Where a document runs, which decides the verbs it may hold."""

    CALL = "call"
    """The answer to a call's webhook, a <Gather> action or a <Redirect>: any voice verb."""
    WAIT = "wait"
    """The <Enqueue> waitUrl document, and what its <Gather> and <Redirect> lead to while the caller
    is in the queue: only WAIT_URL_VERBS."""


VERBS = frozenset({"Connect", "Dial", "Echo", "Enqueue", "Gather", "Hangup", "Leave", "Pause", "Pay", "Play",
                   "Record", "Redirect", "Refer", "Reject", "Say", "Start", "Stop"})
"""The verbs a <Response> may hold (TWIML_DOC)."""

WAIT_URL_VERBS = frozenset({"Play", "Say", "Pause", "Hangup", "Redirect", "Leave", "Gather"})
"""The verbs of a waitUrl document (ENQUEUE_DOC, waitUrl): no <Enqueue>, <Dial> or <Record> there."""

NESTED = {
    "Gather": frozenset({"Say", "Play", "Pause"}),
    "Dial": frozenset({"Client", "Conference", "Number", "Queue", "Sim", "Sip", "Application"}),
    "Enqueue": frozenset({"Task"}),
    "Say": frozenset(),
    "Play": frozenset(),
    "Pause": frozenset(),
    "Redirect": frozenset(),
    "Hangup": frozenset(),
    "Leave": frozenset(),
    "Conference": frozenset(),
}
"""What each verb may contain (each verb's page); Say's SSML tags are not used here, so none is allowed."""

ATTRIBUTES = {
    "Gather": frozenset({"action", "actionOnEmptyResult", "bargeIn", "debug", "enhanced", "finishOnKey", "hints",
                         "input", "language", "maxSpeechTime", "method", "numDigits", "partialResultCallback",
                         "partialResultCallbackMethod", "profanityFilter", "speechModel", "speechTimeout",
                         "timeout"}),
    "Say": frozenset({"voice", "language", "loop"}),
    "Play": frozenset({"loop", "digits"}),
    "Pause": frozenset({"length"}),
    "Redirect": frozenset({"method"}),
    "Enqueue": frozenset({"action", "method", "waitUrl", "waitUrlMethod", "workflowSid", "maxQueueSize"}),
    "Hangup": frozenset(),
    "Leave": frozenset(),
    "Dial": frozenset({"action", "answerOnBridge", "callerId", "hangupOnStar", "method", "record", "ringTone",
                       "timeLimit", "timeout", "trim"}),
    "Conference": frozenset({"beep", "endConferenceOnExit", "startConferenceOnEnter", "muted", "waitUrl",
                             "waitMethod", "maxParticipants", "record", "region", "trim", "coach",
                             "statusCallback", "statusCallbackEvent", "statusCallbackMethod"}),
}
"""The attributes each verb documents (its page; twilio-python's generated classes name the same)."""

METHODS = frozenset({"GET", "POST"})
INPUT_MODES = frozenset({"dtmf", "speech"})
"""<Gather input>: "dtmf", "speech" or both, space-separated (GATHER_DOC)."""
FINISH_KEYS = frozenset("0123456789*#") | {""}
"""<Gather finishOnKey>: one key, 0-9, # or *, or "" for none (GATHER_DOC)."""
BOOLEANS = frozenset({"true", "false"})
SPEECH_TIMEOUT_AUTO = "auto"

SPEECH_MODELS = frozenset({"default", "numbers_and_commands", "phone_call", "experimental_conversations",
                           "experimental_utterances"})
"""Twilio's generic speech models (GATHER_DOC, speechModel; twilio-java Gather.SpeechModel lists the
first three). Provider-specific models (googlev2_*, deepgram_*) are not used by this IVR."""

GATHER_LANGUAGES = frozenset({"en-AU", "en-CA", "en-GB", "en-IN", "en-US", "fr-CA", "fr-FR", "es-MX", "es-US"})
"""<Gather language> tags this table knows, all on Twilio's list (twilio-java Gather.Language); a
language the IVR adds is added here with that check."""

MODEL_LANGUAGES: dict[str | None, frozenset[str]] = {
    None: GATHER_LANGUAGES,  # no speechModel: Twilio chooses
    "default": GATHER_LANGUAGES,
    "numbers_and_commands": GATHER_LANGUAGES,
    "phone_call": frozenset(),
    "experimental_conversations": frozenset(),
    "experimental_utterances": frozenset(),
}
"""Which <Gather language> each speech model takes, as far as checked (see the module's docstring)."""

MAX_HINTS = 500
MAX_HINT_LENGTH = 100
"""<Gather hints>: at most 500 comma-separated entries, each of 100 characters or fewer (WARNING_13330)."""
MAX_QUEUE_NAME = 64
"""<Enqueue>'s queue name: 64 characters or fewer (ENQUEUE_DOC)."""

_POSITIVE = re.compile(r"[1-9][0-9]*")


@dataclass(frozen=True)
class Violation:
    """One broken rule: a stable code for tests, what is wrong and the fix, and Twilio's page."""

    code: str
    message: str
    source: str

    def __str__(self) -> str:
        return f"{self.message} [{self.code}] ({self.source})"


def check(xml: str, document: Document = Document.CALL) -> list[Violation]:
    """Every rule of this table that the TwiML document `xml` breaks, in document order; [] when none."""
    root = ET.fromstring(xml)
    found: list[Violation] = []
    if root.tag != "Response":
        return [Violation("response", f"the root is <{root.tag}>, not <Response>", TWIML_DOC)]
    allowed = WAIT_URL_VERBS if document is Document.WAIT else VERBS
    for verb in root:
        if verb.tag not in allowed:
            where = "a wait-URL document" if document is Document.WAIT else "<Response>"
            code = "wait-url-verb" if document is Document.WAIT and verb.tag in VERBS else "unknown-verb"
            found.append(Violation(code, f"<{verb.tag}> is not allowed in {where}: use one of "
                                         f"{', '.join(sorted(allowed))}", ENQUEUE_DOC if code == "wait-url-verb"
                                   else TWIML_DOC))
            continue
        found += _element(verb)
    return found


def _element(element: ET.Element) -> list[Violation]:
    found: list[Violation] = []
    tag = element.tag
    known = ATTRIBUTES.get(tag)
    if known is not None:
        for name in sorted(set(element.attrib) - known):
            found.append(Violation("unknown-attribute", f"<{tag}> has no attribute {name}: remove it", TWIML_DOC))
    for child in element:
        if child.tag not in NESTED.get(tag, frozenset()):
            found.append(Violation("nested-verb", f"<{child.tag}> cannot be inside <{tag}>", TWIML_DOC))
        else:
            found += _element(child)
    rules = _CHECKS.get(tag)
    if rules is not None:
        found += rules(element)
    return found


def _gather(element: ET.Element) -> list[Violation]:
    attributes = element.attrib
    found: list[Violation] = []

    def bad(code: str, message: str, source: str = GATHER_DOC) -> None:
        found.append(Violation(code, f"<Gather {message}", source))

    modes = attributes.get("input", "dtmf").split(" ")
    if not modes or set(modes) - INPUT_MODES or len(set(modes)) != len(modes):
        bad("gather-input", f'input="{attributes.get("input")}">: use "dtmf", "speech" or "dtmf speech"')
    if attributes.get("method", "POST") not in METHODS:
        bad("gather-method", f'method="{attributes["method"]}">: use GET or POST')
    for name in ("timeout", "numDigits", "maxSpeechTime"):
        if name in attributes and not _POSITIVE.fullmatch(attributes[name]):
            bad(f"gather-{name}", f'{name}="{attributes[name]}">: use a positive whole number')
    if attributes.get("finishOnKey", "#") not in FINISH_KEYS:
        bad("gather-finishOnKey", f'finishOnKey="{attributes["finishOnKey"]}">: use one key (0-9, # or *) or ""')
    for name in ("actionOnEmptyResult", "profanityFilter", "bargeIn", "enhanced", "debug"):
        if name in attributes and attributes[name] not in BOOLEANS:
            bad(f"gather-{name}", f'{name}="{attributes[name]}">: use true or false')
    model = attributes.get("speechModel")
    timeout = attributes.get("speechTimeout")
    if timeout is not None and timeout != SPEECH_TIMEOUT_AUTO and not _POSITIVE.fullmatch(timeout):
        bad("gather-speechTimeout", f'speechTimeout="{timeout}">: use "auto" or a positive whole number of seconds')
    if timeout == SPEECH_TIMEOUT_AUTO and model is not None:
        bad("gather-speechTimeout-auto-with-model", f'speechTimeout="auto" speechModel="{model}">: Twilio does not '
            'support "auto" with a speech model; use a whole number of seconds', WARNING_13335)
    if model is not None and model not in SPEECH_MODELS:
        bad("gather-speechModel", f'speechModel="{model}">: use one of {", ".join(sorted(SPEECH_MODELS))}')
    language = attributes.get("language", "en-US")
    if language not in GATHER_LANGUAGES:
        bad("gather-language", f'language="{language}">: use a language tag of Twilio\'s list, such as fr-CA')
    elif model in MODEL_LANGUAGES and language not in MODEL_LANGUAGES[model]:
        bad("gather-model-language", f'speechModel="{model or "(none)"}" language="{language}">: this model is not '
            "known to recognise this language; use another model, or write its languages in the table with "
            "their source", WARNING_13331)
    hints = attributes.get("hints")
    if hints is not None:
        entries = hints.split(",")
        if len(entries) > MAX_HINTS:
            bad("gather-hints", f'hints="…"> has {len(entries)} entries: keep {MAX_HINTS} at most', WARNING_13330)
        for entry in entries:
            if not entry.strip() or len(entry) > MAX_HINT_LENGTH:
                bad("gather-hints", f'hints="…"> has the entry "{entry[:40]}": each must be 1 to '
                    f"{MAX_HINT_LENGTH} characters", WARNING_13330)
    return found


def _enqueue(element: ET.Element) -> list[Violation]:
    attributes = element.attrib
    found = []
    queue = (element.text or "").strip()
    if not 1 <= len(queue) <= MAX_QUEUE_NAME:
        found.append(Violation("enqueue-queue-name", f"<Enqueue> names the queue \"{queue[:40]}\": use 1 to "
                               f"{MAX_QUEUE_NAME} characters", ENQUEUE_DOC))
    for method in ("method", "waitUrlMethod"):
        if attributes.get(method, "POST") not in METHODS:
            found.append(Violation("enqueue-method", f'<Enqueue {method}="{attributes[method]}">: use GET or POST',
                                   ENQUEUE_DOC))
    return found


def _redirect(element: ET.Element) -> list[Violation]:
    attributes = element.attrib
    if attributes.get("method", "POST") not in METHODS:
        return [Violation("redirect-method", f'<Redirect method="{attributes["method"]}">: use GET or POST',
                          "https://www.twilio.com/docs/voice/twiml/redirect")]
    return []


def _pause(element: ET.Element) -> list[Violation]:
    attributes = element.attrib
    if "length" in attributes and not _POSITIVE.fullmatch(attributes["length"]):
        return [Violation("pause-length", f'<Pause length="{attributes["length"]}">: use a positive whole number',
                          "https://www.twilio.com/docs/voice/twiml/pause")]
    return []


_CHECKS = {"Gather": _gather, "Enqueue": _enqueue, "Redirect": _redirect, "Pause": _pause}
