"""Rules on what a caller can answer: the global keys stay distinct, every question can be answered,
and what a prompt says about ending an entry is how the entry ends."""

from __future__ import annotations

import re

from ivr.engine.findings import Finding
from ivr.engine.flows import FlowSet

from ivr.engine.steps import SPEECH_ONLY, Ask, Expect, InputMode, Menu, Question
from ivr.engine.understand import says_any
from ivr.engine.lint.codes import finding
from ivr.engine.lint.prompts import line_naming

KEYPAD = set("0123456789*#")


def check(flowset: FlowSet) -> list[Finding]:
    return _global_keys(flowset) + _questions(flowset) + _end_key_said(flowset)


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
            if step.expect in SPEECH_ONLY and step.input is InputMode.KEYPAD:
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
            if step.expect is Expect.PHONE and (step.length or step.min_length or step.max_length):
                findings.append(
                    finding("phone-length", f"ask '{step.id}' gives a phone number a length, but people type "
                            "the same number with or without its leading 1 (10 or 11 digits in North America)",
                            flow.path, step.line,
                            hint="remove length: (and min_length:, max_length:): the length of a number is "
                                 "phonenumbers' rule for the line's regions, and the entry ends with # or the time-out")
                )
    return findings


def _end_key_said(flowset: FlowSet) -> list[Finding]:
    """A prompt speaks of the end key (#, "pound", "le carré": the end key's words in prompts/<lang>/keys.yaml)
    exactly when the caller ends that entry with it.

    Twilio's <Gather> ends a keypad entry at its numDigits-th digit, at the finishOnKey, or after the
    time-out; a # pressed after an entry that ended by itself reaches the next question. A question
    answered by voice, or a menu choice, does not end with # either. And an entry that ends only
    with # (or the time-out) leaves the caller waiting unless the prompt says so.
    """
    settings = flowset.settings
    key = settings.end_key
    literal = re.compile(rf"(?<![\w{{]){re.escape(key)}(?![\w}}])")
    words = {language: flowset.prompts.words(settings.speech.key_name(key), language) if settings.speech.key_names
             else () for language in flowset.languages.codes}
    findings = []
    for flow in flowset.flows.values():
        for step in flow.steps.values():
            if not isinstance(step, Question):
                continue
            ends_with_key = isinstance(step, Ask) and step.ends_with_end_key()
            keys = list(step.prompt) + ([step.help] if step.help else [])
            for language in flowset.languages.codes:
                said = []
                for prompt_key in keys:
                    entry = flowset.prompts.get(prompt_key, language)
                    if entry is None or not entry.text:
                        continue
                    if literal.search(entry.text) or says_any(entry.text, words[language]):
                        said.append(entry)
                if ends_with_key and not said and keys:
                    silence = f"{settings.timeouts.keypad} s of silence"
                    findings.append(finding(
                        "end-key-not-said", f"ask '{step.id}' ends only with {key} (or {silence}), but its prompt "
                        f"in prompts/{language}/ does not say so", flow.path, step.line,
                        hint=f"add \"then {key}\" to '{keys[0]}' in {language}, or give the ask a fixed length: "
                             "so it ends at its last digit"))
                for entry in said if not ends_with_key else ():
                    fix = ", or remove length: from the ask so the entry ends with " + key \
                        if isinstance(step, Ask) and step.num_digits else ""
                    told = f"prompt '{entry.key}' tells the caller to press {key}"
                    findings.append(finding("end-key-not-needed",
                                            f"{told}, but {_how_it_ends(step)}, so that {key} reaches the next question",
                                            entry.path, entry.line,
                                            hint=f"take the words about {key} out of '{entry.key}' in "
                                                 f"prompts/{language}/{fix}"))
    return findings


def _how_it_ends(step: Question) -> str:
    if isinstance(step, Menu):
        return f"menu '{step.id}' takes its choice at the key itself"
    assert isinstance(step, Ask)
    if step.num_digits:
        return f"ask '{step.id}' ends by itself after {step.num_digits} digits"
    return f"ask '{step.id}' is answered by voice and ends when the caller stops speaking"


def _line(path: str, name: str) -> int:
    return line_naming(path, f"{name}:")
