"""Rules on what a caller can answer: the global keys stay distinct, every question can be answered."""

from __future__ import annotations

from ..findings import Finding
from ..flows import FlowSet
from ..steps import Ask, Expect, InputMode
from .codes import finding

KEYPAD = set("0123456789*#")
_SPEECH_ONLY = (Expect.TEXT, Expect.POSTAL_CODE)


def check(flowset: FlowSet) -> list[Finding]:
    return _global_keys(flowset) + _questions(flowset)


def _global_keys(flowset: FlowSet) -> list[Finding]:
    settings = flowset.settings
    path = settings.path or "flows/global.yaml"
    keys = {"agent": settings.agent_key, "repeat": settings.repeat_key, "end_key": settings.end_key}
    findings = []
    for name, key in keys.items():
        if len(key) != 1 or key not in KEYPAD:
            findings.append(
                finding("bad-global-key", f"the {name} key is '{key}', which is not one key of a phone",
                        path, _line(path, name), hint="use one of 0-9, * or #, in quotes: key: \"0\"")
            )
    seen: dict[str, str] = {}
    for name, key in keys.items():
        if key in seen:
            findings.append(
                finding("bad-global-key", f"the {name} key and the {seen[key]} key are both '{key}'",
                        path, _line(path, name), hint="give each its own key: agent 0, repeat *, end #")
            )
        seen.setdefault(key, name)
    return findings


def _questions(flowset: FlowSet) -> list[Finding]:
    findings = []
    for flow in flowset.flows.values():
        for step in flow.steps.values():
            if not isinstance(step, Ask):
                continue
            if step.expect in _SPEECH_ONLY and step.input is InputMode.KEYPAD:
                findings.append(
                    finding("ask-needs-speech",
                            f"ask '{step.id}' wants {step.expect.value} on the keypad, which cannot type it",
                            flow.path, step.line, hint="add input: speech")
                )
            elif step.input is InputMode.SPEECH and step.expect is Expect.DIGITS:
                findings.append(
                    finding("speech-digits", f"ask '{step.id}' wants digits by speech", flow.path, step.line,
                            hint="use input: keypad for digits; spoken digits are understood on the keypad step too")
                )
    return findings


def _line(path: str, name: str) -> int:
    from .prompts import line_naming

    return line_naming(path, f"{name}:")
