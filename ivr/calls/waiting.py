"""Waiting for a person, decided: are agents in, what a transfer after hours records, what the caller
is told (as turns of words; `ivr.telephony.waiting` renders them).

The engine only says "transfer"; whether agents are in is decided here, from the line's hours
(flows/hours.yaml) and the clock, so the engine stays pure and the same flows run at any hour.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ivr.calls.line import Line
from ivr.engine import FlowSet, Turn, TurnKind
from ivr.store.models.calls import Call, JourneyEvent

log = logging.getLogger(__name__)

Said = list[tuple[str, str]]
"""Words to say, in order: (language code, text) pairs."""


def say(flowset: FlowSet, keys: Iterable[str], languages: Iterable[str], values: dict[str, Any] | None = None) -> Said:
    """The prompts `keys` in each of `languages` (all keys in the first language, then the next), with
    `values` and the regions this line calls back (flows/global.yaml `phone_numbers`) filled in."""
    prompts = flowset.prompts
    filled = {"regions_called": flowset.settings.phone_regions, **(values or {})}
    keys = list(keys)
    return [(language, prompts.render(key, language, filled).text) for language in languages for key in keys]


def position_of(call: Call) -> str:
    """The call's place in its flows ("main/menu"), as its state says; "" before it has one."""
    return str((call.state or {}).get("position", ""))


def after_hours(line: Line, session: Session, call: Call, turn: Turn, flowset: FlowSet, now: datetime) -> Said | None:
    """What precedes the after-hours choices when `turn` transfers the caller while agents are out (the
    call is then marked "after_hours" and its journey says so); None when agents are in or the turn does
    not transfer (the caller is queued as usual)."""
    if turn.kind is not TurnKind.TRANSFER or line.agents_open(now):
        return None
    settings = flowset.settings
    texts = [(u.language, u.text) for u in turn.prompts
             if u.key not in (settings.transfer_prompt, settings.fault_prompt) and u.text]
    if turn.reason == "fault":
        current = line.flows.current
        texts += say(current, ["closed.fault"], current.languages.speaking(call.language))
    call.status = "after_hours"
    session.add(JourneyEvent(call_sid=call.call_sid, seq=call.last_seq, at=now, position=position_of(call),
                             kind="closed", event="after_hours", detail={"reason": turn.reason}))
    log.info("call %s asked for an agent after hours", call.call_sid)
    return texts
