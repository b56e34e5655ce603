"""Rules on how steps connect: every jump lands, nothing is unreachable, no caller is stuck."""

from __future__ import annotations

from collections.abc import Collection

from ivr.engine.findings import Finding, did_you_mean
from ivr.engine.flows import FlowSet
from ivr.engine.steps import AGENT, Action, Branch, Menu, Question, Return, Say, Transfer, Use
from ivr.engine.lint.codes import finding
from ivr.engine.lint.walk import CallGraph, interactive, resolve, users_of


def check(flowset: FlowSet, graph: CallGraph) -> list[Finding]:
    findings: list[Finding] = []
    findings += _targets(flowset)
    findings += _reserved_keys(flowset)
    findings += _reachability(flowset, graph)
    findings += _loops_without_input(flowset, graph)
    findings += _dead_ends(flowset)
    findings += _retries_end_with_agent(flowset)
    return findings


def _targets(flowset: FlowSet) -> list[Finding]:
    findings = []
    for flow in flowset.flows.values():
        for step in flow.steps.values():
            for label, target, line in step.targets():
                if target is None:
                    continue
                problem = _target_problem(flowset, flow.name, target)
                if problem:
                    findings.append(
                        finding("missing-target", f"{_jump(step, label)} to '{target}', {problem[0]}",
                                flow.path, line, hint=problem[1])
                    )
            if isinstance(step, Use) and step.subflow not in flowset.flows:
                findings.append(
                    finding("missing-flow", f"step '{step.id}' uses flow '{step.subflow}', which does not exist",
                            flow.path, step.line,
                            hint=did_you_mean(step.subflow, flowset.flows) or "create that flow or fix the name")
                )
            if isinstance(step, Branch) and not step.variable:
                findings.append(
                    finding("branch-variable", f"branch '{step.id}' does not name the value it looks at",
                            flow.path, step.line, hint="write branch: <name of a value>, e.g. branch: apartment")
                )
    return findings


def _jump(step, label: str) -> str:
    """How a jump reads in a sentence: 'option 2 of menu x goes', 'after the last retry, step x goes'."""
    if label == "retries":
        return f"after the last retry, step '{step.id}' goes"
    if label == "next" and not isinstance(step, (Action, Use)):
        return f"step '{step.id}' goes next"
    if isinstance(step, Menu):
        return f"option {label} of menu '{step.id}' goes"
    if isinstance(step, Branch):
        return f"branch '{step.id}' sends '{label}'"
    return f"step '{step.id}' sends the result '{label}'"


def _target_problem(flowset: FlowSet, flow_name: str, target: str) -> tuple[str, str] | None:
    if target == AGENT:
        return None
    if "/" in target:
        other, _, step_id = target.partition("/")
        if other not in flowset.flows:
            return ("a flow that does not exist", did_you_mean(other, flowset.flows) or "check the flow's name")
        if step_id not in flowset.flows[other].steps and step_id not in flowset.flows[other].unread:
            return (
                f"which is not a step of flow '{other}'",
                did_you_mean(step_id, flowset.flows[other].steps) or "check the step's name",
            )
        return None
    steps = flowset.flows[flow_name].steps
    if target in steps or target in flowset.flows[flow_name].unread or target in flowset.flows:
        return None  # a step that could not be read exists: its own finding says what is wrong
    choices = list(steps) + list(flowset.flows) + [AGENT]
    return ("which does not exist", did_you_mean(target, choices) or "name a step of this flow, a flow, or 'agent'")


def _reserved_keys(flowset: FlowSet) -> list[Finding]:
    findings = []
    settings = flowset.settings
    reserved = {settings.agent_key: "the agent key", settings.repeat_key: "the repeat key"}
    for flow in flowset.flows.values():
        for step in flow.steps.values():
            if not isinstance(step, Menu):
                continue
            for option in step.options:
                if option.key in reserved:
                    findings.append(
                        finding("reserved-key", f"menu '{step.id}' uses {option.key}, which is {reserved[option.key]}",
                                flow.path, option.line,
                                hint=f"callers press {option.key} everywhere for that; choose another key")
                    )
    return findings


def check_actions(flowset: FlowSet, actions: Collection[str]) -> list[Finding]:
    """Action names against the backend's registry, which only the application knows."""
    findings = []
    for flow in flowset.flows.values():
        for step in flow.steps.values():
            if isinstance(step, Action) and step.name and step.name not in actions:
                findings.append(
                    finding("unknown-action", f"step '{step.id}' runs action '{step.name}', which does not exist",
                            flow.path, step.line,
                            hint=did_you_mean(step.name, actions) or "use one of: " + ", ".join(sorted(actions)))
                )
    return findings


def _reachability(flowset: FlowSet, graph: CallGraph) -> list[Finding]:
    start = flowset.start()
    if graph.step(start) is None:
        return []  # start-missing already says so
    reached = graph.reachable(start)
    findings = []
    for flow in flowset.flows.values():
        missed = [step for step in flow.steps.values() if step.qualified not in reached]
        if not missed:
            continue
        if len(missed) == len(flow.steps):
            findings.append(
                finding("flow-unused", f"no call ever reaches flow '{flow.name}'", flow.path, flow.line,
                        hint=f"add an option or a step that goes to {flow.name}, or delete the file")
            )
            continue
        for step in missed:
            findings.append(
                finding("unreachable-step", f"no call ever reaches step '{step.id}'", flow.path, step.line,
                        hint=f"add 'next: {step.id}' or an option to a step that leads here, or delete it")
            )
    return findings


def _loops_without_input(flowset: FlowSet, graph: CallGraph) -> list[Finding]:
    """Circles of steps that never wait for the caller: the call would spin until it fails."""
    quiet = [node for node in graph.nodes() if not interactive(graph.step(node))]
    quiet_set = set(quiet)
    findings = []
    for component in _strongly_connected(quiet, lambda n: [t for t in graph.successors(n) if t in quiet_set]):
        if len(component) == 1:
            node = component[0]
            if node not in graph.successors(node):
                continue
        steps = sorted((graph.step(n) for n in component), key=lambda s: (s.path, s.line))
        first = steps[0]
        names = " → ".join(s.id if s.flow == first.flow else s.qualified for s in steps)
        findings.append(
            finding("loop-without-input",
                    f"steps {names} → {first.id} go round in a circle without asking the caller anything",
                    first.path, first.line,
                    hint="send one of them to a menu, an ask, a hangup or 'agent' so the caller can get out")
        )
    return findings


def _strongly_connected(nodes: list[str], successors) -> list[list[str]]:
    """Tarjan's algorithm, iterative so a long flow never hits the recursion limit."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(successors(root)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors(child))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(component)
    return components


def _dead_ends(flowset: FlowSet) -> list[Finding]:
    """Places where the flow does not say what happens next, so the call would fault."""
    findings = []
    for flow in flowset.flows.values():
        users = users_of(flowset, flow.name)
        for step in flow.steps.values():
            if isinstance(step, Say) and step.next is None:
                findings.append(
                    finding("say-without-next", f"say step '{step.id}' does not say where the call goes next",
                            flow.path, step.line,
                            hint="add next: with a step, a flow, or 'agent'; to end the call use a hangup step")
                )
            elif isinstance(step, Branch) and step.cases and step.otherwise is None:
                findings.append(
                    finding("branch-without-otherwise",
                            f"branch '{step.id}' has no 'otherwise' for a value that is none of its cases",
                            flow.path, step.line, hint="add otherwise: with a step name, or 'agent'")
                )
            elif isinstance(step, Return) and not users:
                findings.append(
                    finding("return-outside-subflow",
                            f"step '{step.id}' returns '{step.outcome}', but no step uses flow '{flow.name}'",
                            flow.path, step.line,
                            hint="use a hangup or a transfer to end here, or call this flow with a 'use' step")
                )
            elif isinstance(step, Return):
                for user in users:
                    if user.next_for(step.outcome) is None and user.next_for("*") is None:
                        findings.append(
                            finding("outcome-not-handled",
                                    f"step '{user.id}' uses flow '{flow.name}', which can return "
                                    f"'{step.outcome}', but it does not say where that goes",
                                    flowset.flows[user.flow].path, user.line,
                                    hint=f"add '{step.outcome}: <step or agent>' to its next:")
                        )
    return findings


def _retries_end_with_agent(flowset: FlowSet) -> list[Finding]:
    """After the last retry the caller must reach a person, never a hang-up or another loop. The one
    exception is a question declared optional by asking nothing twice (noinput: [], nomatch: []),
    such as the end-of-call survey: silence skips it at once, and 0 still reaches a person there."""
    findings = []
    settings = flowset.settings
    for name, retries in (("menu", settings.menu_retries), ("keypad", settings.keypad_retries),
                          ("speech", settings.speech_retries)):
        if retries.then != AGENT:
            findings.append(
                finding("retries-not-to-agent",
                        f"the global {name} retries end with '{retries.then}' instead of an agent",
                        settings.path or "flows/global.yaml", retries.line,
                        hint="write then: agent, so a caller who cannot answer reaches a person")
            )
    for flow in flowset.flows.values():
        for step in flow.steps.values():
            if not isinstance(step, Question) or step.retries is None:
                continue
            then = step.retries.then
            resolved = resolve(flowset, then, flow.name)
            if resolved is None:
                continue  # missing-target says so
            if resolved == AGENT or isinstance(_step(flowset, resolved), Transfer):
                continue
            if step.retries.noinput == () and step.retries.nomatch == ():
                continue  # an optional question (noinput: [], nomatch: []): skipped at once, 0 still works
            findings.append(
                finding("retries-not-to-agent",
                        f"after the last retry, step '{step.id}' goes to '{then}' instead of an agent",
                        flow.path, step.retries.line,
                        hint="write then: agent (or a transfer step), so a caller who cannot answer reaches a person")
            )
    return findings


def _step(flowset: FlowSet, qualified: str):
    flow_name, _, step_id = qualified.partition("/")
    return flowset.flows[flow_name].steps.get(step_id)

