"""The port to the telephony provider: what agents' actions ask of it, and the one in use.

The implementations live at the Twilio border (`ivr.telephony.gateway`: Twilio's REST API, or a
recording fake for the demo and the tests); the desktop and the calls' use cases see only this.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from flask import current_app


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


@dataclass(frozen=True)
class QueueMember:
    """A caller in one of Twilio's queues, as Twilio itself sees it (whatever our database says)."""

    call_sid: str
    queue: str


class Gateway(Protocol):
    def connect_agent(self, call_sid: str, endpoint: str, from_number: str | None,
                      whisper: list[tuple[str, str]]) -> Connection: ...

    def queue_members(self, queues: Collection[str]) -> list[QueueMember]:
        """The callers waiting now in the queues named; raises GatewayError when the provider fails."""
        ...

    def caller_of(self, call_sid: str) -> str | None:
        """The caller ID of a call, in E.164 (None when withheld); raises GatewayError."""
        ...


def gateway() -> Gateway:
    """The gateway `ivr.telephony.gateway.init_app` installed for this application."""
    return current_app.extensions["ivr.gateway"]
