"""The scenario file format: what a caller does and what must happen, one line each.

```yaml
scenarios:
  - name: Jeanne hears her approved pension, in French
    caller: "+15145550142"          # caller ID (optional)
    at: 2026-11-23 10:00            # the call's date and time, local (optional)
    call:
      - hear: main.language         # a prompt key, or words the caller must hear
      - press: 1
      - press: 1
      - press: 100200300
      - press: 19480517
      - hear: [status.approved, "1 234,56 $"]
      - reach: status/after_status  # the step the call is at now
      - press: 0
      - transfer: {queue: agents-fr, reason: asked_for_agent, verified: yes}
```

Every value is read as text (``press: 0123`` stays ``0123``), and every line keeps its
number, so a failing scenario points at the line that failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from ivr.calls.console import ConsoleStart
from ivr.engine.findings import Finding, did_you_mean
from ivr.engine.languages import BUILT_IN, Languages, read_languages
from ivr.engine.yamlsource import Located, LocatedList, YamlProblem, load_text

ACTIONS = ("press", "type", "say", "silence")
"""What the caller does: `press` sends its keys as one entry; `type` sends them as Twilio's <Gather>
cuts them (at numDigits or finishOnKey), the rest reaching the next question."""
EXPECTATIONS = ("hear", "not_hear", "reach", "transfer", "hangup", "stored")
"""What must have happened after the caller's last move."""
VERBS = ACTIONS + EXPECTATIONS
BARE_VERBS = ("silence", "transfer", "hangup")
"""Verbs that can be written alone on their line: `- silence`."""

SCENARIO_KEYS = ("name", "caller", "at", "start", "language", "client", "values", "unavailable", "earlier", "call",
                 "note")
FILE_KEYS = ("scenarios", "caller", "at", "timezone", "note")
TRANSFER_KEYS = ("queue", "reason", "verified", "client", "values")
STORED_KINDS = {"address_change": "address", "phone_change": "phone"}

DEFAULT_CALLER = "+15145550142"
DEFAULT_AT = "2026-11-23 10:00"
DEFAULT_TIMEZONE = "America/Toronto"
YES = ("yes", "true", "oui", "vrai", "on")
NO = ("no", "false", "non", "faux", "off")


@dataclass(frozen=True)
class Move:
    """One line of a scenario's call: a caller action or an expectation."""

    verb: str
    value: Any
    line: int

    @property
    def is_action(self) -> bool:
        return self.verb in ACTIONS

    def describe(self) -> str:
        if self.verb == "silence":
            return "stayed silent"
        if self.verb == "press":
            return f"pressed {self.value}"
        if self.verb == "type":
            return f"typed {self.value}"
        if self.verb == "say":
            return f"said \"{self.value}\""
        return self.verb


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    line: int
    caller: str
    at: datetime
    start: ConsoleStart | None
    unavailable: tuple[str, ...]
    call: tuple[Move, ...]
    earlier: tuple[tuple[Move, ...], ...] = ()
    """Calls the same caller made just before, played first (e.g. failed verifications)."""


@dataclass
class ScenarioFile:
    path: str
    scenarios: list[Scenario] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)


def read_scenarios(path: Path | str, flows_dir: Path | str | None = None) -> ScenarioFile:
    """Read one scenario file; problems come back as file:line findings, never exceptions."""
    path = Path(path)
    where = str(path)
    result = ScenarioFile(where)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        result.problems.append(Finding("scenario-file", f"this file cannot be read ({type(error).__name__})", where,
                                       hint="save it as UTF-8 text"))
        return result
    try:
        data = load_text(text, where, as_text=True)
    except YamlProblem as problem:
        result.problems.append(problem.finding())
        return result
    reader = _Reader(where, result.problems, _timezone(flows_dir),
                     read_languages(flows_dir) if flows_dir is not None else BUILT_IN)
    if not isinstance(data, Located) or not isinstance(data.get("scenarios"), LocatedList):
        reader.problem(1, "this file has no list of scenarios",
                       "start it with 'scenarios:' and a list of '- name: ...' entries")
        return result
    reader.unknown_keys(data, FILE_KEYS, "at the top of the file")
    defaults = {key: data.get(key) for key in ("caller", "at")}
    if data.get("timezone"):
        reader.zone = reader.read_zone(data.get("timezone"), data.where("timezone")[0])
    names: dict[str, int] = {}
    for item, (line, _) in zip(data["scenarios"], data["scenarios"].item_lines):
        scenario = reader.scenario(item, line, defaults)
        if scenario is None:
            continue
        if scenario.name in names:
            reader.problem(line, f"two scenarios are called '{scenario.name}' (also line {names[scenario.name]})",
                           "give each scenario its own name")
            continue
        names[scenario.name] = line
        result.scenarios.append(scenario)
    return result


def _timezone(flows_dir: Path | str | None) -> ZoneInfo:
    """The agency's timezone, from hours.yaml when there is one, for `at:` times."""
    name = DEFAULT_TIMEZONE
    if flows_dir is not None:
        hours = Path(flows_dir) / "hours.yaml"
        try:
            name = str((yaml.safe_load(hours.read_text(encoding="utf-8")) or {}).get("timezone") or name)
        except (OSError, yaml.YAMLError, AttributeError):
            pass
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


class _Reader:
    def __init__(self, path: str, problems: list[Finding], zone: ZoneInfo, languages: Languages = BUILT_IN):
        self.languages = languages
        self.path = path
        self.problems = problems
        self.zone = zone

    def problem(self, line: int, message: str, hint: str = "", code: str = "scenario") -> None:
        self.problems.append(Finding(code, message, self.path, line, hint=hint))

    def unknown_keys(self, block: Located, allowed: tuple[str, ...], where: str) -> bool:
        clean = True
        for key in block:
            if key not in allowed:
                clean = False
                self.problem(block.where(key)[0], f"unknown setting '{key}' {where}",
                             did_you_mean(key, allowed) or "allowed: " + ", ".join(allowed))
        return clean

    def read_zone(self, value: Any, line: int) -> ZoneInfo:
        try:
            return ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            self.problem(line, f"'{value}' is not a timezone", "write one like America/Toronto")
            return self.zone

    def scenario(self, item: Any, line: int, defaults: dict[str, Any]) -> Scenario | None:
        if not isinstance(item, Located):
            self.problem(line, "a scenario must be a block starting with 'name:'",
                         "write '- name: what this call checks' then 'call:' with its lines")
            return None
        self.unknown_keys(item, SCENARIO_KEYS, "in a scenario")
        name = str(item.get("name") or "").strip()
        if not name:
            self.problem(line, "this scenario has no name", "add 'name:' saying what the call checks")
            return None
        moves_raw = item.get("call")
        if not isinstance(moves_raw, LocatedList) or not moves_raw:
            self.problem(line, f"scenario '{name}' has no 'call:' list",
                         "add 'call:' with lines like '- press: 1' and '- hear: main.menu'")
            return None
        moves = [self.move(raw, move_line) for raw, (move_line, _) in zip(moves_raw, moves_raw.item_lines)]
        if any(m is None for m in moves):
            return None
        caller = str(item.get("caller") or defaults.get("caller") or DEFAULT_CALLER)
        at = self.when(item.get("at") or defaults.get("at") or DEFAULT_AT,
                       item.where("at")[0] if "at" in item else line)
        start = self.start(item, line)
        unavailable = item.get("unavailable") or []
        if isinstance(unavailable, str):
            unavailable = [unavailable]
        earlier = self.earlier(item, name, line)
        if earlier is None:
            return None
        return Scenario(name, self.path, line, caller, at, start, tuple(str(a) for a in unavailable),
                        tuple(m for m in moves if m is not None), earlier)

    def earlier(self, item: Located, name: str, line: int) -> tuple[tuple[Move, ...], ...] | None:
        raw = item.get("earlier")
        if raw is None:
            return ()
        if not isinstance(raw, LocatedList) or not all(isinstance(c, LocatedList) and c for c in raw):
            self.problem(item.where("earlier")[0], f"scenario '{name}' has an 'earlier:' that is not a list of calls",
                         "write 'earlier:' then one '- [press: 1, press: 1, ...]' list per earlier call")
            return None
        calls = []
        for call in raw:
            moves = [self.move(m, move_line) for m, (move_line, _) in zip(call, call.item_lines)]
            if any(m is None for m in moves):
                return None
            calls.append(tuple(moves))
        return tuple(calls)

    def when(self, value: Any, line: int) -> datetime:
        text = str(value).strip().replace("T", " ")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            self.problem(line, f"'{value}' is not a date and time", "write it like 2026-11-23 10:00")
            moment = datetime.fromisoformat(DEFAULT_AT)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        return moment.astimezone(timezone.utc)

    def start(self, item: Located, line: int) -> ConsoleStart | None:
        at = item.get("start")
        language = item.get("language")
        client = item.get("client")
        values = item.get("values") or {}
        if language is not None and str(language) not in self.languages:
            codes = " or ".join(self.languages.codes)
            self.problem(item.where("language")[0], f"language '{language}' is not {codes}", f"write {codes}")
            language = None
        if not isinstance(values, dict):
            self.problem(item.where("values")[0], "values must be a block of 'name: value'",
                         "write values: {postal_code: H2X3K8}")
            values = {}
        if not (at or language or client or values):
            return None
        return ConsoleStart(at=str(at) if at else None, language=str(language) if language else None,
                            client_number=str(client) if client else None,
                            values={str(k): v for k, v in values.items()})

    def move(self, raw: Any, line: int) -> Move | None:
        if isinstance(raw, str):
            verb = raw.strip()
            if verb in BARE_VERBS:
                return Move(verb, "1" if verb == "silence" else {}, line)
            self.problem(line, f"'{verb}' is not something a scenario can do",
                         did_you_mean(verb, VERBS) or "write a line like '- press: 1' or '- hear: main.menu'")
            return None
        if not isinstance(raw, Located) or len(raw) != 1:
            self.problem(line, "each line of a call does one thing",
                         "write one of: " + ", ".join(f"'{v}:'" for v in VERBS))
            return None
        verb, value = next(iter(raw.items()))
        verb = str(verb)
        if verb not in VERBS:
            self.problem(line, f"'{verb}' is not something a scenario can do",
                         did_you_mean(verb, VERBS) or "use one of: " + ", ".join(VERBS))
            return None
        return getattr(self, f"_check_{verb}")(value, line)

    # -- each verb's value --------------------------------------------------------------------

    def _check_press(self, value: Any, line: int) -> Move | None:
        keys = "" if value is None else str(value).strip()
        if not keys or any(ch not in "0123456789*#" for ch in keys):
            self.problem(line, f"press: '{value}' is not keypad keys", "write digits, * or #, e.g. press: 1")
            return None
        return Move("press", keys, line)

    def _check_type(self, value: Any, line: int) -> Move | None:
        move = self._check_press(value, line)
        return Move("type", move.value, line) if move else None

    def _check_say(self, value: Any, line: int) -> Move | None:
        if value is None or not str(value).strip():
            self.problem(line, "say: needs the words the caller says", "write e.g. say: status")
            return None
        return Move("say", str(value).strip(), line)

    def _check_silence(self, value: Any, line: int) -> Move | None:
        times = "1" if value is None else str(value)
        if not times.isdigit() or not 1 <= int(times) <= 10:
            self.problem(line, f"silence: {value} is not a number of times", "write silence: 2, or just '- silence'")
            return None
        return Move("silence", times, line)

    def _words(self, verb: str, value: Any, line: int) -> Move | None:
        items = value if isinstance(value, list) else [value]
        if not items or any(i is None or isinstance(i, (dict, list)) or not str(i).strip() for i in items):
            self.problem(line, f"{verb}: needs a prompt key or words",
                         f"write {verb}: main.menu, or {verb}: \"some words\", or a list in [brackets]")
            return None
        return Move(verb, tuple(str(i).strip() for i in items), line)

    def _check_hear(self, value: Any, line: int) -> Move | None:
        return self._words("hear", value, line)

    def _check_not_hear(self, value: Any, line: int) -> Move | None:
        return self._words("not_hear", value, line)

    def _check_reach(self, value: Any, line: int) -> Move | None:
        if not isinstance(value, str) or not value.strip():
            self.problem(line, "reach: needs a step", "write reach: status/after_status")
            return None
        return Move("reach", value.strip(), line)

    def _check_hangup(self, value: Any, line: int) -> Move | None:
        if value is not None and str(value).lower() not in YES and value != {}:
            self.problem(line, f"hangup: {value} — only 'hangup: yes' can be checked",
                         "to check the call goes on, use reach: or hear:")
            return None
        return Move("hangup", {}, line)

    def _check_transfer(self, value: Any, line: int) -> Move | None:
        if value is None or value == {} or (isinstance(value, str) and value.lower() in YES):
            return Move("transfer", {}, line)
        if isinstance(value, str):
            return Move("transfer", {"queue": value}, line)
        if not isinstance(value, Located):
            self.problem(line, "transfer: must be yes or a block like {queue: agents-fr, reason: asked_for_agent}")
            return None
        if not self.unknown_keys(value, TRANSFER_KEYS, "in transfer:"):
            return None
        expected = dict(value)
        if "verified" in expected:
            flag = str(expected["verified"]).lower()
            if flag not in YES + NO:
                self.problem(value.where("verified")[0], f"verified: {expected['verified']} is not yes or no")
                return None
            expected["verified"] = flag in YES
        if "values" in expected and not isinstance(expected["values"], dict):
            self.problem(value.where("values")[0], "values: must be a block of 'name: value'")
            return None
        return Move("transfer", expected, line)

    def _check_stored(self, value: Any, line: int) -> Move | None:
        if not isinstance(value, Located) or not value:
            self.problem(line, "stored: must say what was stored",
                         "write stored: {address_change: {postal_code: H2X 3K8}} or {phone_change: none}")
            return None
        expected: dict[str, Any] = {}
        for kind, fields in value.items():
            kind_line = value.where(kind)[0]
            if kind not in STORED_KINDS:
                self.problem(kind_line, f"'{kind}' is not something a call stores",
                             did_you_mean(kind, STORED_KINDS) or "use one of: " + ", ".join(STORED_KINDS))
                return None
            if isinstance(fields, str) and fields.lower() in ("none", "nothing", "no", "aucun"):
                expected[kind] = None
            elif fields is None or isinstance(fields, dict):
                expected[kind] = dict(fields or {})
            else:
                self.problem(kind_line, f"{kind}: must be 'none' or a block of values")
                return None
        return Move("stored", expected, line)
