"""The flow engine: YAML flows in, turns out. No Flask, no Twilio, no database in here."""

from __future__ import annotations

from .findings import Finding, FlowsInvalid, Severity
from .flows import Flow, FlowSet, GlobalSettings, load_flowset, read_flowset
from .prompts import PromptError, Prompts, Utterance
from .runner import advance, mask
from .state import (
    ActionDone,
    ActionFailed,
    CallState,
    Digits,
    Event,
    JourneyEntry,
    Language,
    Listen,
    NoInput,
    Speech,
    Start,
    TransferReason,
    Turn,
    TurnKind,
    UNKNOWN_LANGUAGE_QUEUE,
    agents_queue,
)

__all__ = [
    "ActionDone", "ActionFailed", "CallState", "Digits", "Event", "Finding", "Flow", "FlowSet",
    "FlowsInvalid", "GlobalSettings", "JourneyEntry", "Language", "Listen", "NoInput", "PromptError",
    "Prompts", "Severity", "Speech", "Start", "TransferReason", "Turn", "TurnKind", "UNKNOWN_LANGUAGE_QUEUE",
    "Utterance", "advance", "agents_queue", "load_flowset", "mask", "read_flowset",
]


def new_call(flowset: FlowSet) -> CallState:
    """A call that has not started yet, pinned to this version of the flows."""
    return CallState(position=flowset.start(), version=flowset.version)
