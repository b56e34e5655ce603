"""The services a call's step may use, built once in `create_app` and handed to `ivr.calls.step`.

As goflow builds its engine with the services it may use, a `Line` names everything a step reaches
outside the engine: the flows served, the agents' hours, the call recorder, the telephony gateway and
the time budgets. The step asks the `Line`; it never looks for a service on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flask import Flask
from sqlalchemy.orm import Session

from ivr import config
from ivr.calls import faults
from ivr.calls.gateway import Gateway
from ivr.content.flowstore import FlowStore
from ivr.engine.flows import FlowSet
from ivr.engine.state import CallState
from ivr.engine.hours import Hours
from ivr.store.models.calls import Call

STEP_BUDGET_S = 2.0
"""Seconds a phone request may take (STEP_BUDGET_S): past this, Twilio has kept the caller in silence
long enough, and the step goes to a person."""


Said = list[tuple[str, str]]
"""Words to say, in order: (language code, text) pairs."""


class Recorder(Protocol):
    """Call recording as a step sees it (`ivr.telephony.recording` implements it with Twilio)."""

    def enabled(self) -> bool:
        """Whether calls are recorded (IVR_RECORD_CALLS)."""

    def with_notice(self, result: Any, flowset: FlowSet) -> Any:
        """The first step's result, its turn preceded by the recording notice when calls are recorded."""

    def follow(self, session: Session, call: Call, flowset: FlowSet, state: CallState, first_turn: bool) -> None:
        """After a turn: start recording once the notice was heard, pause it for sensitive answers."""


@dataclass(frozen=True)
class Budgets:
    """A phone request's time budgets and bounds, read from the app's settings when asked, so a setting
    changed after start (a test's) is heeded. Seconds are floats; counts are ints."""

    settings: Mapping[str, Any]

    @property
    def step_s(self) -> float:
        """Seconds a whole step may take (STEP_BUDGET_S, default 2.0)."""
        return float(self.settings.get("STEP_BUDGET_S", STEP_BUDGET_S))

    @property
    def record_s(self) -> float:
        """Seconds for noting a fault apart, once the step failed (`ivr.calls.faults.RECORD_BUDGET_S`)."""
        return faults.RECORD_BUDGET_S

    @property
    def queue_retries(self) -> int:
        """Times a failed queue is tried again before a callback is offered (QUEUE_RETRIES)."""
        return int(self.settings.get("QUEUE_RETRIES", config.QUEUE_RETRIES))

    @property
    def callbacks_per_hour(self) -> int:
        """Callback requests one caller ID may make in an hour (CALLBACK_REQUESTS_PER_HOUR)."""
        return int(self.settings.get("CALLBACK_REQUESTS_PER_HOUR") or config.CALLBACK_REQUESTS_PER_HOUR)


@dataclass(frozen=True)
class Line:
    """What a step may use: the flows served, the agents' hours (None: agents are always in, as in
    the demo and the tests), the recorder, the gateway to Twilio's REST API, the budgets."""

    flows: FlowStore
    hours: Hours | None
    recorder: Recorder
    gateway: Gateway
    budgets: Budgets

    def flows_for(self, version: str) -> FlowSet:
        """The flow set a call started on (its `flow_version`), archived or current."""
        return self.flows.for_version(version)

    def say(self, keys: Iterable[str], languages: Iterable[str], values: dict[str, Any] | None = None) -> Said:
        """The prompts `keys` of the flows served, in each of `languages` (all keys in the first language,
        then the next), with `values` and the regions this line calls back (flows/global.yaml
        `phone_numbers`) filled in."""
        flowset = self.flows.current
        filled = {"regions_called": flowset.settings.phone_regions, **(values or {})}
        keys = list(keys)
        return [(language, flowset.prompts.render(key, language, filled).text)
                for language in languages for key in keys]

    def agents_open(self, now: datetime) -> bool:
        """Are agents in at `now` (aware)? Always, when no hours are loaded."""
        return self.hours is None or self.hours.is_open(now)


KEY = "ivr.line"


def init_app(app: Flask, line: Line) -> None:
    """Keep the app's line, for the views that hand it to a step."""
    app.extensions[KEY] = line


def of(app: Flask) -> Line:
    """The line `init_app` kept for `app`."""
    return app.extensions[KEY]
