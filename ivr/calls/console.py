"""Starting a call somewhere other than the greeting: for the console phone and scenario tests.

`ivr call --flow status --step lookup --lang en` and scenarios with `start:` ask the webhook to
begin a call at a given step, in a given language, optionally as a verified demo client. The
wish travels as extra form fields of the signed /voice/incoming request, which Twilio never
sends, and is honoured only by a demo or test server (or one started with IVR_CONSOLE_START=1):
a real line ignores it, so no outside caller can skip the greeting or the identity check.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ivr.engine.state import Start

log = logging.getLogger(__name__)

START_AT = "IvrStartAt"
LANGUAGE = "IvrLanguage"
CLIENT = "IvrClient"
VALUES = "IvrValues"
FIELDS = (START_AT, LANGUAGE, CLIENT, VALUES)


@dataclass(frozen=True)
class ConsoleStart:
    """Where and how a console or test call begins, and which demo client it is already verified as."""

    at: str | None = None
    language: str | None = None
    client_number: str | None = None
    values: dict[str, Any] = field(default_factory=dict)

    def event(self) -> Start:
        values = dict(self.values)
        if self.client_number:
            values.setdefault("client_number", self.client_number)
            values.setdefault("verified", True)
        return Start(at=self.at, language=self.language, values=values)

    def form(self) -> dict[str, str]:
        """The extra form fields that carry this start in a signed /voice/incoming request."""
        fields: dict[str, str] = {}
        if self.at:
            fields[START_AT] = self.at
        if self.language:
            fields[LANGUAGE] = self.language
        if self.client_number:
            fields[CLIENT] = self.client_number
        if self.values:
            fields[VALUES] = json.dumps(self.values, sort_keys=True)
        return fields


def allowed(config: Mapping[str, Any]) -> bool:
    """Only a demo or test server (or one told so explicitly) starts calls elsewhere."""
    return bool(config.get("TESTING") or config.get("DEMO") or config.get("CONSOLE_START"))


def from_form(form: Mapping[str, str], config: Mapping[str, Any]) -> ConsoleStart | None:
    """The start a signed request asks for, or None for an ordinary call from the greeting."""
    if not any(form.get(name) for name in FIELDS):
        return None
    if not allowed(config):
        log.warning("ignored a request to start a call elsewhere: this server is not a demo or test server")
        return None
    try:
        values = json.loads(form.get(VALUES) or "{}")
    except ValueError:
        values = {}
    return ConsoleStart(
        at=form.get(START_AT) or None,
        language=form.get(LANGUAGE) or None,
        client_number=form.get(CLIENT) or None,
        values=values if isinstance(values, dict) else {},
    )
