"""Rules on the words: every prompt a caller can hear exists in French and in English, alike."""

from __future__ import annotations

import string
from pathlib import Path

from ivr.engine.findings import Finding, did_you_mean
from ivr.engine.flows import FlowSet
from ivr.engine.prompts import FORMATS, PromptText
from ivr.engine.steps import Menu
from ivr.engine.lint.codes import finding

TERMS = "terms."
"""Prefix of the names a sentence inserts with {value:term}; the value picks one at run time."""


def check(flowset: FlowSet, code_prompts: tuple[str, ...] = ()) -> list[Finding]:
    """`code_prompts`: keys the application says by itself; they must exist and count as used."""
    used = _used(flowset, code_prompts)
    findings: list[Finding] = []
    findings += _missing(flowset, used)
    findings += _kinds(flowset)
    findings += _placeholders(flowset)
    findings += _formats(flowset)
    findings += _audio(flowset)
    findings += _unused(flowset, {key for key, _, _ in used} | _number_words(flowset))
    return findings


def _number_words(flowset: FlowSet) -> set[str]:
    """Every number of the numbers file is listened for; each language lists the numbers it has words for
    (French "soixante-dix", English "seventeenth"), so none is missing in another."""
    speech = flowset.settings.speech
    return {key for language in flowset.languages.codes for key in speech.number_words(flowset.prompts.keys(language))}


def _used(flowset: FlowSet, code_prompts: tuple[str, ...]) -> list[tuple[str, str, int]]:
    """(key, file, line) for every prompt something says or listens for."""
    used: list[tuple[str, str, int]] = []
    for flow in flowset.flows.values():
        for step in flow.steps.values():
            used.extend((key, flow.path, line) for key, line in step.prompt_keys())
            extra = flowset.settings.said_at(step) + flowset.settings.listened_at(step)
            used.extend((key, flow.path, step.line) for key in extra)
    settings_path = flowset.settings.path or "flows/global.yaml"
    used.extend((key, settings_path, line_naming(settings_path, key)) for key in flowset.settings.prompt_keys())
    used.extend((key, "", 0) for key in code_prompts)
    if any(spec == "term" for entry in _entries(flowset) for _, spec in _fields(entry)):
        used.extend((key, "", 0) for language in flowset.languages.codes for key in flowset.prompts.keys(language)
                    if key.startswith(TERMS))
    return used


def _missing(flowset: FlowSet, used: list[tuple[str, str, int]]) -> list[Finding]:
    findings = []
    seen: set[tuple[str, str]] = set()
    prompts = flowset.prompts
    for key, path, line in used:
        for language in flowset.languages.codes:
            if (key, language) in seen or prompts.get(key, language) is not None:
                continue
            seen.add((key, language))
            where = _file_for(flowset, key, language)
            add = f"add '{key.partition('.')[2]}: ...' to {where}"
            in_other = any(prompts.get(key, other) for other in flowset.languages.codes if other != language)
            findings.append(
                finding("prompt-missing", f"prompt '{key}' has no words in prompts/{language}/",
                        path or where, line,
                        hint=add if in_other else (did_you_mean(key, prompts.keys(language)) or add))
            )
    return findings


def _kinds(flowset: FlowSet) -> list[Finding]:
    """A spoken key must be a sentence; a 'words:' key must be a list of keywords."""
    findings = []
    settings = flowset.settings
    keyword_keys = set(settings.keyword_keys())
    keyword_uses: list[tuple[str, str, int]] = [(key, settings.path, 0) for key in settings.keyword_keys()]
    spoken_uses: list[tuple[str, str, int]] = []
    for flow in flowset.flows.values():
        for step in flow.steps.values():
            option_words = set()
            if isinstance(step, Menu):
                for option in step.options:
                    if option.words:
                        keyword_uses.append((option.words, flow.path, option.line))
                        option_words.add(option.words)
            spoken_uses.extend((k, flow.path, line) for k, line in step.prompt_keys() if k not in option_words)
            spoken_uses.extend((k, flow.path, step.line) for k in settings.said_at(step))
            keyword_uses.extend((k, flow.path, step.line) for k in settings.listened_at(step))
    spoken_uses.extend((k, settings.path, 0) for k in settings.prompt_keys() if k not in keyword_keys)
    reported: set[tuple[str, str]] = set()
    for uses, code, wrong, fix in (
        (spoken_uses, "prompt-not-sentence", lambda e: e.text is None and e.audio is None,
         "write a sentence in quotes, or name a different prompt"),
        (keyword_uses, "prompt-not-keywords", lambda e: not e.words,
         "write the keywords as a list in [brackets], e.g. [yes, correct]"),
    ):
        for key, path, line in uses:
            for language in flowset.languages.codes:
                entry = flowset.prompts.get(key, language)
                if entry is None or not wrong(entry) or (key, language) in reported:
                    continue
                reported.add((key, language))
                kind = "a list of keywords" if code == "prompt-not-sentence" else "a sentence"
                findings.append(
                    finding(code, f"prompt '{key}' is {kind} in prompts/{language}/, but it is used "
                            + ("as words to say" if code == "prompt-not-sentence" else "as keywords to listen for"),
                            path or entry.path, line or entry.line, hint=fix)
                )
    return findings


def _placeholders(flowset: FlowSet) -> list[Finding]:
    findings = []
    prompts = flowset.prompts
    first, *others = flowset.languages
    for other in others:  # each language against the default one, which staff write first
        for key in sorted(prompts.keys(first.code) & prompts.keys(other.code)):
            one, two = prompts.get(key, first.code), prompts.get(key, other.code)
            one_fields, two_fields = sorted(_fields(one)), sorted(_fields(two))
            if one_fields != two_fields:
                findings.append(
                    finding("placeholders-differ",
                            f"prompt '{key}' uses {_show(one_fields)} in {first.name} but {_show(two_fields)} "
                            f"in {other.name}", two.path, two.line,
                            hint="every language must use the same {values}, with the same :format")
                )
    return findings


def _formats(flowset: FlowSet) -> list[Finding]:
    findings = []
    for entry in _entries(flowset):
        for name, spec in _fields(entry):
            if spec and spec not in FORMATS:
                findings.append(
                    finding("unknown-format", f"prompt '{entry.key}' asks for {{{name}:{spec}}}", entry.path,
                            entry.line, hint=did_you_mean(spec, FORMATS) or "use one of " + ", ".join(FORMATS))
                )
    return findings


def _audio(flowset: FlowSet) -> list[Finding]:
    findings = []
    for entry in _entries(flowset):
        if not entry.audio or not entry.path:
            continue
        folder = Path(entry.path).parent / "audio"
        if not (folder / entry.audio).is_file():
            findings.append(
                finding("audio-missing", f"prompt '{entry.key}' plays '{entry.audio}', which is not in {folder}",
                        entry.path, entry.line,
                        hint=f"put the recording in {folder}/ or fix the file name")
            )
    return findings


def _unused(flowset: FlowSet, used: set[str]) -> list[Finding]:
    findings = []
    for entry in _entries(flowset):
        if entry.key in used:
            continue
        findings.append(
            finding("prompt-unused", f"no flow uses prompt '{entry.key}'", entry.path, entry.line,
                    hint="delete it from both languages, or name it in a flow")
        )
    return findings


def _file_for(flowset: FlowSet, key: str, language: str) -> str:
    """The prompts file a key belongs in, in the folder actually used when it is known."""
    name = f"{key.split('.')[0]}.yaml"
    known = next((e.path for e in flowset.prompts.entries.get(language, {}).values() if e.path), None)
    return str(Path(known).parent / name) if known else f"prompts/{language}/{name}"


def _entries(flowset: FlowSet) -> list[PromptText]:
    return [entry for language in flowset.languages.codes for entry in flowset.prompts.entries.get(language, {}).values()]


def _fields(entry: PromptText | None) -> set[tuple[str, str]]:
    if entry is None or not entry.text:
        return set()
    try:
        return {(name, (spec or "").strip()) for _, name, spec, _ in string.Formatter().parse(entry.text) if name}
    except ValueError:
        return set()


def _show(fields: list[tuple[str, str]]) -> str:
    if not fields:
        return "no values"
    return ", ".join("{" + name + (f":{spec}" if spec else "") + "}" for name, spec in fields)


def line_naming(path: str, key: str) -> int:
    """The line of global.yaml that names a key, so a missing prompt points at where it is asked for."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return 0
    return next((number for number, text in enumerate(lines, 1) if key in text), 0)
