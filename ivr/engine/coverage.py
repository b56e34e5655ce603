"""Which steps and branches of the flows some call went through, from the calls' journeys.

Scenario tests run calls, then ask this module what no scenario reached: a step never
visited, a menu option never chosen, an action result, sub-flow result or branch case never
taken, retries never run out. Each gap comes with its file and line so content staff can
write the missing scenario.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ivr.engine.flows import FlowSet
from ivr.engine.steps import Action, Branch, Menu, Question, Step, Use


@dataclass(frozen=True)
class Target:
    """One thing a scenario can reach: a step, or one way out of it."""

    flow: str
    step: str
    kind: str  # "step", "option", "outcome", "case", "otherwise", "retries"
    label: str = ""
    path: str = ""
    line: int = 0
    step_kind: str = ""

    def describe(self) -> str:
        """What was never reached, in words content staff know from the flow file."""
        name = f"'{self.step}'"
        if self.kind == "step":
            return f"step {name} ({self.step_kind}) is never reached"
        if self.kind == "option":
            return f"option {self.label} of menu {name} is never chosen"
        if self.kind == "outcome":
            label = "any result" if self.label == "*" else f"result '{self.label}'"
            return f"{label} of {self.step_kind} step {name} never happens"
        if self.kind == "case":
            return f"case '{self.label}' of branch {name} is never taken"
        if self.kind == "otherwise":
            return f"'otherwise' of branch {name} is never taken"
        return f"step {name} never runs out of retries (silence or answers not understood)"


def targets(flowset: FlowSet) -> list[Target]:
    """Everything in the flows a scenario should reach, in file order."""
    found: list[Target] = []
    for flow in flowset.flows.values():
        for step in flow.steps.values():
            found.extend(_targets_of(step, flow.path))
    return found


def _targets_of(step: Step, path: str) -> list[Target]:
    def target(kind: str, label: str = "", line: int | None = None) -> Target:
        return Target(step.flow, step.id, kind, label, path, step.line if line is None else line, step.kind)

    found = [target("step")]
    if isinstance(step, Menu):
        found.extend(target("option", o.key, o.line) for o in step.options)
    if isinstance(step, (Action, Use)):
        found.extend(target("outcome", label, line) for label, _, line in step.outcomes)
    if isinstance(step, Branch):
        found.extend(target("case", label, line) for label, _, line in step.cases)
        if step.otherwise:
            found.append(target("otherwise"))
    if isinstance(step, Question):
        found.append(target("retries", "", step.retries.line if step.retries and step.retries.line else step.line))
    return found


def reached(flowset: FlowSet, entries: Iterable[Any]) -> set[Target]:
    """The targets that these journey entries (position, kind, event, detail) went through."""
    index = {(t.flow, t.step, t.kind, t.label): t for t in targets(flowset)}
    hit: set[Target] = set()

    def mark(flow: str, step: str, kind: str, label: str = "") -> None:
        found = index.get((flow, step, kind, label))
        if found is not None:
            hit.add(found)

    for entry in entries:
        flow, _, step_id = str(entry.position).partition("/")
        try:
            step = flowset.step(entry.position)
        except KeyError:
            continue  # a journey from another version of the flows
        detail = entry.detail or {}
        mark(flow, step_id, "step")
        if isinstance(step, Menu) and entry.event == "chose":
            mark(flow, step_id, "option", str(detail.get("key")))
        elif isinstance(step, Action) and entry.event in ("outcome", "failed"):
            outcome = "error" if entry.event == "failed" else str(detail.get("outcome"))
            mark(flow, step_id, "outcome", outcome if step.next_for(outcome) is not None else "*")
        elif isinstance(step, Use) and entry.event == "returned":
            outcome = str(detail.get("outcome"))
            mark(flow, step_id, "outcome", outcome if step.next_for(outcome) is not None else "*")
        elif isinstance(step, Branch) and entry.event == "chose":
            case = str(detail.get("case", ""))
            if case and case != "otherwise":
                mark(flow, step_id, "case", case)
            else:
                mark(flow, step_id, "otherwise")
        elif isinstance(step, Question) and entry.event in ("noinput", "nomatch"):
            retries = flowset.settings.retries_for(step)
            allowed = retries.noinput if entry.event == "noinput" else retries.nomatch
            if int(detail.get("count", 0)) > len(allowed or ()):
                mark(flow, step_id, "retries")
    return hit


@dataclass
class FlowCoverage:
    flow: str
    path: str
    total: int
    missing: list[Target] = field(default_factory=list)

    @property
    def covered(self) -> int:
        return self.total - len(self.missing)

    @property
    def percent(self) -> float:
        return 100.0 if not self.total else 100.0 * self.covered / self.total


def report(flowset: FlowSet, hit: set[Target]) -> list[FlowCoverage]:
    """Per flow: how many targets were reached, and which were not (in file order)."""
    by_flow: dict[str, FlowCoverage] = {}
    for item in targets(flowset):
        flow = by_flow.setdefault(item.flow, FlowCoverage(item.flow, item.path, 0))
        flow.total += 1
        if item not in hit:
            flow.missing.append(item)
    for flow in by_flow.values():
        flow.missing.sort(key=lambda t: t.line)
    return list(by_flow.values())
