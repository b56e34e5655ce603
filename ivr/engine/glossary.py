"""The vocabulary of the prompts: per concept, the one term callers hear in each language, and the
other words they may say for it.

Read from ``prompts/glossary.yaml`` (beside the language folders). Plain-language guidance
(Canada.ca content style guide, Quebec's « Rédiger simplement ») asks for the same word for the
same thing everywhere; `ivr lint` checks the prompts against this file (ivr.engine.lint.wording).

    agent:
      fr: {say: agent, also: [préposé, conseiller]}
      en: {say: agent, also: [representative, operator]}
      words: common.agent_words      # optional: the keywords that must understand all of them
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ivr.engine.findings import Finding, Severity
from ivr.engine.languages import BUILT_IN, Languages
from ivr.engine.texts import as_path
from ivr.engine.yamlsource import YamlProblem, load_file

GLOSSARY_FILE = "glossary.yaml"
CONCEPT_KEYS = ("words",)
"""Keys of a concept besides the line's language codes."""
LANGUAGE_KEYS = ("say", "also")


@dataclass(frozen=True)
class Term:
    """One concept in one language: `say` in prompts; `also` understood, never written in a prompt."""

    concept: str
    language: str
    say: str
    also: tuple[str, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Concept:
    name: str
    terms: dict[str, Term]
    words: str | None = None  # a keyword list (prompt key) that must understand every term of the concept
    line: int = 0


@dataclass(frozen=True)
class Glossary:
    concepts: tuple[Concept, ...] = ()
    path: str = ""
    problems: tuple[Finding, ...] = field(default=(), compare=False)

    def terms(self, language: str) -> list[Term]:
        return [concept.terms[language] for concept in self.concepts if language in concept.terms]


NO_GLOSSARY = Glossary()


def load_glossary(prompts_dir: Path | str, languages: Languages = BUILT_IN) -> Glossary:
    """The glossary beside the language folders; an empty one when there is none.

    A malformed entry is left out and reported as `glossary-invalid` (a warning: the glossary only
    guides the linter, it never stops calls).
    """
    path = as_path(prompts_dir) / GLOSSARY_FILE
    if not path.is_file():
        return NO_GLOSSARY
    where = str(path)
    try:
        data = load_file(path)
    except YamlProblem as problem:
        return Glossary(path=where, problems=(problem.finding(),))
    if data is None:
        return Glossary(path=where)
    if not isinstance(data, dict):
        return Glossary(path=where, problems=(_problem("the glossary must list 'concept: {fr: …, en: …}'", where, 1),))
    concepts, problems = [], []
    for name, block in data.items():
        line = data.where(name)[0] if hasattr(data, "where") else 0
        concept = _concept(str(name), block, where, line, problems, languages.codes)
        if concept is not None:
            concepts.append(concept)
    return Glossary(tuple(concepts), where, tuple(problems))


def _concept(name: str, block: object, path: str, line: int, problems: list[Finding],
             codes: tuple[str, ...]) -> Concept | None:
    shape = f"write it as '{name}: {{" + ", ".join(f"{code}: {{say: …, also: […]}}" for code in codes) + "}'"
    if not isinstance(block, dict) or not all(language in block for language in codes):
        problems.append(_problem(f"concept '{name}' does not give a term in every language of the line "
                                 f"({', '.join(codes)})", path, line, shape))
        return None
    unknown = [key for key in block if key not in (*codes, *CONCEPT_KEYS)]
    if unknown:
        problems.append(_problem(f"concept '{name}' has '{unknown[0]}', which the glossary does not know", path,
                                 line, f"use only {', '.join(codes)} and words"))
        return None
    terms = {}
    for language in codes:
        entry = block[language]
        at = block.where(language)[0] if hasattr(block, "where") else line
        if isinstance(entry, str):
            entry = {"say": entry}
        if not isinstance(entry, dict) or not isinstance(entry.get("say"), str) or not entry["say"].strip() \
                or any(key not in LANGUAGE_KEYS for key in entry) \
                or not isinstance(entry.get("also", []), list):
            problems.append(_problem(f"concept '{name}' in '{language}' is not a term and a list of other words",
                                     path, at, shape))
            return None
        terms[language] = Term(name, language, entry["say"].strip(),
                               tuple(str(word) for word in entry.get("also", []) or ()), at)
    words = block.get("words")
    return Concept(name, terms, str(words) if words else None, line)


def _problem(message: str, path: str, line: int, hint: str = "") -> Finding:
    return Finding("glossary-invalid", message, path, line, severity=Severity.WARNING, hint=hint)
