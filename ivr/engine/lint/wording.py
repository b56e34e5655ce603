"""Rules on the words of the prompts: one term per thing (prompts/glossary.yaml), and what a menu
says is what it understands.

Plain-language guidance for public services (Canada.ca content style guide; Quebec's « Rédiger
simplement ») asks for the same word for the same thing everywhere. A caller repeats what a menu
says: "Pour l'état de votre demande, faites le 1" is answered "l'état de ma demande", and a help
that says « Vous pouvez dire “adresse” » is answered "adresse"; both must reach the option.
"""

from __future__ import annotations

import re
from pathlib import Path

from ivr.engine.findings import Finding
from ivr.engine.flows import FlowSet
from ivr.engine.glossary import Term
from ivr.engine.prompts import PromptText
from ivr.engine.steps import Menu
from ivr.engine.understand import normalize, says_any
from ivr.engine.lint.codes import finding

QUOTED = re.compile(r"«\s*([^»]+?)\s*»|“([^”]+)”")
"""Words a prompt tells callers to say are quoted: « adresse » in French, “address” in English."""
_SAY = re.compile(r"\b(?:say|dire|dites)\s+(?P<rest>.+)$", re.IGNORECASE)
_OR = re.compile(r",|\s(?:or|ou)\s", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{[^}]*\}")
_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+")


def check(flowset: FlowSet) -> list[Finding]:
    findings: list[Finding] = list(flowset.glossary.problems)
    findings += _glossary_terms(flowset)
    findings += _glossary_understood(flowset)
    findings += _menus_understand_their_words(flowset)
    return findings


def _spoken_entries(flowset: FlowSet, language: str) -> list[PromptText]:
    return [entry for entry in flowset.prompts.entries.get(language, {}).values() if entry.text]


def _glossary_terms(flowset: FlowSet) -> list[Finding]:
    """A prompt uses the glossary's term, never one of the other words for the same thing."""
    findings = []
    glossary = flowset.glossary
    for language in flowset.languages.codes:
        listened = {concept.name: concept.words for concept in glossary.concepts}
        where = "/".join(Path(glossary.path).parts[-2:])
        for entry in _spoken_entries(flowset, language):
            for term in glossary.terms(language):
                other = _other_word_in(_PLACEHOLDER.sub(" ", entry.text or ""), term)
                if other is None:
                    continue
                still = f"; callers who say '{other}' are still understood" if listened[term.concept] else ""
                findings.append(
                    finding("glossary-term",
                            f"prompt '{entry.key}' says '{other}', but the glossary's word for "
                            f"'{term.concept}' in {language} is '{term.say}'",
                            entry.path, entry.line,
                            hint=f"write '{term.say}' ({where}, line {term.line}){still}")
                )
    return findings


def _other_word_in(text: str, term: Term) -> str | None:
    """The first 'also' word written in the text, unless it only appears inside the term itself
    ("numéro de client" as a term holds "client"; an 'also' word that the term contains is not flagged)."""
    heard = f" {normalize(text)} "
    without_term = heard.replace(f" {normalize(term.say)} ", "  ") if normalize(term.say) else heard
    for word in term.also:
        plain = normalize(word)
        if plain and f" {plain} " in without_term:
            return word
    return None


def _glossary_understood(flowset: FlowSet) -> list[Finding]:
    """Every word of a concept, its term and the others, is understood where the concept is listened for."""
    findings = []
    glossary = flowset.glossary
    for concept in glossary.concepts:
        if not concept.words:
            continue
        for language in flowset.languages.codes:
            listened = flowset.prompts.get(concept.words, language)
            term = concept.terms[language]
            if listened is None or not listened.words:
                findings.append(
                    finding("glossary-not-understood",
                            f"concept '{concept.name}' is listened for with '{concept.words}', which is not a "
                            f"list of keywords in prompts/{language}/",
                            glossary.path, concept.line, hint="name a keyword list such as common.agent_words")
                )
                continue
            missed = [word for word in (term.say, *term.also) if not says_any(word, listened.words)]
            if missed:
                findings.append(
                    finding("glossary-not-understood",
                            f"a caller who says '{missed[0]}' for '{concept.name}' is not understood: "
                            f"'{concept.words}' in prompts/{language}/ does not list it",
                            listened.path, listened.line,
                            hint=f"add {', '.join(missed)} to '{concept.words.partition('.')[2]}' in "
                                 f"prompts/{language}/, or take it out of the glossary")
                )
    return findings


def _menus_understand_their_words(flowset: FlowSet) -> list[Finding]:
    """At each menu, a word the prompt or its help quotes for the caller to say is understood there,
    and each sentence that offers an option by its key holds one of that option's words."""
    settings = flowset.settings
    findings = []
    reported: set[tuple[str, str, str]] = set()
    for flow in flowset.flows.values():
        for step in flow.steps.values():
            if not isinstance(step, Menu):
                continue
            keys = list(step.prompt) + ([step.help] if step.help else [])
            for language in flowset.languages.codes:
                understood = [w for o in step.options if o.words for w in flowset.prompts.words(o.words, language)]
                understood += [w for key in (settings.agent_words, settings.repeat_words)
                               for w in flowset.prompts.words(key, language)]
                for prompt_key in keys:
                    entry = flowset.prompts.get(prompt_key, language)
                    if entry is None or not entry.text:
                        continue
                    for said in _quoted(entry.text):
                        if said and not says_any(said, understood) and (entry.key, said, "q") not in reported:
                            reported.add((entry.key, said, "q"))
                            findings.append(_not_understood(step, entry, said, language))
                    for option in step.options:
                        if not option.words:
                            continue
                        words = flowset.prompts.words(option.words, language)
                        for sentence in _offering(entry.text, option.key):
                            if words and not says_any(_PLACEHOLDER.sub(" ", sentence), words) and (entry.key, sentence, option.key) \
                                    not in reported:
                                reported.add((entry.key, sentence, option.key))
                                findings.append(_wording_not_understood(step, entry, sentence, option.key,
                                                                        option.words, language))
    return findings


def _quoted(text: str) -> list[str]:
    """What a prompt tells callers to say: the quoted words, and at a menu, the words after "say" /
    "dire" written without quotes ("You can also say status or address"), one per "or" / "ou"."""
    said = [(match.group(1) or match.group(2) or "").strip() for match in QUOTED.finditer(text)]
    for sentence in _SENTENCE_END.split(text):
        if QUOTED.search(sentence):
            continue
        match = _SAY.search(sentence)
        if match:
            chunks = [chunk.strip(" .!?,;:") for chunk in _OR.split(match["rest"])]
            said += [chunk for chunk in chunks if chunk and not re.search(r"\d", chunk)]  # "… or press 1"
    return said


def _offering(text: str, key: str) -> list[str]:
    """The sentences of a prompt that name this key ("Pour changer votre adresse, faites le 2.")."""
    mention = re.compile(rf"(?<![\w{{]){re.escape(key)}(?![\w}}])")
    return [sentence for sentence in _SENTENCE_END.split(text) if mention.search(QUOTED.sub("", sentence))]


def _not_understood(step: Menu, entry: PromptText, said: str, language: str) -> Finding:
    return finding("said-word-not-understood",
                   f"prompt '{entry.key}' tells callers to say '{said}', but menu '{step.id}' does not understand "
                   f"it in {language}",
                   entry.path, entry.line,
                   hint=f"add '{said}' to the words of the option it means in prompts/{language}/, "
                        "or quote one of the option's words")


def _wording_not_understood(step: Menu, entry: PromptText, sentence: str, key: str, words: str,
                            language: str) -> Finding:
    return finding("menu-wording-not-understood",
                   f"prompt '{entry.key}' offers {key} as \"{sentence.strip()}\", but none of these words is in "
                   f"'{words}' ({language}), so a caller who repeats them is not understood at menu '{step.id}'",
                   entry.path, entry.line,
                   hint=f"add the main word of that sentence to '{words.partition('.')[2]}' in prompts/{language}/, "
                        "or say the option with one of its words")
