"""The flow engine: YAML flows in, turns out. No Flask, no Twilio, no database in here."""

from __future__ import annotations

from ivr.engine.findings import Finding, FlowsInvalid, Severity
from ivr.engine.languages import Language, Languages
from ivr.engine.flows import Flow, FlowSet, GlobalSettings
from ivr.engine.loader import load_flowset, read_flowset
from ivr.engine.prompts import PromptError, Prompts, Utterance
from ivr.engine.runner import advance, mask
from ivr.engine.state import (
    ActionDone,
    ActionFailed,
    CallState,
    Digits,
    Event,
    JourneyEntry,
    Listen,
    NoInput,
    Speech,
    Start,
    TransferReason,
    Turn,
    TurnKind,
)

__all__ = [
    "ActionDone", "ActionFailed", "CallState", "Digits", "Event", "Finding", "Flow", "FlowSet",
    "FlowsInvalid", "GlobalSettings", "JourneyEntry", "Language", "Languages", "Listen", "NoInput", "PromptError",
    "Prompts", "Severity", "Speech", "Start", "TransferReason", "Turn", "TurnKind",
    "Utterance", "advance", "load_flowset", "mask", "read_flowset",
]


def new_call(flowset: FlowSet) -> CallState:
    """A call that has not started yet, pinned to this version of the flows."""
    return CallState(position=flowset.start(), version=flowset.version)
