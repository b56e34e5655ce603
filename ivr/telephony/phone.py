"""A phone that calls the IVR as Twilio would: signed form posts, TwiML read back and followed.

The console phone (`ivr call`), the scenario runner and the tests all dial through this,
so what they hear is what a caller on a real line would hear, and every call they make ends
as a real one does: Twilio's final status callback (`CallStatus=completed`, `CallDuration`)
when either side hangs up, and the <Enqueue> action URL (`QueueResult`) when a caller leaves
the agents' queue. Sources: Twilio's TwiML reference for <Gather>, <Redirect>, <Enqueue>
(waitUrl and action), <Leave> and <Hangup>, and its status callback parameters.
"""

from __future__ import annotations

import math
import time
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from ivr.calls.console import ConsoleStart


Form = Mapping[str, str | Sequence[str]]
"""A webhook's POST fields; a list value is a field sent once per value, in that order."""


def form_pairs(form: Form) -> list[tuple[str, str]]:
    """The (name, value) pairs of a form as they go on the wire: a repeated name once per value."""
    return [(name, item) for name, value in form.items()
            for item in ([value] if isinstance(value, str) else value)]


def sign(token: str, url: str, form: Form) -> str:
    """X-Twilio-Signature as Twilio computes it: the URL, then each name in sorted order with every one
    of its values (twilio-python's RequestValidator.compute_signature, given a MultiDict; Twilio's
    webhook security: https://www.twilio.com/docs/usage/webhooks/webhooks-security)."""
    return RequestValidator(token).compute_signature(url, MultiDict(form_pairs(form)))


class WebhookRefused(RuntimeError):
    """The IVR answered a webhook with an HTTP status other than 200: 403 is a refused signature (the
    token), anything else (404, 500 ...) says the address or the server is wrong, not the token."""

    def __init__(self, status: int, path: str) -> None:
        super().__init__(f"the IVR answered HTTP {status} to {path}")
        self.status = status
        self.path = path


class Transport(Protocol):
    def post(self, path: str, form: Form, signature: str) -> tuple[int, str]: ...

    def url(self, path: str) -> str: ...


@dataclass
class FlaskTransport:
    """Posts through a Flask test client: no server needed."""

    client: Any
    base: str = "http://localhost"

    def url(self, path: str) -> str:
        return urllib.parse.urljoin(self.base + "/", path.lstrip("/")) if not path.startswith("http") else path

    def post(self, path: str, form: Form, signature: str) -> tuple[int, str]:
        response = self.client.post(self.url(path), data=MultiDict(form_pairs(form)),
                                    headers={"X-Twilio-Signature": signature})
        return response.status_code, response.get_data(as_text=True)


@dataclass
class HttpTransport:
    """Posts to a running server, as Twilio does."""

    base: str

    def url(self, path: str) -> str:
        return urllib.parse.urljoin(self.base.rstrip("/") + "/", path.lstrip("/")) if not path.startswith("http") else path

    def post(self, path: str, form: Form, signature: str) -> tuple[int, str]:
        data = urllib.parse.urlencode(form_pairs(form)).encode()
        request = urllib.request.Request(self.url(path), data=data, method="POST",
                                         headers={"X-Twilio-Signature": signature,
                                                  "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own server
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


@dataclass(frozen=True)
class Said:
    text: str
    language: str
    voice: str
    audio: str = ""
    """The URL of a recording played instead of spoken words."""


@dataclass
class Screen:
    """What one TwiML answer does: words spoken, then listen, go elsewhere, queue, leave or hang up."""

    said: list[Said] = field(default_factory=list)
    gather: dict[str, str] | None = None
    redirect: str | None = None
    enqueue: dict[str, str] | None = None
    leave: bool = False
    hangup: bool = False
    xml: str = ""

    @classmethod
    def parse(cls, body: str) -> Screen:
        root = ET.fromstring(body)
        if root.tag != "Response":
            raise ValueError("the answer is not TwiML: its root is not <Response>")
        screen = cls(xml=body)
        for verb in root:
            if verb.tag in ("Say", "Play"):
                screen.said.append(_said(verb))
            elif verb.tag == "Gather":
                screen.gather = dict(verb.attrib)
                for inner in verb:
                    if inner.tag in ("Say", "Play"):
                        screen.said.append(_said(inner))
            elif verb.tag == "Redirect":
                screen.redirect = verb.text or ""
            elif verb.tag == "Enqueue":
                screen.enqueue = dict(verb.attrib, queue=verb.text or "")
            elif verb.tag == "Leave":
                screen.leave = True
            elif verb.tag == "Hangup":
                screen.hangup = True
        return screen

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.said if s.text)

    @property
    def moves_on(self) -> bool:
        """Twilio goes on by itself after the words: a <Redirect> with no <Gather> to answer."""
        return self.redirect is not None and self.gather is None and self.enqueue is None and not (
            self.leave or self.hangup)

    @property
    def ends_call(self) -> bool:
        """Nothing follows the words: <Hangup>, or a document that simply ends (Twilio hangs up);
        <Leave> leads on only for a caller in a queue, and that is checked first."""
        return self.hangup or not (self.gather is not None or self.redirect is not None or self.enqueue is not None)


def _said(verb: ET.Element) -> Said:
    if verb.tag == "Play":
        return Said("", "", "", audio=verb.text or "")
    return Said(verb.text or "", verb.get("language", ""), verb.get("voice", ""))


class CallEnded(Exception):
    """The call is not where this move needs it: over, not asked anything, or not in a queue."""


@dataclass
class Waiting:
    """The caller is in an agents' queue (<Enqueue>): where Twilio asks what to play meanwhile
    (waitUrl) and where it reports how the wait ended (action, with QueueResult)."""

    queue: str
    wait_url: str
    action: str | None
    since: float


MAX_REDIRECTS = 20
"""Twilio follows <Redirect> after <Redirect>; more than this in a row without a question is a loop."""


@dataclass
class PhoneCall:
    """One call in progress: press keys, say things, stay silent, wait in line, hang up;
    and read what was heard.

    Each method is one thing the caller does (or, for `hold` and `end_wait`, one thing Twilio
    does for a caller in a queue, so a test chooses when and with what queue figures). What
    Twilio does by itself in between is done here too: a bare <Redirect> is followed, <Leave>
    posts the <Enqueue> action with QueueResult=leave, and a <Hangup> (or a document that ends)
    posts the final status callback, after QueueResult=hangup if the caller was in a queue.
    """

    transport: Transport
    token: str
    caller: str = "+15145550142"
    called: str = "+18005550100"
    call_sid: str = ""
    screens: list[Screen] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    clock: Callable[[], float] = field(default=lambda: time.monotonic())
    """Seconds, for CallDuration and QueueTime (read at each use, so freezegun can move it)."""
    extra_fields: dict[str, str | list[str]] = field(default_factory=dict)
    """More fields sent with every request, as Twilio adds parameters the IVR does not read; a list
    is a field sent once per value."""
    waiting: Waiting | None = field(default=None, init=False)
    ended: bool = field(default=False, init=False)
    """Twilio's final status callback was posted: nothing more can happen on this call."""
    started: float = field(default=0.0, init=False)
    _move: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.call_sid:
            self.call_sid = "CA" + uuid.uuid4().hex

    # -- what the caller does ----------------------------------------------------------

    def dial(self, start: ConsoleStart | None = None) -> PhoneCall:
        """Call in; `start` begins elsewhere (a step, a language, a verified demo client)."""
        self.started = self.clock()
        self._begin_move()
        self._post("/voice/incoming", start.form() if start else {})
        return self

    def press(self, keys: str) -> PhoneCall:
        """Keys on the keypad, sent to the open <Gather>'s action (in a flow, on hold, or a callback question)."""
        self._answer({"Digits": keys})
        return self

    def type(self, keys: str) -> PhoneCall:
        """Keys typed in one go ("18195550123#"), sent as Twilio's <Gather> cuts them: an entry ends
        at its numDigits-th key, at its finishOnKey (not sent; only after a digit, else it is an
        ordinary key), or at the time-out after the last key; keys left over go to the next <Gather>.
        `heard()` then holds everything said in answer to all of them."""
        first = len(self.screens)
        left = keys
        while left:
            screen = self._current()
            if screen.gather is None:
                raise CallEnded("the IVR is not waiting for an answer")
            entry, left = _cut(left, int(screen.gather.get("numDigits") or 0), screen.gather.get("finishOnKey", "#"))
            self._post(screen.gather["action"], {"Digits": entry})
        self._move = first
        return self

    def say(self, words: str, confidence: float = 0.9) -> PhoneCall:
        self._answer({"SpeechResult": words, "Confidence": str(confidence)})
        return self

    def silence(self) -> PhoneCall:
        """Say nothing: the <Gather> times out and Twilio follows the <Redirect> after it."""
        screen = self._current()
        if screen.gather is None or screen.redirect is None:
            raise CallEnded("the IVR is not waiting for an answer")
        self._begin_move()
        self._post(screen.redirect, self._queue_figures())
        return self

    def fallback(self, error_code: str = "11200") -> PhoneCall:
        """Twilio gave up on the IVR's answer (an HTTP error, no answer in time, a worker killed
        mid-request) and asks the fallback URL instead, with ErrorCode; the call goes on with its answer."""
        if self.ended:
            raise CallEnded("the call is over")
        self._begin_move()
        self._post("/voice/fallback", {"ErrorCode": error_code, "ErrorUrl": self.transport.url("/voice/step")})
        return self

    def hold(self, position: int = 1, average_seconds: int = 120) -> PhoneCall:
        """Twilio asks the <Enqueue> waitUrl what the caller in line hears now, with the queue's figures."""
        if self.waiting is None or self.ended:
            raise CallEnded("the caller is not waiting in a queue")
        self._begin_move()
        self._post(self.waiting.wait_url, self._queue_figures(position, average_seconds))
        return self

    def end_wait(self, result: str, queue_time: int | None = None) -> PhoneCall:
        """Twilio ends the wait (QueueResult: bridged, queue-full, system-error, redirected ...):
        it posts the <Enqueue> action URL, and the call goes on with what that answers."""
        if self.waiting is None or self.ended:
            raise CallEnded("the caller is not waiting in a queue")
        self._begin_move()
        self._leave_queue(result, queue_time, then_follow=True)
        return self

    def hang_up(self, status: str = "completed", duration: int | None = None) -> PhoneCall:
        """The caller hangs up: from a queue, the <Enqueue> action hears QueueResult=hangup first;
        then Twilio's final status callback, with the call's duration in seconds (measured, or `duration`)."""
        if self.ended:
            raise CallEnded("the call is over already")
        if self.waiting is not None:
            self._leave_queue("hangup", None, then_follow=False)
        self._end(status, duration)
        return self

    # -- what the caller heard ---------------------------------------------------------

    @property
    def last(self) -> Screen:
        return self.screens[-1]

    def heard_now(self) -> list[Said]:
        """What was said in answer to the caller's last move (one move can bring several answers)."""
        return [said for screen in self.screens[self._move:] for said in screen.said]

    def heard(self) -> str:
        """The words said in answer to the caller's last move."""
        return " ".join(s.text for s in self.heard_now() if s.text)

    def heard_all(self) -> str:
        return " ".join(s.text for s in self.screens)

    @property
    def transferred(self) -> bool:
        return self.last.enqueue is not None

    @property
    def queue(self) -> str | None:
        return self.last.enqueue["queue"] if self.last.enqueue else None

    @property
    def hung_up(self) -> bool:
        return self.last.hangup

    # -- what Twilio does between the caller's moves -------------------------------------------

    def _current(self) -> Screen:
        if self.ended:
            raise CallEnded("the call is over")
        return self.last

    def _answer(self, form: dict[str, str]) -> None:
        screen = self._current()
        if screen.gather is None:
            raise CallEnded("the IVR is not waiting for an answer")
        self._begin_move()
        self._post(screen.gather["action"], form)

    def _begin_move(self) -> None:
        self._move = len(self.screens)

    def _follow(self, screen: Screen, redirects: int = 0) -> None:
        """Carry on as Twilio does once an answer's words are said."""
        if screen.enqueue is not None:
            self.waiting = Waiting(screen.enqueue["queue"], screen.enqueue.get("waitUrl", ""),
                                   screen.enqueue.get("action"), self.clock())
        elif screen.leave and self.waiting is not None:
            self._leave_queue("leave", None, then_follow=True)
        elif screen.ends_call:
            if self.waiting is not None:
                self._leave_queue("hangup", None, then_follow=False)
            self._end("completed", None)
        elif screen.moves_on:
            if redirects >= MAX_REDIRECTS:
                raise RuntimeError(f"the IVR redirected {redirects} times in a row without asking anything")
            self._post(screen.redirect or "", self._queue_figures(), redirects=redirects + 1)

    def _queue_figures(self, position: int = 1, average_seconds: int = 120) -> dict[str, str]:
        """The waitUrl parameters (QueuePosition, QueueTime, AvgQueueTime ...) while in a queue."""
        if self.waiting is None:
            return {}
        return {"QueueSid": "QU" + "0" * 32, "QueuePosition": str(position),
                "QueueTime": str(self._seconds_since(self.waiting.since)), "AvgQueueTime": str(average_seconds),
                "CurrentQueueSize": str(position), "MaxQueueSize": "100"}

    def _leave_queue(self, result: str, queue_time: int | None, then_follow: bool) -> None:
        """Out of the queue: Twilio posts the <Enqueue> action with QueueResult, QueueSid and QueueTime.

        A caller who hung up is gone, so the answer is not followed; with no action URL, the
        document that queued the caller has nothing after <Enqueue>, so the call ends."""
        waiting, self.waiting = self.waiting, None
        assert waiting is not None
        if waiting.action is None:
            if then_follow:
                self._end("completed", None)
            return
        seconds = self._seconds_since(waiting.since) if queue_time is None else queue_time
        self._post(waiting.action, {"QueueResult": result, "QueueSid": "QU" + "0" * 32, "QueueTime": str(seconds)},
                   keep=then_follow)

    def _end(self, status: str, duration: int | None) -> None:
        seconds = self._seconds_since(self.started) if duration is None else duration
        self._post("/voice/status", {"CallStatus": status, "CallDuration": str(seconds)}, keep=False)
        self.ended = True

    def _seconds_since(self, since: float) -> int:
        return max(0, math.ceil(self.clock() - since))

    # -- the wire --------------------------------------------------------------------------

    def _post(self, path: str, extra: dict[str, str], keep: bool = True, redirects: int = 0) -> None:
        form: dict[str, str | list[str]] = {
            "CallSid": self.call_sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self.caller,
            "To": self.called,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        form.update(self.extra_fields)
        form.update(extra)
        url = self.transport.url(path)
        signature = sign(self.token, url, form)
        status, body = self.transport.post(path, form, signature)
        self.statuses.append(status)
        if status != 200:
            raise WebhookRefused(status, path)
        if keep:
            screen = Screen.parse(body)
            self.screens.append(screen)
            self._follow(screen, redirects)


def _cut(keys: str, num_digits: int, finish_on_key: str) -> tuple[str, str]:
    """(the Digits one <Gather> sends, the keys left for the next) per Twilio's Gather reference:
    numDigits ends the entry at that many keys, finishOnKey ends it and is not sent (it "only works
    when a digit sequence precedes it"), and otherwise the time-out ends it after the last key."""
    entry = ""
    for index, key in enumerate(keys):
        if finish_on_key and key == finish_on_key and entry:
            return entry, keys[index + 1:]
        entry += key
        if num_digits and len(entry) == num_digits:
            return entry, keys[index + 1:]
    return entry, ""
