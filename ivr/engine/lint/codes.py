"""Every finding code the linter and the loader can report, with its severity and its fix.

Codes are stable: tools match on them and docs/authoring.md explains each one. Errors stop
the flows from loading (the last good version keeps serving); warnings are advice.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.engine.findings import Finding, Severity


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    family: str
    meaning: str


E, W = Severity.ERROR, Severity.WARNING

_TABLE: tuple[tuple[str, Severity, str, str], ...] = (
    # files and format ---------------------------------------------------------------------
    ("yaml-syntax", E, "format", "the file is not valid YAML"),
    ("not-a-flow", E, "format", "a file in the flows folder does not start with 'flow: <name>'"),
    ("flows-folder-missing", E, "format", "the flows folder does not exist"),
    ("prompts-folder-missing", E, "format", "a language has no prompts folder"),
    ("entry-missing", E, "format", "there is no 'main' flow to answer calls with"),
    ("flow-twice", E, "format", "two files define a flow with the same name"),
    ("no-steps", E, "format", "a flow has no steps"),
    ("start-missing", E, "format", "'start:' names a step that does not exist"),
    ("unknown-key", E, "format", "a setting that the format does not know, often a typo"),
    ("reserved-name", E, "format", "a step is called 'agent', which already means 'a person'"),
    ("step-not-mapping", E, "format", "a step is not a block of settings"),
    ("step-kind-missing", E, "format", "a step does not say what it does (menu, ask, say …)"),
    ("step-kind-twice", E, "format", "a step has two kinds, e.g. both 'say' and 'menu'"),
    ("menu-without-options", E, "format", "a menu has no options"),
    ("option-not-mapping", E, "format", "a menu option is not written as a block"),
    ("option-without-next", E, "format", "a menu option does not say where it goes"),
    ("bad-language", E, "format", "an option sets a language flows/languages.yaml does not declare, or a "
                                  "declared code is not two lower-case letters"),
    ("languages-missing", E, "format", "flows/languages.yaml does not list any language"),
    ("language-not-mapping", E, "format", "a language of flows/languages.yaml is not a block of settings"),
    ("language-incomplete", E, "format", "a language does not give its code, name, locale, speech, voice and queue"),
    ("language-twice", E, "format", "two languages have the same code"),
    ("queue-twice", E, "format", "two languages, or a language and the unknown-language queue, share a queue"),
    ("bad-locale", E, "format", "a language's locale is not one babel knows"),
    ("bad-speech-language", E, "format", "a language's speech or voice_language is not a tag like fr-CA"),
    ("language-mismatch", E, "format", "a language's locale, speech or voice_language is in another language"),
    ("desktop-words-missing", W, "format", "the agents' desktop has no words in a language of the line"),
    ("ask-without-into", E, "format", "an ask step does not say where to keep the answer"),
    ("bad-input", E, "format", "an ask step's 'input' is not keypad or speech"),
    ("bad-expect", E, "format", "an ask step's 'expect' is not a known kind of answer"),
    ("bad-length", E, "format", "a length is not a positive whole number"),
    ("bad-next", E, "format", "'next' is not a step name"),
    ("bad-prompt", E, "format", "prompts are not written as one key or a list of keys"),
    ("missing-prompt", E, "format", "a menu, ask or say step names no prompt"),
    ("bad-retries", E, "format", "'retries' is not a block with noinput, nomatch and then"),
    ("action-without-name", E, "format", "an action step does not name its backend action"),
    ("outcomes-missing", E, "format", "an action or use step does not say where each result goes"),
    ("branch-cases", E, "format", "a branch has no cases, or cases that cannot be read"),
    ("branch-variable", E, "format", "a branch does not name the value it looks at"),
    ("bad-timeout", E, "format", "a time-out in global.yaml is not 1 to 60 seconds"),
    ("bad-phone-regions", E, "format", "phone_numbers in global.yaml names no region, or one phonenumbers does not know"),
    ("speech-digits", W, "format", "an ask wants digits by speech; the keypad is easier"),
    ("ask-needs-speech", E, "format", "an ask wants words or a postal code on the keypad, which cannot type them"),
    ("phone-length", E, "format", "a phone question has a fixed length, so a number typed with its leading 1 "
                                   "is cut and its last digit reaches the next question"),
    ("end-key-not-needed", E, "format", "a prompt says to press # where the entry ends by itself or by voice"),
    ("end-key-not-said", W, "format", "an entry ends only with # (or silence), but its prompt does not say so"),
    ("bad-global-key", E, "format", "the agent, repeat or end key is not one phone key, or two are the same"),
    # the graph of steps --------------------------------------------------------------------
    ("missing-target", E, "graph", "a jump goes to a step or flow that does not exist"),
    ("missing-flow", E, "graph", "'use:' names a flow that does not exist"),
    ("unknown-action", E, "graph", "an action step names a backend action that does not exist"),
    ("reserved-key", E, "graph", "a menu option takes the agent key (0) or the repeat key (*)"),
    ("unreachable-step", W, "graph", "no path from the start of the call reaches this step"),
    ("flow-unused", W, "graph", "no path from the start of the call reaches this flow"),
    ("loop-without-input", E, "graph", "steps go round in a circle without asking the caller anything"),
    ("say-without-next", E, "graph", "a say step does not say where the call goes next"),
    ("branch-without-otherwise", E, "graph", "a branch has no 'otherwise' for values not in its cases"),
    ("return-outside-subflow", E, "graph", "a 'return' step in a flow that no 'use' step uses"),
    ("outcome-not-handled", E, "graph", "a sub-flow returns a result the 'use' step does not handle"),
    ("retries-not-to-agent", E, "graph", "after the last retry the caller does not reach an agent"),
    # prompts -------------------------------------------------------------------------------
    ("prompt-missing", E, "prompts", "a prompt key is used but has no words in one language"),
    ("placeholders-differ", E, "prompts", "French and English use different {values} or formats"),
    ("unknown-format", E, "prompts", "a {value:format} names a format that does not exist"),
    ("prompt-not-text", E, "prompts", "a prompt entry is neither a sentence, a list of words nor text+audio"),
    ("prompts-not-mapping", E, "prompts", "a prompts file is not a list of 'key: words'"),
    ("keyword-not-text", E, "prompts", "a bare yes/no/on/off in a list of keywords, which YAML reads as true/false"),
    ("prompt-not-sentence", E, "prompts", "a key that is spoken names a list of keywords, not a sentence"),
    ("prompt-not-keywords", E, "prompts", "a key used as keywords ('words:') names a sentence, not a list"),
    ("audio-missing", E, "prompts", "a prompt names a recording that is not in prompts/<lang>/audio/"),
    ("prompt-unused", W, "prompts", "no flow and no part of the program uses this prompt"),
    # usability (public-service plain-language guidance) -----------------------------------
    ("menu-too-many-options", W, "usability", "a menu has more than 5 options"),
    ("menu-too-deep", W, "usability", "a menu is more than 3 menus deep"),
    ("options-out-of-order", W, "usability", "menu options are not 1, 2, 3 … in order"),
    ("options-gap", W, "usability", "menu options skip a number"),
    ("prompt-too-long", W, "usability", "a prompt has more words than a caller can keep in mind"),
    ("sentence-too-long", W, "usability", "a sentence is too long to follow by ear"),
    ("goal-after-key", W, "usability", "a menu says the key before what it is for (\"Press 1 to …\")"),
    ("agent-not-announced", W, "usability", "the caller is never told that 0 reaches an agent before this menu"),
    # wording (prompts/glossary.yaml; what a menu says is what it understands) ----------------
    ("glossary-invalid", W, "wording", "prompts/glossary.yaml has an entry that is not a term per language"),
    ("glossary-term", W, "wording", "a prompt uses another word for a thing the glossary names"),
    ("glossary-not-understood", W, "wording", "a word of the glossary is not in the keywords that listen for it"),
    ("said-word-not-understood", W, "wording", "a prompt tells callers to say a word its menu does not understand"),
    ("menu-wording-not-understood", W, "wording", "a menu offers an option in words that option does not understand"),
    # agent hours -----------------------------------------------------------------------------
    ("hours-invalid", E, "hours", "flows/hours.yaml has a mistake (time, day, timezone, holidays)"),
    # costs per contact (flows/costs.yaml, read by ivr.engine.costs) -----------------------------
    ("costs-invalid", E, "costs", "flows/costs.yaml is not a block of settings, or cannot be read"),
    ("costs-currency", E, "costs", "the currency is not an ISO 4217 code babel knows"),
    ("costs-amount", E, "costs", "a cost per contact is not an amount of money (negative, or not a number)"),
    ("costs-channel-missing", E, "costs", "per_contact gives no cost for a channel (web, ivr, email, agent_call)"),
    ("costs-queue-target", E, "costs", "the queue's answered_within_seconds is not 1 to 3600 whole seconds"),
    # caller verification (flows/verification.yaml) -------------------------------------------
    ("verification-not-mapping", E, "verification", "verification.yaml is not a block of settings"),
    ("verification-levels", E, "verification", "verification.yaml has no levels"),
    ("verification-level", E, "verification", "a level is not a block of settings"),
    ("verification-facts", E, "verification", "a level does not say which facts prove it"),
    ("verification-fact", E, "verification", "a level asks for a fact the IVR cannot check (client_number, birth_date, postal_code_on_file)"),
    ("verification-attempts", E, "verification", "attempts is not a whole number from 1 to 5"),
    ("verification-after", E, "verification", "'after' names a level that does not exist"),
    ("verification-requires", E, "verification", "'requires' names a level that does not exist, or is not 'action: level' pairs"),
    ("verification-throttle", E, "verification", "a throttle is not {failures: N, hours: H} with sensible numbers"),
    ("verification-flow", E, "verification", "a level's flow does not exist"),
    ("verification-unasked", E, "verification", "a level's flow never asks one of its facts (an ask with into: the fact's name)"),
    ("verification-not-sensitive", E, "verification", "a fact is asked without sensitive: true"),
    ("verification-unchecked", E, "verification", "a level's flow never runs client.verify"),
    ("verification-missing", E, "verification", "a flow runs a protected action without using the flow of the level it needs"),
)

CODES: dict[str, Code] = {code: Code(code, severity, family, meaning) for code, severity, family, meaning in _TABLE}


def finding(code: str, message: str, path: str = "", line: int = 0, column: int = 0, hint: str = "") -> Finding:
    """A finding whose severity comes from the catalogue, so a code is an error or a warning everywhere."""
    return Finding(code, message, path, line, column, severity=CODES[code].severity, hint=hint)
