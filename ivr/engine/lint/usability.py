"""Advice from public-service guidance on phone menus: short, shallow, in order, plain language.

These are warnings: the flows still load, but callers with little short-term memory,
patience or reading practice pay for each one.
"""

from __future__ import annotations

import re
from collections import deque

from ..findings import Finding
from ..flows import FlowSet
from ..prompts import LANGUAGES, PromptText
from ..steps import Action, Ask, Menu, Step, Use
from .codes import finding
from .walk import AGENT, HANGUP, CallGraph

MAX_OPTIONS = 5
MAX_DEPTH = 3
MAX_WORDS = {"en": 25, "fr": 30}
"""Words in one prompt. French says the same thing in about a fifth more words than English."""
MAX_SENTENCE_WORDS = {"en": 20, "fr": 24}

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_SPELLED = re.compile(r"\b\d(?: \d)+\b")  # "1 9 4 8 0 5 1 7" is one number read out, not 8 words
_WORD = re.compile(r"\{[^}]*\}|[\w'’-]+")


def check(flowset: FlowSet, graph: CallGraph) -> list[Finding]:
    findings: list[Finding] = []
    findings += _menus(flowset)
    findings += _depth(flowset, graph)
    findings += _plain_language(flowset)
    findings += _agent_announced(flowset, graph)
    return findings


def _menus(flowset: FlowSet) -> list[Finding]:
    findings = []
    for flow in flowset.flows.values():
        for step in flow.steps.values():
            if not isinstance(step, Menu):
                continue
            if len(step.options) > MAX_OPTIONS:
                findings.append(
                    finding("menu-too-many-options",
                            f"menu '{step.id}' has {len(step.options)} options; callers remember about {MAX_OPTIONS}",
                            flow.path, step.line,
                            hint="keep the most asked-for choices and move the others to a second menu")
                )
            reserved = (flowset.settings.agent_key, flowset.settings.repeat_key)  # reserved-key says so
            keys = [option for option in step.options if option.key.isdigit() and option.key not in reserved]
            numbers = [int(option.key) for option in keys]
            if numbers != sorted(numbers):
                out = next(o for o, n, prev in zip(keys[1:], numbers[1:], numbers) if n < prev)
                findings.append(
                    finding("options-out-of-order", f"menu '{step.id}' offers {out.key} after a higher number",
                            flow.path, out.line, hint="list the options as 1, 2, 3 … in the order they are said")
                )
                continue
            expected = list(range(1, len(numbers) + 1))
            if numbers and numbers != expected:
                gap = next((o for o, n, e in zip(keys, numbers, expected) if n != e), keys[-1])
                findings.append(
                    finding("options-gap", f"menu '{step.id}' has option {gap.key} but skips a number before it",
                            flow.path, gap.line, hint="number the options 1, 2, 3 … without gaps")
                )
    return findings


def _depth(flowset: FlowSet, graph: CallGraph) -> list[Finding]:
    """How many menus a caller goes through before doing something; a task (ask, action, sub-flow) resets it."""
    start = flowset.start()
    if graph.step(start) is None:
        return []
    depth: dict[str, int] = {start: 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        step = graph.step(node)
        here = depth[node] + (1 if isinstance(step, Menu) else 0)
        if isinstance(step, (Ask, Action, Use)):
            here = 0
        for target in graph.successors(node):
            if target in (AGENT, HANGUP):
                continue
            if target not in depth or here < depth[target]:
                depth[target] = here
                queue.append(target)
    findings = []
    for node, before in depth.items():
        step = graph.step(node)
        if isinstance(step, Menu) and before + 1 > MAX_DEPTH:
            findings.append(
                finding("menu-too-deep",
                        f"menu '{step.id}' is {before + 1} menus deep; callers get lost after {MAX_DEPTH}",
                        step.path, step.line, hint="join some menus, or offer the common choices sooner")
            )
    return findings


def _plain_language(flowset: FlowSet) -> list[Finding]:
    findings = []
    for language in LANGUAGES:
        for entry in flowset.prompts.entries.get(language, {}).values():
            if not entry.text:
                continue
            words = count_words(entry.text)
            if words > MAX_WORDS[language]:
                findings.append(
                    finding("prompt-too-long",
                            f"prompt '{entry.key}' has {words} words; keep it under about {MAX_WORDS[language]}",
                            entry.path, entry.line,
                            hint="cut it in two steps, or say only what the caller needs now")
                )
                continue
            findings += _sentences(entry, language)
    return findings


def _sentences(entry: PromptText, language: str) -> list[Finding]:
    for sentence in _SENTENCE_END.split(entry.text or ""):
        words = count_words(sentence)
        if words > MAX_SENTENCE_WORDS[language]:
            return [
                finding("sentence-too-long",
                        f"prompt '{entry.key}' has a sentence of {words} words; "
                        f"keep sentences under about {MAX_SENTENCE_WORDS[language]}",
                        entry.path, entry.line, hint="split it into shorter sentences")
            ]
    return []


def count_words(text: str) -> int:
    """Words as a caller hears them: a {value} is one, a number read digit by digit is one."""
    return len(_WORD.findall(_SPELLED.sub("0", text)))


def _agent_announced(flowset: FlowSet, graph: CallGraph) -> list[Finding]:
    """Before each menu, on every way to it, the caller has heard that the agent key reaches a person.

    The language menu is exempt: it is the bilingual greeting, said before the caller picks a
    language, and the announcement comes right after it.
    """
    key = flowset.settings.agent_key
    start = flowset.start()
    if graph.step(start) is None:
        return []
    nodes = graph.reachable(start)
    predecessors: dict[str, list[str]] = {node: [] for node in nodes}
    for node in nodes:
        for target in graph.successors(node):
            if target in predecessors:
                predecessors[target].append(node)

    def announces(node: str) -> bool:
        step = graph.step(node)
        return step is not None and any(_mentions(flowset, k, key) for k in _spoken(step))

    heard_before = {node: node != start for node in nodes}  # must-hear: start optimistic, then narrow
    changed = True
    while changed:
        changed = False
        for node in nodes:
            if node == start:
                continue
            value = all(heard_before[p] or announces(p) for p in predecessors[node])
            if value != heard_before[node]:
                heard_before[node] = value
                changed = True
    findings = []
    for node in sorted(nodes):
        step = graph.step(node)
        if not isinstance(step, Menu) or any(option.language for option in step.options):
            continue
        if heard_before[node] or announces(node):
            continue
        findings.append(
            finding("agent-not-announced",
                    f"a caller can reach menu '{step.id}' without hearing that {key} reaches an agent",
                    step.path, step.line,
                    hint=f"say it in this menu's prompt (\"For an agent, press {key}.\") or in a prompt before it")
        )
    return findings


def _spoken(step: Step) -> list[str]:
    keys = list(getattr(step, "prompt", ()))
    keys += list(getattr(step, "say", ()))
    return keys


def _mentions(flowset: FlowSet, prompt_key: str, agent_key: str) -> bool:
    pattern = re.compile(rf"(?<![\w{{]){re.escape(agent_key)}(?![\w}}])")
    texts = [flowset.prompts.get(prompt_key, language) for language in LANGUAGES]
    return all(entry is not None and entry.text and pattern.search(entry.text) for entry in texts)
