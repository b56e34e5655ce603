"""A phone that calls the IVR as Twilio would: signed form posts, TwiML read back.

The console phone (`ivr call`), the scenario runner and the tests all dial through this,
so what they hear is what a caller on a real line would hear.
"""

from __future__ import annotations

import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Protocol

from twilio.request_validator import RequestValidator

from .console import ConsoleStart


class Transport(Protocol):
    def post(self, path: str, form: dict[str, str], signature: str) -> tuple[int, str]: ...

    def url(self, path: str) -> str: ...


@dataclass
class FlaskTransport:
    """Posts through a Flask test client: no server needed."""

    client: Any
    base: str = "http://localhost"

    def url(self, path: str) -> str:
        return urllib.parse.urljoin(self.base + "/", path.lstrip("/")) if not path.startswith("http") else path

    def post(self, path: str, form: dict[str, str], signature: str) -> tuple[int, str]:
        response = self.client.post(self.url(path), data=form, headers={"X-Twilio-Signature": signature})
        return response.status_code, response.get_data(as_text=True)


@dataclass
class HttpTransport:
    """Posts to a running server, as Twilio does."""

    base: str

    def url(self, path: str) -> str:
        return urllib.parse.urljoin(self.base.rstrip("/") + "/", path.lstrip("/")) if not path.startswith("http") else path

    def post(self, path: str, form: dict[str, str], signature: str) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode()
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
    """What one TwiML answer does: words spoken, then listen, transfer or hang up."""

    said: list[Said] = field(default_factory=list)
    gather: dict[str, str] | None = None
    redirect: str | None = None
    enqueue: dict[str, str] | None = None
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
            elif verb.tag == "Hangup":
                screen.hangup = True
        return screen

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.said if s.text)


def _said(verb: ET.Element) -> Said:
    if verb.tag == "Play":
        return Said("", "", "", audio=verb.text or "")
    return Said(verb.text or "", verb.get("language", ""), verb.get("voice", ""))


class CallEnded(Exception):
    """The IVR hung up or transferred; there is no prompt to answer."""


@dataclass
class PhoneCall:
    """One call in progress: press keys, say things, stay silent, and read what was heard."""

    transport: Transport
    token: str
    caller: str = "+15145550142"
    called: str = "+18005550100"
    call_sid: str = ""
    screens: list[Screen] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.call_sid:
            self.call_sid = "CA" + uuid.uuid4().hex

    # -- what the caller does ----------------------------------------------------------

    def dial(self, start: ConsoleStart | None = None) -> PhoneCall:
        """Call in; `start` begins elsewhere (a step, a language, a verified demo client)."""
        self._post("/voice/incoming", start.form() if start else {})
        return self

    def press(self, keys: str) -> PhoneCall:
        self._answer({"Digits": keys})
        return self

    def say(self, words: str, confidence: float = 0.9) -> PhoneCall:
        self._answer({"SpeechResult": words, "Confidence": str(confidence)})
        return self

    def silence(self) -> PhoneCall:
        screen = self.last
        if screen.gather is None or screen.redirect is None:
            raise CallEnded("the IVR is not waiting for an answer")
        self._post(screen.redirect, {})
        return self

    def hold(self, position: int = 1, average_seconds: int = 120) -> PhoneCall:
        """Wait in the agent queue once: hear what the hold loop says."""
        screen = self.last
        if screen.enqueue is None:
            raise CallEnded("the caller is not being transferred")
        self._post(screen.enqueue["waitUrl"], {"QueuePosition": str(position), "AvgQueueTime": str(average_seconds),
                                                "QueueSid": "QU1", "QueueTime": "30"})
        return self

    def press_on_hold(self, key: str) -> PhoneCall:
        screen = self.last
        assert screen.gather is not None, "the hold loop has no open keypad"
        self._post(screen.gather["action"], {"Digits": key})
        return self

    def hang_up(self, status: str = "completed", duration: int = 60) -> PhoneCall:
        self._post("/voice/status", {"CallStatus": status, "CallDuration": str(duration)}, keep=False)
        return self

    # -- what the caller heard ---------------------------------------------------------

    @property
    def last(self) -> Screen:
        return self.screens[-1]

    def heard(self) -> str:
        """The words of the last answer."""
        return self.last.text

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

    # -- the wire --------------------------------------------------------------------------

    def _answer(self, form: dict[str, str]) -> None:
        screen = self.last
        if screen.gather is None:
            raise CallEnded("the IVR is not waiting for an answer")
        self._post(screen.gather["action"], form)

    def _post(self, path: str, extra: dict[str, str], keep: bool = True) -> None:
        form = {
            "CallSid": self.call_sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self.caller,
            "To": self.called,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        form.update(extra)
        url = self.transport.url(path)
        signature = RequestValidator(self.token).compute_signature(url, form)
        status, body = self.transport.post(path, form, signature)
        self.statuses.append(status)
        if status != 200:
            raise RuntimeError(f"the IVR answered HTTP {status} to {path}")
        if keep:
            self.screens.append(Screen.parse(body))
