"""Who the caller is, as far as the IVR knows: a verified identity, or only a claim.

The rule: a client's file is the caller's identity only once the call is verified (call.verified,
set by `client.verify` in ivr/services/verification.py). Before that, the file the caller named (the
client number they entered, the file a failed try found) is a *claim*: the desktop shows it under a
warning, never as the page's headline, and the JSON API gives it in `claimed`, apart from the verified
`client_number` / `client_name`. A call whose self-service verification was suspended in this call
(three failed tries, or a file or phone already suspended) says so, as its state and its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from ivr.store.models.calls import Call, Client, JourneyEvent
from ivr.services.clients import find_client
from ivr.services.verification import SUSPENDED_IN_CALL
from ivr.desktop.words import Words


class IdentityState(StrEnum):
    """How far the IVR got in knowing who calls; the API's `verification_state`."""

    VERIFIED = "verified"
    SUSPENDED = "suspended"  # self-service verification suspended during this call
    FAILED = "failed"  # tried, the details did not match
    CLAIMED = "claimed"  # a client number given, never checked (the caller left before)
    NONE = "none"  # nothing given


@dataclass(frozen=True)
class Identity:
    state: IdentityState
    client: Client | None  # the file the call is about: verified, or only claimed
    claimed_number: str | None  # the client number the caller gave, when not verified
    attempts: int  # failed verification tries in this call
    suspended: bool = False  # self-service verification suspended in this call (also at a step-up level)

    @property
    def verified(self) -> bool:
        return self.state is IdentityState.VERIFIED

    @property
    def verified_client(self) -> Client | None:
        return self.client if self.verified else None

    def claimed(self, words: Words) -> dict[str, Any] | None:
        """The claim as the API gives it: {client_number, client_name (None without a file), claim, warning}."""
        if self.verified or (self.client is None and not self.claimed_number):
            return None
        number = self.client.client_number if self.client is not None else self.claimed_number
        name = self.client.name if self.client is not None else None
        claim = (words("identity.claim", name=name, number=number) if name
                 else words("identity.claim_no_file", number=number))
        return {"client_number": number, "client_name": name, "claim": claim, "warning": words("identity.warning")}

    def headline(self, words: Words) -> str:
        """The page's title: the verified client's name, else what is known about the caller."""
        if self.verified and self.client is not None:
            return self.client.name
        if self.state is IdentityState.NONE:
            return words("ui.not_identified")
        return words(f"identity.headline_{self.state}")


def _verify_outcomes(events: list[JourneyEvent]) -> list[tuple[str, str]]:
    return [(str(e.detail.get("action")), str(e.detail.get("outcome"))) for e in events
            if e.kind == "action" and e.event == "outcome"
            and e.detail.get("action") in ("client.verify", "verification.available")]


def identity_of(session: Session, call: Call, client: Client | None, events: list[JourneyEvent],
                variables: dict[str, Any]) -> Identity:
    """The caller's identity from the call row, its journey and its variables (state.vars)."""
    outcomes = _verify_outcomes(events)
    attempts = sum(1 for action, outcome in outcomes if action == "client.verify" and outcome in ("retry", "failed"))
    suspended = bool(variables.get(SUSPENDED_IN_CALL)) or any(
        (action, outcome) in (("client.verify", "suspended"), ("verification.available", "not_offered"))
        for action, outcome in outcomes)
    if call.verified:
        return Identity(IdentityState.VERIFIED, client, None, attempts, suspended)
    number = re.sub(r"\D", "", str(variables.get("client_number") or "")) or None
    if client is None and number:
        client = find_client(session, number)
    if suspended:
        state = IdentityState.SUSPENDED
    elif attempts:
        state = IdentityState.FAILED
    elif client is not None or number:
        state = IdentityState.CLAIMED
    else:
        state = IdentityState.NONE
    return Identity(state, client, number, attempts, suspended)
