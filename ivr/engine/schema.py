"""The JSON Schema of the flow format, built from the same model the loader reads with.

Editors (VS Code's YAML extension, via the `# yaml-language-server: $schema=schema.json` line)
use it to complete keys and underline mistakes while staff type. `ivr schema` writes it to
flows/schema.json and flows/global.schema.json; a test checks the shipped files are up to date.
"""

from __future__ import annotations

import json
from typing import Any

from ivr.engine.languages import CODE, REQUIRED_KEYS, SPEECH_CODE
from ivr.engine.steps import STEP_KINDS, Expect, InputMode, allowed_keys

SCHEMA_DRAFT = "http://json-schema.org/draft-07/schema#"

_TEXT = {"type": "string"}
_LANGUAGE_CODE = {"type": "string", "pattern": CODE.pattern,
                  "description": "a language code declared in flows/languages.yaml (fr, en)"}
_PROMPTS = {
    "description": "a prompt key from prompts/fr and prompts/en (e.g. main.menu), or a list of keys",
    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}],
}
_TARGET = {
    "type": "string",
    "description": "where to go: a step of this flow, another flow, 'flow/step', or 'agent'",
}
_RETRY_PROMPTS = {
    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
}
"""Retry prompts may be an empty list: noinput: [] and nomatch: [] make a question optional (asked once)."""
_RETRIES = {
    "type": "object",
    "description": "what happens after silence or an answer that is not understood",
    "properties": {
        "noinput": {**_RETRY_PROMPTS, "description": "what is said after each silence, in order; [] with "
                    "nomatch: [] makes the question optional: silence or # skips it at once, to 'then'"},
        "nomatch": {**_RETRY_PROMPTS, "description": "what is said after each answer not understood, in order"},
        "then": {**_TARGET, "description": "where the caller goes after the last retry (normally agent)"},
    },
    "additionalProperties": False,
}
_OPTION = {
    "description": "where this key goes: a step name, or a block with next, words, say, language",
    "anyOf": [
        _TARGET,
        {
            "type": "object",
            "properties": {
                "next": _TARGET,
                "words": {"type": "string", "description": "prompt key of the words a caller can say instead"},
                "say": {**_PROMPTS, "description": "said when the caller chooses this option"},
                "language": {**_LANGUAGE_CODE, "description": "the language of the rest of the call"},
            },
            "required": ["next"],
            "additionalProperties": False,
        },
    ],
}
_OUTCOMES = {
    "description": "where each result goes: one step for all, or {result: step}",
    "anyOf": [_TARGET, {"type": "object", "additionalProperties": _TARGET, "minProperties": 1}],
}
_COUNT = {"type": "integer", "minimum": 1}

_KEY_SCHEMAS: dict[str, dict[str, Any]] = {
    # the kinds
    "menu": {**_PROMPTS, "description": "a menu: the prompt that lists the options"},
    "ask": {**_PROMPTS, "description": "a question: the prompt that asks for the answer"},
    "say": {**_PROMPTS, "description": "words said to the caller"},
    "action": {"type": "string", "description": "a backend action by name, e.g. status.lookup"},
    "branch": {"type": "string", "description": "the name of the value to choose on, e.g. apartment"},
    "transfer": {"type": ["string", "null"], "description": "the reason the agent sees, e.g. asked_for_agent"},
    "hangup": {"anyOf": [_PROMPTS, {"type": "null"}], "description": "the goodbye said before hanging up"},
    "use": {"type": "string", "description": "a sub-flow to run, e.g. identify"},
    "return": {"type": "string", "description": "the result this sub-flow gives back, e.g. verified"},
    # their settings
    "note": {"type": "string", "description": "a note for the people who edit this flow; never said"},
    "next": _TARGET,
    "help": {"type": "string", "description": "prompt key said instead of the prompt after two retries"},
    "retries": _RETRIES,
    "options": {
        "type": "object",
        "description": "the keys a caller can press, 1 to 9, each with where it goes",
        "propertyNames": {"pattern": "^[0-9]{1,2}$"},
        "additionalProperties": _OPTION,
        "minProperties": 1,
    },
    "into": {"type": "string", "description": "the name the answer is kept under, e.g. client_number"},
    "input": {"enum": [m.value for m in InputMode], "description": "how the caller answers"},
    "expect": {"enum": [e.value for e in Expect], "description": "what kind of answer is wanted"},
    "length": {**_COUNT, "description": "exact number of digits"},
    "min_length": {**_COUNT, "description": "fewest digits accepted"},
    "max_length": {**_COUNT, "description": "most digits accepted"},
    "optional": {"type": "boolean", "description": "true when the caller may answer nothing (just #)"},
    "sensitive": {"type": "boolean", "description": "true for personal data: masked in logs and journeys"},
    "cases": {"type": "object", "additionalProperties": _TARGET, "description": "value: step to go to"},
    "otherwise": {**_TARGET, "description": "where to go when the value is none of the cases"},
}
_OUTCOME_KINDS = {"action", "use"}
_SAY_IN = {"action", "transfer"}


def step_schema(kind: str) -> dict[str, Any]:
    properties = {}
    for key in sorted(allowed_keys(kind), key=lambda k: (k != kind, k)):
        if key == "next" and kind in _OUTCOME_KINDS:
            properties[key] = _OUTCOMES
        elif key == "say" and kind in _SAY_IN:
            properties[key] = {**_PROMPTS, "description": "words said before this step acts"}
        else:
            properties[key] = _KEY_SCHEMAS[key]
    return {
        "type": "object",
        "title": kind,
        "properties": properties,
        "required": [kind],
        "additionalProperties": False,
    }


def flow_schema() -> dict[str, Any]:
    """The schema of one flow file (flows/<name>.yaml)."""
    top = {
        "flow": {"type": "string", "description": "the flow's name, used by other flows to go here"},
        "description": {
            "description": "what the flow is for, in a sentence; {fr: …, en: …} to say it in each language "
                           "(the agents' Flows page shows the agent's)",
            "anyOf": [{"type": "string"}, {"type": "object", "minProperties": 1,
                                            "propertyNames": _LANGUAGE_CODE,
                                            "additionalProperties": {"type": "string"}}],
        },
        "start": {"type": "string", "description": "the first step (default: the first one written)"},
        "steps": {
            "type": "object",
            "description": "the steps, each with a name and one kind: " + ", ".join(STEP_KINDS),
            "propertyNames": {"not": {"const": "agent"}},
            "additionalProperties": {"oneOf": [{"$ref": f"#/definitions/{kind}"} for kind in STEP_KINDS]},
            "minProperties": 1,
        },
    }
    return {
        "$schema": SCHEMA_DRAFT,
        "title": "IVR flow",
        "type": "object",
        "properties": top,
        "required": ["flow", "steps"],
        "additionalProperties": False,
        "definitions": {kind: step_schema(kind) for kind in STEP_KINDS},
    }


def global_schema() -> dict[str, Any]:
    """The schema of flows/global.yaml, the block that applies to every prompt."""
    key_and_words = {
        "type": "object",
        "properties": {"key": {"type": "string"}, "words": {"type": "string"}},
        "additionalProperties": False,
    }
    seconds = {"type": "integer", "minimum": 1, "maximum": 60}
    top = {
        "agent": {**key_and_words, "description": "the key (and the prompt key of words) that reach a person"},
        "repeat": {**key_and_words, "description": "the key (and the prompt key of words) that repeat"},
        "end_key": {"type": "string", "description": "the key that ends a number of varying length typed on the keypad"},
        "speech": {
            "type": "object",
            "description": "where the words around what callers mean are (prompt keys)",
            "properties": {
                "key_names": {"type": "string", "description": "prompts file with how each key is said, e.g. keys"},
                "fillers": {"type": "string", "description": "words around a value, e.g. common.fillers"},
                "hesitations": {"type": "string", "description": "sounds said anywhere, e.g. common.hesitations"},
                "lead_ins": {"type": "string", "description": "how an answer in words starts or ends"},
                "numbers": {"type": "string",
                            "description": "prompts file with numbers said in words and ordinal endings, e.g. numbers"},
            },
            "additionalProperties": False,
        },
        "timeouts": {
            "type": "object",
            "properties": {name: seconds for name in ("menu", "keypad", "speech", "patient")},
            "additionalProperties": False,
        },
        "retries": {
            "type": "object",
            "properties": {name: _RETRIES for name in ("menu", "keypad", "speech")},
            "additionalProperties": False,
        },
        "transfer_prompt": {"type": "string", "description": "prompt key said before a transfer"},
        "fault_prompt": {"type": "string", "description": "prompt key said when something breaks"},
        "phone_numbers": {
            "type": "object",
            "description": "which numbers the line calls back or keeps on file: fixed-line and mobile numbers "
                           "of these regions (ivr/engine/phones.py)",
            "properties": {"regions": {"type": "array", "minItems": 1,
                                       "items": {"type": "string", "pattern": "^[A-Z]{2}$"},
                                       "description": "ISO 3166 two-letter codes as phonenumbers spells them, "
                                                      "e.g. CA, US"}},
            "required": ["regions"],
            "additionalProperties": False,
        },
    }
    return {
        "$schema": SCHEMA_DRAFT,
        "title": "IVR global settings",
        "type": "object",
        "properties": top,
        "additionalProperties": False,
    }


def languages_schema() -> dict[str, Any]:
    """The schema of flows/languages.yaml, the languages the line serves (ivr.engine.languages)."""
    speech = {"type": "string", "pattern": SPEECH_CODE.pattern}
    language = {
        "type": "object",
        "properties": {
            "code": {**_LANGUAGE_CODE, "description": "ISO 639-1 code: the prompts/<code>/ folder, what menu "
                                                      "options set (language: fr)"},
            "name": {"type": "string", "description": "the language's own name, shown to agents"},
            "locale": {"type": "string", "description": "babel locale for dates, money, numbers (fr_CA)"},
            "speech": {**speech, "description": "speech recognition language, Twilio <Gather language> (fr-CA)"},
            "voice": {"type": "string", "description": "the voice reading the prompts, Twilio <Say voice>"},
            "voice_language": {**speech, "description": "<Say language> when the voice speaks another variant "
                                                        "than the speech one (Polly.Joanna: en-US)"},
            "queue": {"type": "string", "description": "the agents' queue of callers who chose this language"},
        },
        "required": list(REQUIRED_KEYS),
        "additionalProperties": False,
    }
    return {
        "$schema": SCHEMA_DRAFT,
        "title": "IVR languages",
        "type": "object",
        "properties": {
            "languages": {"type": "array", "items": language, "minItems": 1,
                          "description": "in the order the greeting offers them; the first is the default"},
            "unknown_queue": {"type": "string", "description": "where callers wait whose language is not known"},
        },
        "required": ["languages"],
        "additionalProperties": False,
    }


SCHEMA_FILES = {"schema.json": flow_schema, "global.schema.json": global_schema,
                "languages.schema.json": languages_schema}


def schema_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
