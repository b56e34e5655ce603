"""Checks that a loaded flow set can serve calls, run at start-up and on every reload.

They are the linter's rules (ivr.engine.lint), so `ivr lint` and the server never disagree:
a flow set with errors never serves a call; its warnings are logged.
"""

from __future__ import annotations

from collections.abc import Collection

from ivr.engine.findings import Finding
from ivr.engine.flows import FlowSet


def check_flowset(flowset: FlowSet, code_prompts: tuple[str, ...] = (),
                  actions: Collection[str] | None = None) -> list[Finding]:
    from ivr.engine.lint import check_flowset as lint_flowset  # the lint package imports the loader

    return lint_flowset(flowset, code_prompts=code_prompts, actions=actions)
