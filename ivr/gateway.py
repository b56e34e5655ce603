"""Telephony actions that leave the webhook: bringing an agent and a waiting caller together.

Production uses Twilio's REST API (a conference named after the call, a whisper on the agent's
leg); without Twilio credentials a recording gateway notes what it would have done, so the demo
and the tests run offline.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import Flask, current_app

from . import twiml

log = logging.getLogger(__name__)


class GatewayError(RuntimeError):
    """The telephony provider refused or failed; the call stays in the queue for another try."""


@dataclass(frozen=True)
class Connection:
    """A warm transfer under way: the conference both legs meet in."""

    conference: str
    agent_leg: str | None = None


def conference_name(call_sid: str) -> str:
    """One conference per caller, so a retry or a second agent joins the same room."""
    return f"ivr-{call_sid}"


class Gateway(Protocol):
    def connect_agent(self, call_sid: str, endpoint: str, from_number: str | None,
                      whisper: list[tuple[str, str]]) -> Connection: ...


@dataclass
class RecordingGateway:
    """Does nothing on a phone line; keeps each action, for the demo and the tests."""

    actions: list[dict[str, Any]] = field(default_factory=list)

    def connect_agent(self, call_sid: str, endpoint: str, from_number: str | None,
                      whisper: list[tuple[str, str]]) -> Connection:
        conference = conference_name(call_sid)
        self.actions.append({"action": "connect_agent", "call_sid": call_sid, "endpoint": endpoint,
                             "conference": conference, "whisper": [text for _, text in whisper]})
        log.info("recording gateway: would connect call %s to an agent in %s", call_sid, conference)
        return Connection(conference)


class TwilioGateway:
    """Twilio's REST API: dial the agent (whisper, then the conference), then move the caller in."""

    def __init__(self, account_sid: str, auth_token: str, voices: twiml.Voices | None = None,
                 http_client: Any = None):
        from twilio.rest import Client

        self.client = Client(account_sid, auth_token, http_client=http_client)
        self.voices = voices or twiml.Voices()

    def connect_agent(self, call_sid: str, endpoint: str, from_number: str | None,
                      whisper: list[tuple[str, str]]) -> Connection:
        from twilio.base.exceptions import TwilioException

        conference = conference_name(call_sid)
        agent_twiml = twiml.conference_leg(conference, whisper, self.voices, starts=True)
        caller_twiml = twiml.conference_leg(conference, [], self.voices, starts=False)
        try:
            agent_leg = self.client.calls.create(to=endpoint, from_=from_number or "", twiml=agent_twiml)
            self.client.calls(call_sid).update(twiml=caller_twiml)
        except TwilioException as error:
            log.warning("Twilio refused to connect call %s: %s", call_sid, type(error).__name__)
            raise GatewayError(f"Twilio could not connect the call: {error}") from error
        return Connection(conference, agent_leg.sid)


def init_app(app: Flask) -> None:
    """Twilio when an account is configured (and not in demo); otherwise the recording gateway."""
    if app.config.get("GATEWAY") is not None:
        app.extensions["ivr.gateway"] = app.config["GATEWAY"]
    elif app.config.get("TWILIO_ACCOUNT_SID") and not app.config.get("DEMO") and not app.config.get("TESTING"):
        voices = twiml.Voices(fr=app.config["VOICE_FR"], en=app.config["VOICE_EN"])
        app.extensions["ivr.gateway"] = TwilioGateway(app.config["TWILIO_ACCOUNT_SID"],
                                                      app.config["TWILIO_AUTH_TOKEN"], voices)
    else:
        app.extensions["ivr.gateway"] = RecordingGateway()


def gateway() -> Gateway:
    return current_app.extensions["ivr.gateway"]
