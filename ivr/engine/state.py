"""What a call is (its state), what happens to it (events), and what it says back (turns).

All of it is plain data that turns into JSON, so any process can pick a call up from the
database and carry on.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from ivr.engine.prompts import Utterance

if TYPE_CHECKING:  # flows.py reads the steps a state points into; a state needs only its name here
    from ivr.engine.flows import FlowSet


class TransferReason(StrEnum):
    ASKED = "asked_for_agent"
    NOINPUT = "no_input"
    NOMATCH = "not_understood"
    FAULT = "fault"


@dataclass
class CallState:
    position: str
    language: str | None = None
    vars: dict[str, Any] = field(default_factory=dict)
    noinput: int = 0
    nomatch: int = 0
    stray: int = 0
    """Lone end keys forgiven at the question the call waits at (see runner._stray_end_key)."""
    stack: list[str] = field(default_factory=list)
    seq: int = 0
    awaiting: str = "start"
    finished: str | None = None
    transfer_reason: str | None = None
    version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "vars": _copied(self.vars), "stack": list(self.stack)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CallState:
        """A saved state; a field this version does not know (a newer process saved it) is left out."""
        known = cls.__dataclass_fields__
        return cls(**{key: value for key, value in data.items() if key in known})

    def copy(self) -> CallState:
        """A copy the engine may change freely (faster than deepcopy, which every step paid for)."""
        return replace(self, vars=_copied(self.vars), stack=list(self.stack))


def _copied(values: dict[str, Any]) -> dict[str, Any]:
    return {key: copy.deepcopy(value) if isinstance(value, (dict, list)) else value for key, value in values.items()}


@dataclass(frozen=True)
class Start:
    """A call begins; `at` ("flow/step" or "flow") and `language` start it elsewhere (console, tests)."""

    at: str | None = None
    language: str | None = None
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Digits:
    value: str


@dataclass(frozen=True)
class Speech:
    text: str
    confidence: float | None = None


@dataclass(frozen=True)
class NoInput:
    pass


@dataclass(frozen=True)
class ActionDone:
    outcome: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ActionFailed:
    error: str = ""


Event = Start | Digits | Speech | NoInput | ActionDone | ActionFailed


class TurnKind(StrEnum):
    GATHER = "gather"
    ACTION = "action"
    TRANSFER = "transfer"
    HANGUP = "hangup"


@dataclass(frozen=True)
class Listen:
    """How to listen after the prompts: keypad, speech or both, and for how long."""

    language: str
    timeout: int
    speech: bool = True
    max_digits: int | None = None
    finish_on_key: str = "#"
    hints: tuple[str, ...] = ()
    numbers: bool = False


@dataclass(frozen=True)
class JourneyEntry:
    """One thing that happened in the call, kept for the agent and for per-step counts."""

    position: str
    kind: str
    event: str
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Turn:
    kind: TurnKind
    prompts: tuple[Utterance, ...] = ()
    listen: Listen | None = None
    action: str | None = None
    queue: str | None = None
    reason: str | None = None
    journey: tuple[JourneyEntry, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(u.text for u in self.prompts)

    @property
    def keys(self) -> list[str]:
        return [u.key for u in self.prompts]


def new_call(flowset: FlowSet) -> CallState:
    """A call that has not started yet, pinned to this version of the flows."""
    return CallState(position=flowset.start(), version=flowset.version)
