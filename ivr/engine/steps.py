"""The kinds of step a flow is made of, each read from its YAML block.

A step is a mapping with exactly one *kind* key (``menu``, ``ask``, ``say``, ``action``,
``branch``, ``transfer``, ``hangup``, ``use``, ``return``) and the keys that kind allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from ivr.engine.findings import Finding, did_you_mean
from ivr.engine.languages import BUILT_IN, Languages

AGENT = "agent"
"""The built-in target that sends the caller to a person."""


class Expect(StrEnum):
    DIGITS = "digits"
    DATE = "date"
    POSTAL_CODE = "postal_code"
    PHONE = "phone"
    TEXT = "text"


class InputMode(StrEnum):
    KEYPAD = "keypad"
    SPEECH = "speech"


@dataclass(frozen=True)
class Retries:
    """How a step reprompts after silence or input it cannot use, and where it ends."""

    noinput: tuple[str, ...] | None = None
    nomatch: tuple[str, ...] | None = None
    then: str = AGENT
    line: int = 0

    def all_keys(self) -> tuple[str, ...]:
        return (self.noinput or ()) + (self.nomatch or ())


@dataclass(frozen=True)
class Option:
    key: str
    next: str | None = None
    language: str | None = None
    say: tuple[str, ...] = ()
    words: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Step:
    """What every step has; the kinds below add their own fields."""

    id: str
    flow: str
    line: int = 0
    path: str = ""
    note: str = ""

    kind: ClassVar[str] = ""
    interactive: ClassVar[bool] = False

    @property
    def qualified(self) -> str:
        return f"{self.flow}/{self.id}"

    def targets(self) -> list[tuple[str, str, int]]:
        """(label, target, line) for every place this step can go next."""
        return []

    def prompt_keys(self) -> list[tuple[str, int]]:
        return []


@dataclass(frozen=True)
class Question(Step):
    """A step that asks and listens (a menu or an ask): a prompt, a fuller help, its retries."""

    interactive: ClassVar[bool] = True
    prompt: tuple[str, ...] = ()
    help: str | None = None
    retries: Retries | None = None

    def answers(self) -> list[tuple[str, str, int]]:
        """Where each accepted answer goes; the retries' way out is added by targets()."""
        return []

    def answer_prompt_keys(self) -> list[tuple[str, int]]:
        return []

    def targets(self) -> list[tuple[str, str, int]]:
        found = self.answers()
        if self.retries:
            found.append(("retries", self.retries.then, self.retries.line))
        return found

    def prompt_keys(self) -> list[tuple[str, int]]:
        keys = [(k, self.line) for k in self.prompt]
        if self.help:
            keys.append((self.help, self.line))
        keys.extend(self.answer_prompt_keys())
        if self.retries:
            keys.extend((k, self.retries.line) for k in self.retries.all_keys())
        return keys


@dataclass(frozen=True)
class Menu(Question):
    kind: ClassVar[str] = "menu"
    options: tuple[Option, ...] = ()

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key), None)

    def answers(self) -> list[tuple[str, str, int]]:
        return [(o.key, o.next, o.line) for o in self.options if o.next]

    def answer_prompt_keys(self) -> list[tuple[str, int]]:
        keys: list[tuple[str, int]] = []
        for option in self.options:
            keys.extend((k, option.line) for k in option.say)
            if option.words:
                keys.append((option.words, option.line))
        return keys


@dataclass(frozen=True)
class Ask(Question):
    kind: ClassVar[str] = "ask"
    into: str = ""
    input: InputMode = InputMode.KEYPAD
    expect: Expect = Expect.DIGITS
    length: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    optional: bool = False
    sensitive: bool = False
    next: str | None = None

    def answers(self) -> list[tuple[str, str, int]]:
        return [("next", self.next, self.line)] if self.next else []

    @property
    def typed(self) -> bool:
        """The answer can be typed on the keypad (digits), not only said (a street, a postal code)."""
        return self.expect not in SPEECH_ONLY

    @property
    def num_digits(self) -> int | None:
        """Digits after which Twilio's <Gather> ends the entry by itself (its numDigits): a fixed
        length. An entry of varying length (min/max), or one that may be left empty, has none."""
        return self.length if self.length and not self.optional and self.typed else None

    def ends_with_end_key(self) -> bool:
        """True when the caller ends this entry with the end key (#): a typed entry with no fixed
        length. A fixed-length entry ends by itself at its last digit, so a # pressed after it
        arrives at the next question; a spoken answer ends with the caller's silence."""
        return self.input is InputMode.KEYPAD and self.typed and self.num_digits is None


SPEECH_ONLY = (Expect.TEXT, Expect.POSTAL_CODE)
"""Answers a keypad cannot type."""


@dataclass(frozen=True)
class Say(Step):
    kind: ClassVar[str] = "say"
    prompt: tuple[str, ...] = ()
    next: str | None = None

    def targets(self) -> list[tuple[str, str, int]]:
        return [("next", self.next, self.line)] if self.next else []

    def prompt_keys(self) -> list[tuple[str, int]]:
        return [(k, self.line) for k in self.prompt]


@dataclass(frozen=True)
class Action(Step):
    kind: ClassVar[str] = "action"
    name: str = ""
    say: tuple[str, ...] = ()
    outcomes: tuple[tuple[str, str, int], ...] = ()

    def next_for(self, outcome: str) -> str | None:
        for label, target, _ in self.outcomes:
            if label == outcome:
                return target
        return None

    def targets(self) -> list[tuple[str, str, int]]:
        return list(self.outcomes)

    def prompt_keys(self) -> list[tuple[str, int]]:
        return [(k, self.line) for k in self.say]


@dataclass(frozen=True)
class Branch(Step):
    kind: ClassVar[str] = "branch"
    variable: str = ""
    cases: tuple[tuple[str, str, int], ...] = ()
    otherwise: str | None = None

    def targets(self) -> list[tuple[str, str, int]]:
        found = list(self.cases)
        if self.otherwise:
            found.append(("otherwise", self.otherwise, self.line))
        return found


@dataclass(frozen=True)
class Transfer(Step):
    kind: ClassVar[str] = "transfer"
    reason: str = ""
    say: tuple[str, ...] = ()

    def prompt_keys(self) -> list[tuple[str, int]]:
        return [(k, self.line) for k in self.say]


@dataclass(frozen=True)
class Hangup(Step):
    kind: ClassVar[str] = "hangup"
    say: tuple[str, ...] = ()

    def prompt_keys(self) -> list[tuple[str, int]]:
        return [(k, self.line) for k in self.say]


@dataclass(frozen=True)
class Use(Step):
    kind: ClassVar[str] = "use"
    subflow: str = ""
    outcomes: tuple[tuple[str, str, int], ...] = ()

    def next_for(self, outcome: str) -> str | None:
        for label, target, _ in self.outcomes:
            if label == outcome:
                return target
        return None

    def targets(self) -> list[tuple[str, str, int]]:
        return list(self.outcomes)


@dataclass(frozen=True)
class Return(Step):
    kind: ClassVar[str] = "return"
    outcome: str = ""


STEP_KINDS: dict[str, type[Step]] = {
    cls.kind: cls for cls in (Menu, Ask, Say, Action, Branch, Transfer, Hangup, Use, Return)
}

_ALLOWED_KEYS: dict[str, set[str]] = {
    "menu": {"options", "help", "retries"},
    "ask": {
        "into", "input", "expect", "length", "min_length", "max_length", "optional",
        "sensitive", "next", "help", "retries",
    },
    "say": {"next"},
    "action": {"next", "say"},
    "branch": {"cases", "otherwise"},
    "transfer": {"say"},
    "hangup": set(),
    "use": {"next"},
    "return": set(),
}
_COMMON_KEYS = {"note"}
OPTION_KEYS = ("next", "language", "say", "words")
RETRIES_KEYS = ("noinput", "nomatch", "then")


def _a_setting_among_steps(step_id: str) -> str:
    """The hint for a 'step' named like a step's setting: a line indented as little as the steps (issue 12)."""
    if step_id not in _COMMON_KEYS.union(STEP_KINDS, *_ALLOWED_KEYS.values()):
        return ""
    return (f"'{step_id}' is a setting of a step, but it starts as far left as the steps: indent it as far as "
            "the settings of the step above it")


def allowed_keys(kind: str) -> set[str]:
    """The settings a step of this kind may have (the JSON Schema is built from these too)."""
    return _ALLOWED_KEYS[kind] | _COMMON_KEYS | {kind}


def case_label(value: Any) -> str:
    """How a branch names a value: YAML reads `yes`/`no` as booleans, and a caller's yes is "yes"."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@dataclass
class StepReader:
    """Reads one step's YAML block into a Step, collecting findings instead of stopping."""

    flow: str
    path: str
    findings: list[Finding] = field(default_factory=list)
    languages: Languages = BUILT_IN

    def problem(self, code: str, message: str, line: int, column: int = 0, hint: str = "") -> None:
        self.findings.append(Finding(code, message, self.path, line, column, hint=hint))

    def read(self, step_id: str, block: Any, line: int) -> Step | None:
        if not isinstance(block, dict):
            self.problem(
                "step-not-mapping",
                f"step '{step_id}' must be a block of settings",
                line,
                hint=_a_setting_among_steps(step_id) or "start it with one of: " + ", ".join(STEP_KINDS),
            )
            return None
        kinds = [k for k in block if k in STEP_KINDS]
        if len(kinds) == 2 and "say" in kinds:  # `say:` is also a setting of action and transfer steps
            other = next(k for k in kinds if k != "say")
            if "say" in _ALLOWED_KEYS[other]:
                kinds = [other]
        if len(kinds) != 1:
            if not kinds:
                unknown = [k for k in block if k not in _COMMON_KEYS]
                suggestion = did_you_mean(unknown[0], STEP_KINDS) if unknown else ""
                self.problem(
                    "step-kind-missing",
                    f"step '{step_id}' does not say what it does",
                    line,
                    hint=_a_setting_among_steps(step_id) or suggestion or "give it one of: " + ", ".join(STEP_KINDS),
                )
            else:
                self.problem(
                    "step-kind-twice",
                    f"step '{step_id}' has more than one kind ({', '.join(kinds)})",
                    line,
                    hint="split it into one step per kind, joined with 'next'",
                )
            return None
        kind = kinds[0]
        allowed = allowed_keys(kind)
        for key in block:
            if key not in allowed:
                key_line, key_col = _where(block, key, line)
                hint = did_you_mean(key, allowed) or "allowed here: " + ", ".join(sorted(allowed))
                self.problem(
                    "unknown-key",
                    f"step '{step_id}' ({kind}) has an unknown setting '{key}'",
                    key_line,
                    key_col,
                    hint=hint,
                )
        base = dict(id=step_id, flow=self.flow, line=line, path=self.path, note=str(block.get("note", "")))
        return getattr(self, f"_read_{kind}")(step_id, block, base)

    # -- the kinds -------------------------------------------------------------------------

    def _read_menu(self, step_id: str, block: dict, base: dict) -> Step:
        options: list[Option] = []
        raw = block.get("options")
        if not isinstance(raw, dict) or not raw:
            self.problem(
                "menu-without-options",
                f"menu '{step_id}' has no options",
                base["line"],
                hint="add 'options:' with at least one key, e.g. 1: {next: status}",
            )
            raw = {}
        for key, value in raw.items():
            key_text = str(key)
            key_line, _ = _where(raw, key, base["line"])
            options.append(self._read_option(step_id, key_text, value, key_line))
        return Menu(
            **base,
            prompt=self._prompts(block["menu"], base["line"], step_id),
            help=_opt_str(block.get("help")),
            options=tuple(options),
            retries=self._retries(block.get("retries"), _where(block, "retries", base["line"])[0]),
        )

    def _read_option(self, step_id: str, key: str, value: Any, line: int) -> Option:
        if isinstance(value, str):
            return Option(key=key, next=value, line=line)
        if not isinstance(value, dict):
            self.problem(
                "option-not-mapping",
                f"option {key} of menu '{step_id}' must say where it goes",
                line,
                hint="write it as {key}: {{next: step_name}}".replace("{key}", key),
            )
            return Option(key=key, line=line)
        allowed = set(OPTION_KEYS)
        for unknown in set(value) - allowed:
            self.problem(
                "unknown-key",
                f"option {key} of menu '{step_id}' has an unknown setting '{unknown}'",
                _where(value, unknown, line)[0],
                hint=did_you_mean(unknown, allowed) or "allowed here: " + ", ".join(sorted(allowed)),
            )
        language = value.get("language")
        if language is not None and language not in self.languages:
            self.problem(
                "bad-language",
                f"option {key} of menu '{step_id}' sets language '{language}', which this line does not serve",
                line,
                hint=did_you_mean(str(language), self.languages.codes)
                or f"use one of {', '.join(self.languages.codes)}, or declare it in flows/languages.yaml",
            )
            language = None
        if not value.get("next"):
            self.problem(
                "option-without-next",
                f"option {key} of menu '{step_id}' does not say where it goes",
                line,
                hint="add next: with a step name, a flow name or 'agent'",
            )
        return Option(
            key=key,
            next=_opt_str(value.get("next")),
            language=language,
            say=self._prompts(value.get("say"), line, step_id, required=False),
            words=_opt_str(value.get("words")),
            line=line,
        )

    def _read_ask(self, step_id: str, block: dict, base: dict) -> Step:
        line = base["line"]
        into = block.get("into")
        if not into:
            self.problem(
                "ask-without-into",
                f"ask '{step_id}' does not say where to keep the answer",
                line,
                hint="add into: with a short name, e.g. into: client_number",
            )
        input_mode = self._enum(InputMode, block.get("input", "keypad"), "input", step_id, block, line)
        expect = self._enum(Expect, block.get("expect", "digits"), "expect", step_id, block, line)
        lengths = {}
        for name in ("length", "min_length", "max_length"):
            if name in block:
                value = block[name]
                if not str(value).isdigit() or int(value) <= 0:
                    self.problem(
                        "bad-length",
                        f"ask '{step_id}' has {name}: {value}",
                        _where(block, name, line)[0],
                        hint="use a whole number of digits, e.g. 9",
                    )
                else:
                    lengths[name] = int(value)
        return Ask(
            **base,
            prompt=self._prompts(block["ask"], line, step_id),
            help=_opt_str(block.get("help")),
            into=str(into or ""),
            input=input_mode or InputMode.KEYPAD,
            expect=expect or Expect.DIGITS,
            optional=bool(block.get("optional", False)),
            sensitive=bool(block.get("sensitive", False)),
            next=self._next_single(block, step_id, line),
            retries=self._retries(block.get("retries"), _where(block, "retries", line)[0]),
            **lengths,
        )

    def _read_say(self, step_id: str, block: dict, base: dict) -> Step:
        return Say(
            **base,
            prompt=self._prompts(block["say"], base["line"], step_id),
            next=self._next_single(block, step_id, base["line"]),
        )

    def _read_action(self, step_id: str, block: dict, base: dict) -> Step:
        name = block.get("action")
        if not isinstance(name, str) or not name:
            self.problem(
                "action-without-name",
                f"action step '{step_id}' does not name its action",
                base["line"],
                hint="write action: status.lookup (a name from the list of backend actions)",
            )
        return Action(
            **base,
            name=str(name or ""),
            say=self._prompts(block.get("say"), base["line"], step_id, required=False),
            outcomes=self._outcomes(block, step_id, base["line"]),
        )

    def _read_branch(self, step_id: str, block: dict, base: dict) -> Step:
        cases_raw = block.get("cases") or {}
        cases = []
        if not isinstance(cases_raw, dict):
            self.problem(
                "branch-cases",
                f"branch '{step_id}' has cases that are not a list of 'value: step'",
                base["line"],
                hint="write cases: {approved: read_approved, refused: read_refused}",
            )
            cases_raw = {}
        for value, target in cases_raw.items():
            cases.append((case_label(value), str(target), _where(cases_raw, value, base["line"])[0]))
        if not cases and not block.get("otherwise"):
            self.problem(
                "branch-cases",
                f"branch '{step_id}' has no cases",
                base["line"],
                hint="add cases: and otherwise:",
            )
        return Branch(
            **base,
            variable=str(block.get("branch") or ""),
            cases=tuple(cases),
            otherwise=_opt_str(block.get("otherwise")),
        )

    def _read_transfer(self, step_id: str, block: dict, base: dict) -> Step:
        return Transfer(
            **base,
            reason=str(block.get("transfer") or "asked_for_agent"),
            say=self._prompts(block.get("say"), base["line"], step_id, required=False),
        )

    def _read_hangup(self, step_id: str, block: dict, base: dict) -> Step:
        return Hangup(**base, say=self._prompts(block.get("hangup"), base["line"], step_id, required=False))

    def _read_use(self, step_id: str, block: dict, base: dict) -> Step:
        return Use(
            **base,
            subflow=str(block.get("use") or ""),
            outcomes=self._outcomes(block, step_id, base["line"]),
        )

    def _read_return(self, step_id: str, block: dict, base: dict) -> Step:
        return Return(**base, outcome=str(block.get("return") or ""))

    # -- shared pieces -----------------------------------------------------------------------

    def _prompts(self, value: Any, line: int, step_id: str, required: bool = True) -> tuple[str, ...]:
        if value is None or value == "":
            if required:
                self.problem(
                    "missing-prompt",
                    f"step '{step_id}' has no prompt",
                    line,
                    hint="name a prompt key from prompts/fr and prompts/en, e.g. main.menu",
                )
            return ()
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        self.problem(
            "bad-prompt",
            f"step '{step_id}' names its prompts in a way that cannot be read",
            line,
            hint="write one prompt key, or a list of keys in [brackets]",
        )
        return ()

    def _next_single(self, block: dict, step_id: str, line: int) -> str | None:
        value = block.get("next")
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(
                "bad-next",
                f"step '{step_id}' has a 'next' that is not a step name",
                _where(block, "next", line)[0],
                hint="write next: with one step name, a flow name or 'agent'",
            )
            return None
        return value

    def _outcomes(self, block: dict, step_id: str, line: int) -> tuple[tuple[str, str, int], ...]:
        value = block.get("next")
        if isinstance(value, str):
            return (("*", value, _where(block, "next", line)[0]),)
        if not isinstance(value, dict) or not value:
            self.problem(
                "outcomes-missing",
                f"step '{step_id}' does not say where each result goes",
                line,
                hint="write next: {ok: step_name, error: agent}",
            )
            return ()
        return tuple((str(k), str(v), _where(value, k, line)[0]) for k, v in value.items())

    def _retries(self, value: Any, line: int) -> Retries | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem(
                "bad-retries",
                "retries must be a block with noinput, nomatch and then",
                line,
                hint="write retries: {noinput: [common.noinput_1], nomatch: [common.nomatch_1], then: agent}",
            )
            return None
        allowed = set(RETRIES_KEYS)
        for unknown in set(value) - allowed:
            self.problem(
                "unknown-key",
                f"retries has an unknown setting '{unknown}'",
                _where(value, unknown, line)[0],
                hint=did_you_mean(unknown, allowed) or "allowed here: noinput, nomatch, then",
            )

        def keys(name: str) -> tuple[str, ...] | None:
            if name not in value:
                return None
            raw = value.get(name)
            if isinstance(raw, str):
                return (raw,)
            return tuple(str(k) for k in raw or [])

        return Retries(
            noinput=keys("noinput"),
            nomatch=keys("nomatch"),
            then=str(value.get("then") or AGENT),
            line=line,
        )

    def _enum(self, enum: type[StrEnum], value: Any, name: str, step_id: str, block: dict, line: int):
        try:
            return enum(str(value))
        except ValueError:
            choices = [e.value for e in enum]
            self.problem(
                f"bad-{name}",
                f"ask '{step_id}' has {name}: {value}",
                _where(block, name, line)[0],
                hint=did_you_mean(value, choices) or "use one of: " + ", ".join(choices),
            )
            return None


def _where(block: Any, key: Any, default: int) -> tuple[int, int]:
    where = getattr(block, "where", None)
    if where is None:
        return (default, 0)
    return where(key)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)
