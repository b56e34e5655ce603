"""Checks that a loaded flow set can serve calls: every jump lands, every prompt has words.

These run at start-up and on every reload; a flow set with errors never serves a call.
"""

from __future__ import annotations

from .findings import Finding, did_you_mean
from .flows import FlowSet
from .steps import AGENT, Action, Ask, Branch, Menu, Use
from .verification import check_verification

KNOWN_FORMATS = {"", "money", "date", "digits", "number", "phone", "postal", "term"}


def check_flowset(flowset: FlowSet) -> list[Finding]:
    findings: list[Finding] = []
    findings.extend(_check_targets(flowset))
    findings.extend(_check_agent_key(flowset))
    findings.extend(_check_prompts(flowset))
    findings.extend(check_verification(flowset))
    return findings


def _check_targets(flowset: FlowSet) -> list[Finding]:
    findings = []
    for flow in flowset.flows.values():
        for step in flow.steps.values():
            for label, target, line in step.targets():
                if target is None:
                    continue
                problem = _target_problem(flowset, flow.name, target)
                if problem:
                    findings.append(
                        Finding("missing-target", f"step '{step.id}' ({label}) goes to '{target}', {problem[0]}",
                                flow.path, line, hint=problem[1])
                    )
            if isinstance(step, Use) and step.subflow not in flowset.flows:
                findings.append(
                    Finding("missing-flow", f"step '{step.id}' uses flow '{step.subflow}', which does not exist",
                            flow.path, step.line,
                            hint=did_you_mean(step.subflow, flowset.flows) or "create that flow or fix the name")
                )
            if isinstance(step, Branch) and not step.variable:
                findings.append(
                    Finding("branch-variable", f"branch '{step.id}' does not name the value it looks at",
                            flow.path, step.line, hint="write branch: <name of a value>, e.g. branch: apartment")
                )
    return findings


def _target_problem(flowset: FlowSet, flow_name: str, target: str) -> tuple[str, str] | None:
    if target == AGENT:
        return None
    if "/" in target:
        other, _, step_id = target.partition("/")
        if other not in flowset.flows:
            return ("a flow that does not exist", did_you_mean(other, flowset.flows) or "check the flow's name")
        if step_id not in flowset.flows[other].steps:
            return (
                f"which is not a step of flow '{other}'",
                did_you_mean(step_id, flowset.flows[other].steps) or "check the step's name",
            )
        return None
    steps = flowset.flows[flow_name].steps
    if target in steps or target in flowset.flows:
        return None
    choices = list(steps) + list(flowset.flows) + [AGENT]
    return ("which does not exist", did_you_mean(target, choices) or "name a step of this flow, a flow, or 'agent'")


def _check_agent_key(flowset: FlowSet) -> list[Finding]:
    findings = []
    reserved = {flowset.settings.agent_key: "the agent key", flowset.settings.repeat_key: "the repeat key"}
    for flow in flowset.flows.values():
        for step in flow.steps.values():
            if not isinstance(step, Menu):
                continue
            for option in step.options:
                if option.key in reserved:
                    findings.append(
                        Finding("reserved-key", f"menu '{step.id}' uses {option.key}, which is {reserved[option.key]}",
                                flow.path, option.line,
                                hint=f"callers press {option.key} everywhere for that; choose another key")
                    )
    return findings


def _check_prompts(flowset: FlowSet) -> list[Finding]:
    findings = []
    prompts = flowset.prompts
    used: list[tuple[str, str, int]] = []
    for flow in flowset.flows.values():
        for step in flow.steps.values():
            used.extend((key, flow.path, line) for key, line in step.prompt_keys())
    used.extend((key, flowset.settings.path or "flows/global.yaml", 0) for key in flowset.settings.prompt_keys())
    seen: set[tuple[str, str]] = set()
    for key, path, line in used:
        for language in ("fr", "en"):
            if (key, language) in seen:
                continue
            if prompts.get(key, language) is None:
                seen.add((key, language))
                findings.append(
                    Finding("prompt-missing", f"prompt '{key}' has no words in prompts/{language}/", path, line,
                            hint=did_you_mean(key, prompts.keys(language))
                            or f"add '{key.rpartition('.')[2]}: ...' to prompts/{language}/{key.split('.')[0]}.yaml")
                )
    for key in prompts.keys("fr") & prompts.keys("en"):
        fr, en = prompts.get(key, "fr"), prompts.get(key, "en")
        if fr.placeholders != en.placeholders:
            findings.append(
                Finding("placeholders-differ",
                        f"prompt '{key}' uses {sorted(fr.placeholders)} in French but {sorted(en.placeholders)} in English",
                        en.path, en.line, hint="both languages must use the same {values}")
            )
    for key, language_entries in ((k, (prompts.get(k, "fr"), prompts.get(k, "en"))) for k in prompts.keys("fr")):
        for entry in language_entries:
            if entry is None or not entry.text:
                continue
            for spec in _format_specs(entry.text):
                if spec not in KNOWN_FORMATS:
                    findings.append(
                        Finding("unknown-format", f"prompt '{key}' asks for the format ':{spec}'", entry.path,
                                entry.line, hint="use one of " + ", ".join(sorted(KNOWN_FORMATS - {''})))
                    )
    for flow in flowset.flows.values():
        for step in flow.steps.values():
            if isinstance(step, Action) and not step.name:
                continue
            if isinstance(step, Ask) and step.input.value == "speech" and step.expect.value == "digits":
                findings.append(
                    Finding("speech-digits", f"ask '{step.id}' wants digits by speech", flow.path, step.line,
                            hint="use input: keypad for digits; speech digits are accepted anyway")
                )
    return findings


def _format_specs(text: str) -> list[str]:
    import string

    try:
        return [spec or "" for _, name, spec, _ in string.Formatter().parse(text) if name]
    except ValueError:
        return []
