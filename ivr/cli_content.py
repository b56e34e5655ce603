"""Commands for content staff: try a flow from any step, run scenario tests, draw a flow."""

from __future__ import annotations

from typing import Any

import click

from .console import ConsoleStart
from .engine import FlowSet, FlowsInvalid, load_flowset
from .engine.findings import did_you_mean


def _configured_flowset(app: Any | None) -> FlowSet | None:
    """The flows this command talks about: the app's, or those in IVR_FLOWS_DIR / IVR_PROMPTS_DIR."""
    if app is not None:
        from .flowstore import FlowStore

        store: FlowStore = app.extensions["ivr.flows"]
        return store.current
    from .config import from_environment

    config = from_environment("instance")
    try:
        return load_flowset(config["FLOWS_DIR"], config["PROMPTS_DIR"])
    except FlowsInvalid:
        return None


def console_start(app: Any | None, flow: str | None, step: str | None, language: str | None,
                  client_number: str | None) -> ConsoleStart | None:
    """Check `ivr call --flow/--step/--lang/--client` against the flows and say how to fix a typo."""
    if not (flow or step or language or client_number):
        return None
    if step and not flow:
        if "/" not in step:
            raise click.BadParameter("say which flow the step is in, e.g. --flow status --step lookup",
                                     param_hint="--step")
        flow, _, step = step.partition("/")
    if client_number is not None and not (client_number.isdigit() and len(client_number) == 9):
        raise click.BadParameter(f"'{client_number}' is not a 9-digit client number, e.g. 100200300",
                                 param_hint="--client")
    flowset = _configured_flowset(app)
    if flow and flowset is not None:
        if flow not in flowset.flows:
            hint = did_you_mean(flow, flowset.flows) or "flows: " + ", ".join(sorted(flowset.flows))
            raise click.BadParameter(f"there is no flow named '{flow}' — {hint}", param_hint="--flow")
        steps = flowset.flows[flow].steps
        if step and step not in steps:
            hint = did_you_mean(step, steps) or f"steps of '{flow}': " + ", ".join(steps)
            raise click.BadParameter(f"flow '{flow}' has no step '{step}' — {hint}", param_hint="--step")
    at = f"{flow}/{step}" if flow and step else flow
    return ConsoleStart(at=at, language=language, client_number=client_number)
