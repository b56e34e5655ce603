"""Telephony actions that leave the webhook: bringing an agent and a waiting caller together.

Production uses Twilio's REST API (a conference named after the call, a whisper on the agent's
leg); without Twilio credentials a recording gateway notes what it would have done, so the demo
and the tests run offline.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from ivr.calls.gateway import Connection, GatewayError, QueueMember, conference_name
from ivr.telephony import twiml
from ivr.engine.languages import read_languages, with_voices
from ivr.telephony.requests import call_sid_of, clean, phone_number

log = logging.getLogger(__name__)


@dataclass
class RecordingGateway:
    """Does nothing on a phone line; keeps each action, for the demo and the tests."""

    actions: list[dict[str, Any]] = field(default_factory=list)
    members: list[QueueMember] = field(default_factory=list)
    """Who a test puts in Twilio's queues, unknown to the database or not."""
    callers: dict[str, str] = field(default_factory=dict)
    """call_sid -> caller ID, as Twilio's call resource would answer."""
    lookups: int = 0
    """How many times the queues were listed."""

    def connect_agent(self, call_sid: str, endpoint: str, from_number: str | None,
                      whisper: list[tuple[str, str]]) -> Connection:
        conference = conference_name(call_sid)
        self.actions.append({"action": "connect_agent", "call_sid": call_sid, "endpoint": endpoint,
                             "conference": conference, "whisper": [text for _, text in whisper]})
        log.info("recording gateway: would connect call %s to an agent in %s", call_sid, conference)
        return Connection(conference)

    def queue_members(self, queues: Collection[str]) -> list[QueueMember]:
        self.lookups += 1
        return [member for member in self.members if member.queue in queues]

    def caller_of(self, call_sid: str) -> str | None:
        return self.callers.get(call_sid)


class TwilioGateway:
    """Twilio's REST API: dial the agent (whisper, then the conference), then move the caller in."""

    def __init__(self, account_sid: str, auth_token: str, voices: twiml.Voices | None = None,
                 http_client: Any = None):
        self.client = Client(account_sid, auth_token, http_client=http_client)
        self.voices = voices or twiml.Voices()

    def connect_agent(self, call_sid: str, endpoint: str, from_number: str | None,
                      whisper: list[tuple[str, str]]) -> Connection:
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

    def queue_members(self, queues: Collection[str]) -> list[QueueMember]:
        """Twilio's Queue and Member resources (https://www.twilio.com/docs/voice/api/queue-resource,
        .../member-resource): each queue of ours by its friendly name, then its members. Values are
        cleaned as at the webhook's border (telephony.requests)."""
        members = []
        try:
            for queue in self.client.queues.list(limit=MAX_QUEUES):
                name = clean(queue.friendly_name, MAX_QUEUE_NAME)
                if name not in queues:
                    continue
                for member in self.client.queues(queue.sid).members.list(limit=MAX_MEMBERS):
                    call_sid = call_sid_of(member.call_sid)
                    if call_sid:
                        members.append(QueueMember(call_sid, name))
        except TwilioException as error:
            log.warning("Twilio did not list its queue members: %s", type(error).__name__)
            raise GatewayError(f"Twilio did not list its queue members: {error}") from error
        return members

    def caller_of(self, call_sid: str) -> str | None:
        try:
            call = self.client.calls(call_sid).fetch()
            return phone_number(call._from)  # twilio-python names the call's "from" field `_from`
        except TwilioException as error:
            raise GatewayError(f"Twilio did not describe call {call_sid}: {error}") from error


MAX_QUEUES = 100
"""Queues listed: the IVR uses one per language of flows/languages.yaml and one for callers who have not chosen."""
MAX_MEMBERS = 1000
"""Members listed per queue: Twilio's default maximum size of a queue."""
MAX_QUEUE_NAME = 64
"""Twilio's limit on a queue's name (<Enqueue> reference)."""


def init_app(app: Flask) -> None:
    """Twilio when an account is configured (and not in demo); otherwise the recording gateway."""
    if app.config.get("GATEWAY") is not None:
        app.extensions["ivr.gateway"] = app.config["GATEWAY"]
    elif app.config.get("TWILIO_ACCOUNT_SID") and not app.config.get("DEMO") and not app.config.get("TESTING"):
        voices = twiml.Voices(with_voices(read_languages(app.config["FLOWS_DIR"]), app.config.get("VOICES", {})))
        app.extensions["ivr.gateway"] = TwilioGateway(app.config["TWILIO_ACCOUNT_SID"],
                                                      app.config["TWILIO_AUTH_TOKEN"], voices)
    else:
        app.extensions["ivr.gateway"] = RecordingGateway()
