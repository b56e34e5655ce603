"""Advice from public-service guidance on phone menus: short, shallow, in order, plain language.

These are warnings: the flows still load, but callers with little short-term memory,
patience or reading practice pay for each one.
"""

from __future__ import annotations

import re
from collections import deque

from ivr.engine.findings import Finding
from ivr.engine.flows import FlowSet
from ivr.engine.prompts import PromptText
from ivr.engine.steps import Action, Ask, Menu, Step, Use
from ivr.engine.understand import says_any
from ivr.engine.lint.codes import finding
from ivr.engine.lint.walk import AGENT, HANGUP, CallGraph

MAX_OPTIONS = 5
MAX_DEPTH = 3
MAX_WORDS = {"en": 25, "fr": 30}
"""Words in one prompt. French says the same thing in about a fifth more words than English."""
MAX_SENTENCE_WORDS = {"en": 20, "fr": 24}
MENU_CHOICE_WORDS = {"en": 7, "fr": 9}
"""Words for one choice of a menu: "To change your address, press 2." is 7."""
MENU_QUESTION_WORDS = {"en": 10, "fr": 12}
"""Words a menu may add around its choices: a question ("Do you also want to change your phone number?")."""


def _budget(table: dict[str, int], language: str) -> int:
    """A language's word budget; a language the table does not measure gets the most lenient one."""
    return table.get(language, max(table.values()))


MAX_SPOKEN_CHOICES = 4
"""Choices a menu says aloud, the agent option included, before callers forget the first."""

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_SPELLED = re.compile(r"\b\d(?: \d)+\b")  # "1 9 4 8 0 5 1 7" is one number read out, not 8 words
_WORD = re.compile(r"\{[^}]*\}|[\w'’-]+")


def check(flowset: FlowSet, graph: CallGraph) -> list[Finding]:
    findings: list[Finding] = []
    findings += _menus(flowset)
    findings += _depth(flowset, graph)
    findings += _plain_language(flowset)
    findings += _goal_after_key(flowset)
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
    menus = _menu_prompts(flowset)
    for language in flowset.languages.codes:
        for entry in flowset.prompts.entries.get(language, {}).values():
            if not entry.text:
                continue
            choices = _choices(flowset, entry.text, language)
            too_long = (_menu_too_long(flowset, entry, language, choices) if entry.key in menus or len(choices) > 1
                        else _prompt_too_long(entry, language))
            if too_long:
                findings.append(too_long)
                continue
            findings += _sentences(entry, language)
    return findings


def _prompt_too_long(entry: PromptText, language: str) -> Finding | None:
    words = count_words(entry.text or "")
    if words <= _budget(MAX_WORDS, language):
        return None
    return finding("prompt-too-long",
                   f"prompt '{entry.key}' has {words} words; keep it under about {_budget(MAX_WORDS, language)}",
                   entry.path, entry.line,
                   hint="say only what the caller needs now; put the rest in the step's help, which callers "
                        "hear when they ask for it")


def _menu_prompts(flowset: FlowSet) -> set[str]:
    """The prompts menus offer their choices with (a help is heard on request, so it is not one)."""
    return {key for flow in flowset.flows.values() for step in flow.steps.values()
            if isinstance(step, Menu) for key in step.prompt}


def _choices(flowset: FlowSet, text: str, language: str) -> list[str]:
    """The sentences of a prompt that offer a key: a menu's choices, wherever the menu is run."""
    return [s for s in _SENTENCE_END.split(text) if s.strip() and _offers_a_key(flowset, s, language)]


def _menu_too_long(flowset: FlowSet, entry: PromptText, language: str, choices: list[str]) -> Finding | None:
    """A menu needs a few words per choice ("For …, press 1."), plus a short question.

    Its budget grows with the choices it says, so a three-option menu with the agent option fits;
    when it does not fit, the fix offered is one that fits a menu: fewer choices, the agent
    option said once at the start, or shorter choices.
    """
    settings = flowset.settings
    agent = _key_mention(settings.agent_key)
    words = count_words(entry.text or "")
    budget = _budget(MENU_QUESTION_WORDS, language) + _budget(MENU_CHOICE_WORDS, language) * min(max(len(choices), 1),
                                                                              MAX_SPOKEN_CHOICES)
    if words <= budget:
        return None
    long_choice = next((s for s in choices if count_words(s) > _budget(MENU_CHOICE_WORDS, language)), None)
    says_agent = any(agent.search(s) for s in choices)
    if len(choices) > MAX_SPOKEN_CHOICES:
        fix = (f"offer fewer choices (about {MAX_SPOKEN_CHOICES - 1} and the agent): keep the most asked-for and "
               "move the others to a second menu")
    elif says_agent and len(choices) > 2:
        fix = (f"say the agent option once at the start of the call (\"To speak to an agent at any time, press "
               f"{settings.agent_key}.\") instead of in this menu")
    elif long_choice is not None:
        fix = (f"say each choice in about {_budget(MENU_CHOICE_WORDS, language)} words, the goal then the key "
               f"(\"For …, press 1.\"); \"{long_choice.strip()}\" has {count_words(long_choice)}")
    else:
        fix = f"ask the question in fewer words; the choices leave about {_budget(MENU_QUESTION_WORDS, language)} for it"
    return finding("prompt-too-long",
                   f"menu prompt '{entry.key}' has {words} words for {len(choices)} choices; "
                   f"a caller keeps about {budget} in mind",
                   entry.path, entry.line, hint=fix)


def _key_mention(key: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w{{]){re.escape(key)}(?![\w}}])")


def _offers_a_key(flowset: FlowSet, sentence: str, language: str) -> bool:
    """A sentence that names a key: "press 1", "faites l'étoile" (the names of * and # in keys.yaml)."""
    if re.search(r"(?<![\w{])[0-9](?![\w}])", sentence):
        return True
    speech = flowset.settings.speech
    if not speech.key_names:
        return False
    return any(says_any(sentence, flowset.prompts.words(speech.key_name(key), language)) for key in "*#")


def _goal_after_key(flowset: FlowSet) -> list[Finding]:
    """The goal first, then the key: "For your address, press 2." A caller who hears "Press 2 to
    change your address" must hold the key in mind until the goal comes."""
    def keys_of(kind: type) -> set[str]:
        return {key for flow in flowset.flows.values() for step in flow.steps.values() if isinstance(step, kind)
                for key in (*step.prompt, *([step.help] if step.help else []))}

    menus, questions = keys_of(Menu), keys_of(Ask)  # an ask's "9 digits" is not a choice
    findings = []
    for language in flowset.languages.codes:
        for entry in flowset.prompts.entries.get(language, {}).values():
            choices = _choices(flowset, entry.text or "", language)
            if not entry.text or entry.key in questions or (entry.key not in menus and len(choices) < 2):
                continue
            late = next((s for s in choices if re.search(r"[^\W\d_]", s[_last_key_end(flowset, s, language):])), None)
            if late is not None:
                findings.append(
                    finding("goal-after-key", f"prompt '{entry.key}' says the key before what it is for: "
                            f"\"{late.strip()}\"", entry.path, entry.line,
                            hint="say the goal first and end the sentence with the key: "
                                 "\"For …, press 1.\" / « Pour …, faites le 1. »"))
    return findings


def _last_key_end(flowset: FlowSet, sentence: str, language: str) -> int:
    """Where the last key named in the sentence ends (a digit, or a name of * or # from keys.yaml)."""
    ends = [m.end() for m in re.finditer(r"(?<![\w{])[0-9](?![\w}])", sentence)]
    speech = flowset.settings.speech
    if speech.key_names:
        for key in "*#":
            for name in flowset.prompts.words(speech.key_name(key), language):
                ends += [m.end() for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", sentence, re.IGNORECASE)]
    return max(ends, default=len(sentence))


def _sentences(entry: PromptText, language: str) -> list[Finding]:
    for sentence in _SENTENCE_END.split(entry.text or ""):
        words = count_words(sentence)
        if words > _budget(MAX_SENTENCE_WORDS, language):
            return [
                finding("sentence-too-long",
                        f"prompt '{entry.key}' has a sentence of {words} words; "
                        f"keep sentences under about {_budget(MAX_SENTENCE_WORDS, language)}",
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
    texts = [flowset.prompts.get(prompt_key, language) for language in flowset.languages.codes]
    return all(entry is not None and entry.text and pattern.search(entry.text) for entry in texts)
