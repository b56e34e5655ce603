"""The content linter: every rule a flow set must pass, shared by `ivr lint` and the loader.

One module per family of rules (graph, answers, prompts, usability, wording, hours; costs.yaml's in
ivr.engine.costs); the format rules
run while the YAML is read (ivr.engine.steps, ivr.engine.flows, ivr.engine.prompts). Every code
is catalogued in codes.py. Errors stop the flows from
loading; warnings are logged at start-up and shown by `ivr lint`.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from ivr.engine.findings import Finding, in_order
from ivr.engine.flows import FlowSet, read_flows
from ivr.engine.verification import check_verification
from ivr.engine import costs
from ivr.engine.lint import answers, graph, hours, prompts, usability, walk, wording
from ivr.engine.lint.codes import CODES, Code, finding
from ivr.engine.texts import TextPath

__all__ = ["CODES", "Code", "FOLLOW_FROM_AN_UNREAD_STEP", "check_flowset", "finding", "lint"]

FOLLOW_FROM_AN_UNREAD_STEP = frozenset({"flow-unused", "unreachable-step", "prompt-unused"})
"""Warnings left out while a step cannot be read: they would only repeat its finding's consequences."""


def check_flowset(flowset: FlowSet, flows_dir: Path | str | TextPath | None = None,
                  code_prompts: tuple[str, ...] = (), actions: Collection[str] | None = None) -> list[Finding]:
    """Every rule that needs the whole flow set (the loader runs these on every load)."""
    call_graph = walk.build(flowset)
    findings: list[Finding] = []
    findings += graph.check(flowset, call_graph)
    if actions is not None:
        findings += graph.check_actions(flowset, actions)
    findings += answers.check(flowset)
    findings += prompts.check(flowset, code_prompts)
    findings += usability.check(flowset, call_graph)
    findings += wording.check(flowset)
    findings += check_verification(flowset)
    if flows_dir is None:
        flows_dir = _flows_dir(flowset)
    if flows_dir is not None:
        findings += hours.check(flows_dir)
        findings += costs.check(flows_dir)
    if any(flow.unread for flow in flowset.flows.values()):
        # A step that could not be read leaves a hole in the call graph: what only it leads to, and the
        # prompts only it says, would be reported as unreached and unused, which follows from its finding.
        findings = [item for item in findings if item.code not in FOLLOW_FROM_AN_UNREAD_STEP]
    return findings


def lint(flows_dir: Path | str, prompts_dir: Path | str, actions: Collection[str] | None = None,
         code_prompts: tuple[str, ...] = (), entry: str = "main",
         desktop_languages: Collection[str] | None = None) -> list[Finding]:
    """Read flows and prompts as the server would, and return every finding: a file that cannot be
    read first (and then nothing that follows from it), the rest in file order.

    The application passes the backend `actions` it has, the `code_prompts` it says itself and the
    `desktop_languages` its agents' desktop has words for.
    """
    flowset, findings = read_flows(flows_dir, prompts_dir, entry, desktop_languages)
    if flowset is not None:
        findings += check_flowset(flowset, code_prompts=code_prompts, actions=actions)
    elif Path(flows_dir).is_dir():
        findings += hours.check(flows_dir) + costs.check(flows_dir)  # still worth knowing while the flows are broken
    return in_order(_with_columns(findings))


def _flows_dir(flowset: FlowSet) -> Path | None:
    for flow in flowset.flows.values():
        if flow.path:
            return Path(flow.path).parent
    return None


def _with_columns(findings: list[Finding]) -> list[Finding]:
    """Point at the first character written on the line when a rule knows only the line."""
    cache: dict[str, list[str]] = {}
    result = []
    for item in findings:
        if item.line and not item.column and item.path:
            if item.path not in cache:
                try:
                    cache[item.path] = Path(item.path).read_text(encoding="utf-8").splitlines()
                except OSError:
                    cache[item.path] = []
            lines = cache[item.path]
            if 0 < item.line <= len(lines):
                text = lines[item.line - 1]
                column = len(text) - len(text.lstrip()) + 1
                item = Finding(item.code, item.message, item.path, item.line, column, item.severity, item.hint)
        result.append(item)
    return result
