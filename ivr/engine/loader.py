"""Loading a flow set: read it (ivr.engine.flows), then check it with every rule (ivr.engine.lint).

Two calls, one after the other, so the rules can import the flow model and the loader can import the
rules without either importing the other back. The server at start-up and on every reload, `ivr lint`
and the tests all load through here, so they never disagree.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from ivr.engine.findings import Finding, FlowsInvalid, in_order
from ivr.engine.flows import FlowSet, read_flows
from ivr.engine.lint import check_flowset
from ivr.engine.texts import TextPath

__all__ = ["load_flowset", "read_flowset"]


def load_flowset(flows_dir: Path | str | TextPath, prompts_dir: Path | str | TextPath, entry: str = "main",
                 code_prompts: tuple[str, ...] = (), actions: Collection[str] | None = None,
                 desktop_languages: Collection[str] | None = None) -> FlowSet:
    """Load and check flows and prompts; raise FlowsInvalid listing every error found.

    The folders are on disk, or in a {relative path: text} mapping (`ivr.engine.texts.TextPath`, as for
    a stored version's files): the same code reads both.

    The application passes what only it knows (see ivr.lint_context): `code_prompts`, the
    prompt keys it says by itself (they must exist and count as used), and `actions`, the
    backend actions that exist, and `desktop_languages`, those the agents' desktop has words for.
    """
    flowset, findings = read_flowset(flows_dir, prompts_dir, entry, code_prompts, actions, desktop_languages)
    errors = [f for f in findings if f.severity == "error"]
    if errors or flowset is None:
        raise FlowsInvalid(in_order(errors))
    flowset.warnings = [f for f in findings if f.severity != "error"]
    return flowset


def read_flowset(
    flows_dir: Path | str | TextPath, prompts_dir: Path | str | TextPath, entry: str = "main",
    code_prompts: tuple[str, ...] = (),
    actions: Collection[str] | None = None, desktop_languages: Collection[str] | None = None,
) -> tuple[FlowSet | None, list[Finding]]:
    """(The flow set, or None when it cannot be built; every finding, errors and warnings), never raising."""
    flowset, findings = read_flows(flows_dir, prompts_dir, entry, desktop_languages)
    if flowset is not None:
        findings.extend(check_flowset(flowset, flows_dir, code_prompts=code_prompts, actions=actions))
    return flowset, findings
