"""The call graph: which step can follow which, across flows and sub-flows, as the runner moves.

Nodes are qualified step names ('status/lookup') and the two endings 'agent' and 'hangup'.
Edges that cannot be resolved (a typo) are left out: the missing-target rule reports them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from ivr.engine.flows import FlowSet
from ivr.engine.steps import AGENT, Action, Hangup, Question, Return, Step, Transfer, Use

HANGUP = "hangup"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str
    line: int


@dataclass
class CallGraph:
    flowset: FlowSet
    edges: dict[str, list[Edge]] = field(default_factory=dict)

    def successors(self, node: str) -> list[str]:
        return [edge.target for edge in self.edges.get(node, [])]

    def step(self, node: str) -> Step | None:
        flow_name, _, step_id = node.partition("/")
        flow = self.flowset.flows.get(flow_name)
        return flow.steps.get(step_id) if flow else None

    def reachable(self, start: str) -> set[str]:
        seen = {start}
        queue = deque([start])
        while queue:
            for target in self.successors(queue.popleft()):
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
        return seen

    def nodes(self) -> list[str]:
        return [step.qualified for flow in self.flowset.flows.values() for step in flow.steps.values()]


def resolve(flowset: FlowSet, target: str | None, flow_name: str) -> str | None:
    """Where a target as written leads, or None when it leads nowhere that exists."""
    if target is None:
        return None
    if target == AGENT:
        return AGENT
    if "/" in target:
        other, _, step_id = target.partition("/")
        flow = flowset.flows.get(other)
        return target if flow and step_id in flow.steps else None
    if target in flowset.flows[flow_name].steps:
        return f"{flow_name}/{target}"
    if target in flowset.flows and flowset.flows[target].start in flowset.flows[target].steps:
        return f"{target}/{flowset.flows[target].start}"
    return None


def users_of(flowset: FlowSet, flow_name: str) -> list[Use]:
    """The 'use' steps that run this flow as a sub-flow."""
    return [
        step
        for flow in flowset.flows.values()
        for step in flow.steps.values()
        if isinstance(step, Use) and step.subflow == flow_name
    ]


def build(flowset: FlowSet) -> CallGraph:
    graph = CallGraph(flowset)
    settings = flowset.settings
    for flow in flowset.flows.values():
        for step in flow.steps.values():
            edges: list[Edge] = []

            def add(target: str | None, label: str, line: int) -> None:
                resolved = resolve(flowset, target, flow.name)
                if resolved is not None:
                    edges.append(Edge(step.qualified, resolved, label, line))

            if isinstance(step, (Transfer,)):
                edges.append(Edge(step.qualified, AGENT, "transfer", step.line))
            elif isinstance(step, Hangup):
                edges.append(Edge(step.qualified, HANGUP, "hangup", step.line))
            elif isinstance(step, Use):
                sub = flowset.flows.get(step.subflow)
                if sub is not None and sub.start in sub.steps:
                    edges.append(Edge(step.qualified, f"{sub.name}/{sub.start}", "use", step.line))
            elif isinstance(step, Return):
                for user in users_of(flowset, flow.name):
                    target = user.next_for(step.outcome) or user.next_for("*")
                    resolved = resolve(flowset, target, user.flow)
                    if resolved is not None:
                        edges.append(Edge(step.qualified, resolved, step.outcome, step.line))
            else:
                for label, target, line in step.targets():
                    if label != "retries":
                        add(target, label, line)
            if isinstance(step, Question):
                retries = settings.retries_for(step)
                add(retries.then, "retries", retries.line or step.line)
            if isinstance(step, Action) and step.next_for("error") is None:
                edges.append(Edge(step.qualified, AGENT, "error", step.line))
            graph.edges[step.qualified] = edges
    return graph


def interactive(step: Step | None) -> bool:
    """Steps that wait for the caller, where the agent and repeat keys always work."""
    return isinstance(step, Question)
