"""A set of flows, the global block that applies to every prompt, and their loading.

The set is read once, checked, and then shared read-only by every call; a change on disk
makes a new set (see ``ivr.content.flowstore``), never a change to this one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ivr.engine.findings import UNREADABLE, Finding, did_you_mean, in_order
from ivr.engine.glossary import NO_GLOSSARY, Glossary, load_glossary
from ivr.engine.phones import DEFAULT_REGIONS, unknown_regions
from ivr.engine.languages import BUILT_IN, FILE_NAME as LANGUAGES_FILE, Languages, read_languages, without_desktop_words
from ivr.engine.prompts import Prompts, load_prompts
from ivr.engine.steps import AGENT, Ask, Expect, InputMode, Retries, Step, StepReader
from ivr.engine.texts import TextPath, as_path
from ivr.engine.understand import Vocabulary, month_names
from ivr.engine.verification import VerificationPolicy, default_policy, read_verification
from ivr.engine.yamlsource import YamlProblem, load_file

SPECIAL_FILES = {"costs.yaml", "global.yaml", "hours.yaml", LANGUAGES_FILE, "schema.json", "verification.yaml"}
FLOW_KEYS = ("flow", "description", "start", "steps")
GLOBAL_KEYS = ("agent", "repeat", "end_key", "speech", "timeouts", "retries", "transfer_prompt", "fault_prompt",
               "phone_numbers")
SPEECH_KEYS = ("key_names", "fillers", "hesitations", "lead_ins", "numbers")
KEYPAD = "0123456789*#"


@dataclass(frozen=True)
class Timeouts:
    menu: int = 6
    keypad: int = 8
    speech: int = 5
    patient: int = 20


@dataclass(frozen=True)
class SpeechWords:
    """Where the words that are not the answer itself are (prompt keys; None: none are known).

    `key_names` is a prompts file ("keys": prompts/<lang>/keys.yaml) with how each key is said;
    `numbers` is a prompts file ("numbers": prompts/<lang>/numbers.yaml) whose keys are numbers ("17",
    "1000") with how each is said in words, and `ordinal_endings` ("er", "th"); the others are lists
    of words in a prompts file, e.g. "common.fillers".
    """

    key_names: str | None = None
    fillers: str | None = None
    hesitations: str | None = None
    lead_ins: str | None = None
    numbers: str | None = None

    def prompt_keys(self) -> list[str]:
        keys = [key for key in (self.fillers, self.hesitations, self.lead_ins) if key]
        if self.key_names:
            keys += [self.key_name(key) for key in KEYPAD]
        if self.numbers:
            keys.append(self.ordinal_endings)
        return keys

    @property
    def ordinal_endings(self) -> str:
        """The prompt key of what follows a numeral to make it an ordinal ("1er", "17th")."""
        return f"{self.numbers}.ordinal_endings"

    def number_words(self, keys: Iterable[str]) -> dict[str, int]:
        """{prompt key: value} of the number words among `keys`: numbers.17 -> 17 (every key of the
        numbers file named by a number; a language lists only the numbers it has words for)."""
        prefix = f"{self.numbers}." if self.numbers else None
        return {key: int(key[len(prefix):]) for key in keys
                if prefix and key.startswith(prefix) and key[len(prefix):].isdigit()}

    def key_name(self, key: str) -> str:
        """The prompt key of the words for one keypad key: keys.0, keys.*, keys.#."""
        return f"{self.key_names}.{key}"


@dataclass(frozen=True)
class GlobalSettings:
    """What every prompt of every flow does alike: the agent key, repeat, retries, time-outs."""

    agent_key: str = "0"
    agent_words: str = "common.agent_words"
    repeat_key: str = "*"
    repeat_words: str = "common.repeat_words"
    end_key: str = "#"
    speech: SpeechWords = SpeechWords()
    timeouts: Timeouts = Timeouts()
    menu_retries: Retries = Retries(
        noinput=("common.noinput_1", "common.noinput_2"),
        nomatch=("common.nomatch_1", "common.nomatch_2"),
    )
    keypad_retries: Retries = Retries(
        noinput=("common.take_your_time", "common.noinput_2"),
        nomatch=("common.nomatch_1", "common.nomatch_2"),
    )
    speech_retries: Retries = Retries(
        noinput=("common.noinput_1",),
        nomatch=("common.speech_nomatch_1",),
    )
    transfer_prompt: str = "common.transferring"
    fault_prompt: str = "common.fault"
    phone_regions: tuple[str, ...] = DEFAULT_REGIONS  # whose numbers the line calls (ivr/engine/phones.py)
    phone_length_prompt: str = "common.phone_length"
    """Said instead of a phone question's nomatch prompt when the number typed has too few or too many
    digits (phones.Refusal.LENGTH): an incomplete entry is not a refused region or type."""
    none_words: str = "common.none_words"
    """Words that answer an optional question with nothing ("aucun", "no apartment"), like the end key."""
    path: str = ""

    def retries_for(self, step: Step) -> Retries:
        own = getattr(step, "retries", None)
        if isinstance(step, Ask):
            default = self.speech_retries if step.input is InputMode.SPEECH else self.keypad_retries
        else:
            default = self.menu_retries
        if own is None:
            return default
        return Retries(
            noinput=own.noinput if own.noinput is not None else default.noinput,
            nomatch=own.nomatch if own.nomatch is not None else default.nomatch,
            then=own.then,
            line=own.line,
        )

    def keyword_keys(self) -> list[str]:
        """Prompt keys listened for, never said: lists of keywords."""
        return [self.agent_words, self.repeat_words, *self.speech.prompt_keys()]

    def said_at(self, step: Step) -> list[str]:
        """Prompts the engine may say at this step besides the step's own: the phone-length sentence
        at a phone question. A line with no such question needs no words for it."""
        return [self.phone_length_prompt] if isinstance(step, Ask) and step.expect is Expect.PHONE else []

    def listened_at(self, step: Step) -> list[str]:
        """Keyword lists listened for at this step besides the global ones: "none" at an optional ask."""
        return [self.none_words] if isinstance(step, Ask) and step.optional else []

    def prompt_keys(self) -> list[str]:
        keys = [*self.keyword_keys(), self.transfer_prompt, self.fault_prompt]
        for retries in (self.menu_retries, self.keypad_retries, self.speech_retries):
            keys.extend(retries.all_keys())
        return keys


@dataclass(frozen=True)
class Flow:
    name: str
    start: str
    steps: dict[str, Step]
    path: str = ""
    description: str = ""  # as written, or in the first language of a {fr: …, en: …} description
    line: int = 1
    descriptions: dict[str, str] = field(default_factory=dict)  # language -> words, when written per language
    unread: frozenset[str] = frozenset()
    """Steps written in the file that could not be read (a format finding says why): they exist, broken."""

    def description_in(self, language: str) -> str:
        """What the flow is for, in this language when the file says it in this language."""
        return self.descriptions.get(language) or self.description


@dataclass
class FlowSet:
    """Everything the engine needs to run calls: flows, prompts, the global block."""

    flows: dict[str, Flow]
    prompts: Prompts
    settings: GlobalSettings = field(default_factory=GlobalSettings)
    entry: str = "main"
    version: str = ""
    warnings: list[Finding] = field(default_factory=list)
    verification: VerificationPolicy = field(default_factory=default_policy)
    languages: Languages = BUILT_IN  # flows/languages.yaml (ivr.engine.languages)
    glossary: Glossary = NO_GLOSSARY  # prompts/glossary.yaml: one term per concept (ivr.engine.glossary)
    _vocabularies: dict[tuple[str, ...], Vocabulary] = field(default_factory=dict, repr=False, compare=False)

    def step(self, qualified: str) -> Step:
        flow_name, _, step_id = qualified.partition("/")
        return self.flows[flow_name].steps[step_id]

    def resolve(self, target: str, current_flow: str) -> str:
        """Turn a target as written in a flow into 'flow/step' (or 'agent')."""
        if target == AGENT:
            return AGENT
        if "/" in target:
            return target
        if target in self.flows[current_flow].steps:
            return f"{current_flow}/{target}"
        if target in self.flows:
            return f"{target}/{self.flows[target].start}"
        raise KeyError(target)

    def start(self) -> str:
        flow = self.flows[self.entry]
        return f"{flow.name}/{flow.start}"

    def vocabulary(self, languages: tuple[str, ...]) -> Vocabulary:
        """The names of keys, fillers, hesitations, lead-ins and numbers of these languages (global.yaml's
        `speech:`) and the month names of their locales (babel's CLDR data), read once per set of languages."""
        found = self._vocabularies.get(languages)
        if found is None:
            words = self.settings.speech

            def listed(key: str | None) -> list[str]:
                return [w for language in languages for w in self.prompts.words(key, language)] if key else []

            names = {key: listed(words.key_name(key)) for key in KEYPAD} if words.key_names else {}
            numbers: dict[int, list[str]] = {}
            for language in languages:
                for key, value in words.number_words(self.prompts.keys(language)).items():
                    numbers.setdefault(value, []).extend(self.prompts.words(key, language))
            found = Vocabulary.of(names, listed(words.fillers), listed(words.hesitations), listed(words.lead_ins),
                                  numbers=numbers,
                                  ordinal_endings=listed(words.ordinal_endings) if words.numbers else (),
                                  months=month_names(self.languages.get(code).locale for code in languages
                                                     if code in self.languages))
            self._vocabularies[languages] = found
        return found


def read_flows(
    flows_dir: Path | str | TextPath, prompts_dir: Path | str | TextPath, entry: str = "main",
    desktop_languages: Collection[str] | None = None,
) -> tuple[FlowSet | None, list[Finding]]:
    """Read flows and prompts and apply the format rules: (the flow set, or None when it cannot be built,
    and the findings so far). The rules that need the whole set are ivr.engine.lint's; ivr.engine.loader
    runs both."""
    flows_dir = as_path(flows_dir)
    findings: list[Finding] = []
    digest = hashlib.sha256()
    flows: dict[str, Flow] = {}
    settings = GlobalSettings()
    verification = default_policy()
    if not flows_dir.is_dir():
        return None, [
            Finding("flows-folder-missing", f"there is no flows folder at {flows_dir}", str(flows_dir),
                    hint="set IVR_FLOWS_DIR to the folder that holds your flows")
        ]
    languages = read_languages(flows_dir, findings)  # first: options and descriptions name its codes
    if desktop_languages is not None:
        findings.extend(without_desktop_words(languages, desktop_languages))
    for path in sorted(flows_dir.glob("*.yaml")):
        digest.update(path.name.encode() + path.read_bytes())
        if path.name in SPECIAL_FILES:
            if path.name == "global.yaml":
                settings = _read_global(path, findings)
            elif path.name == "verification.yaml":
                verification = read_verification(path, findings)
            continue
        flow = _read_flow(path, findings, languages)
        if flow is None:
            continue
        if flow.name in flows:
            findings.append(
                Finding("flow-twice", f"flow '{flow.name}' is also defined in {flows[flow.name].path}",
                        str(path), flow.line, hint="give each flow its own name")
            )
            continue
        flows[flow.name] = flow
    prompts, prompt_findings = load_prompts(prompts_dir, languages)
    findings.extend(prompt_findings)
    prompts_root = as_path(prompts_dir)
    for path in sorted(prompts_root.glob("*/*.yaml")):
        digest.update(str(path.relative_to(prompts_root)).encode() + path.read_bytes())
    glossary = load_glossary(prompts_root, languages)  # guides the linter only: not part of what callers hear, nor of the version
    if any(f.code == UNREADABLE for f in findings):
        # What the unreadable file holds is unknown: its flow, its prompts, its settings. Any rule
        # run now would report what follows from that (a missing 'main', missing prompts), not news.
        return None, in_order(findings)
    if entry not in flows:
        findings.append(
            Finding("entry-missing", f"there is no flow named '{entry}' to answer calls with", str(flows_dir),
                    hint=did_you_mean(entry, flows) or f"create {flows_dir}/{entry}.yaml with 'flow: {entry}'")
        )
        return None, findings
    flowset = FlowSet(flows=flows, prompts=prompts, settings=settings, entry=entry,
                      version=digest.hexdigest()[:12], verification=verification, glossary=glossary,
                      languages=languages)
    return flowset, findings


def _read_flow(path: Path, findings: list[Finding], languages: Languages = BUILT_IN) -> Flow | None:
    try:
        data = load_file(path)
    except YamlProblem as problem:
        findings.append(problem.finding())
        return None
    where = str(path)
    if not isinstance(data, dict) or "flow" not in data:
        findings.append(
            Finding("not-a-flow", "this file does not start with 'flow: <name>'", where, 1,
                    hint="add a first line like 'flow: status', or move the file out of the flows folder")
        )
        return None
    allowed = set(FLOW_KEYS)
    for key in data:
        if key not in allowed:
            line, column = data.where(key)
            findings.append(
                Finding("unknown-key", f"unknown setting '{key}' at the top of the flow", where, line, column,
                        hint=did_you_mean(key, allowed) or "allowed: " + ", ".join(sorted(allowed)))
            )
    name = str(data["flow"])
    steps_raw = data.get("steps")
    if not isinstance(steps_raw, dict) or not steps_raw:
        findings.append(
            Finding("no-steps", f"flow '{name}' has no steps", where, data.where("flow")[0],
                    hint="add 'steps:' with at least one step")
        )
        return None
    reader = StepReader(flow=name, path=where, languages=languages)
    steps: dict[str, Step] = {}
    unread: set[str] = set()
    for step_id, block in steps_raw.items():
        line, _ = steps_raw.where(step_id)
        step_id = str(step_id)
        if step_id == AGENT:
            findings.append(
                Finding("reserved-name", "a step cannot be called 'agent'", where, line,
                        hint="'agent' already means 'send the caller to a person'; rename the step")
            )
            continue
        step = reader.read(step_id, block, line)
        if step is not None:
            steps[step_id] = step
        else:
            unread.add(step_id)
    findings.extend(reader.findings)
    start = str(data.get("start") or next(iter(steps_raw)))
    if start not in steps and start not in unread:  # a step that could not be read has its own finding
        line, column = data.where("start")
        findings.append(
            Finding("start-missing", f"flow '{name}' starts at '{start}', which is not one of its steps",
                    where, line, column, hint=did_you_mean(start, steps) or "name one of the steps below")
        )
    description, descriptions = _read_description(data, where, findings, languages.codes)
    return Flow(name=name, start=start, steps=steps, path=where, description=description,
                line=data.where("flow")[0], descriptions=descriptions, unread=frozenset(unread))


def _read_description(data, where: str, findings: list[Finding], codes: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """`description: words` (the same in every language) or `description: {fr: …, en: …}`, for staff and
    agents: (the words as written, or in the first language given; the words per language)."""
    raw = data.get("description")
    if not isinstance(raw, dict):
        return str(raw or ""), {}
    descriptions: dict[str, str] = {}
    for language, text in raw.items():
        if language not in codes:
            line, column = raw.where(language) if hasattr(raw, "where") else data.where("description")
            findings.append(
                Finding("unknown-key", f"the description is written in '{language}', which is not a language of "
                                       "this line", where, line, column,
                        hint=did_you_mean(str(language), codes) or "write it as {" + ", ".join(
                            f"{code}: …" for code in codes) + "}")
            )
            continue
        descriptions[str(language)] = str(text or "")
    return next(iter(descriptions.values()), ""), descriptions


def _read_global(path: Path, findings: list[Finding]) -> GlobalSettings:
    try:
        data = load_file(path)
    except YamlProblem as problem:
        findings.append(problem.finding())
        return GlobalSettings()
    if not data:
        return GlobalSettings()
    defaults = GlobalSettings()
    reader = StepReader(flow="global", path=str(path))
    allowed = set(GLOBAL_KEYS)
    for key in data:
        if key not in allowed:
            line, column = data.where(key)
            findings.append(
                Finding("unknown-key", f"unknown global setting '{key}'", str(path), line, column,
                        hint=did_you_mean(key, allowed) or "allowed: " + ", ".join(sorted(allowed)))
            )
    agent = data.get("agent") or {}
    repeat = data.get("repeat") or {}
    speech_raw = data.get("speech") or {}
    if not isinstance(speech_raw, dict):
        line, column = data.where("speech")
        findings.append(Finding("unknown-key", "the global setting 'speech' is not a block of settings", str(path),
                                line, column, hint="write speech: {key_names: keys, fillers: common.fillers}"))
        speech_raw = {}
    for key in speech_raw:
        if key not in SPEECH_KEYS:
            line, column = speech_raw.where(key)
            findings.append(
                Finding("unknown-key", f"unknown setting '{key}' under 'speech'", str(path), line, column,
                        hint=did_you_mean(key, SPEECH_KEYS) or "allowed: " + ", ".join(SPEECH_KEYS))
            )
    timeouts_raw = data.get("timeouts") or {}
    retries_raw = data.get("retries") or {}

    def retries(name: str, default: Retries) -> Retries:
        if name not in retries_raw:
            return default
        read = reader._retries(retries_raw[name], retries_raw.where(name)[0])
        return read or default

    def seconds(name: str, default: int) -> int:
        value = timeouts_raw.get(name, default)
        if not str(value).isdigit() or not 1 <= int(value) <= 60:
            findings.append(
                Finding("bad-timeout", f"time-out '{name}' is {value}", str(path), timeouts_raw.where(name)[0],
                        hint="use a number of seconds between 1 and 60")
            )
            return default
        return int(value)

    settings = GlobalSettings(
        agent_key=str(agent.get("key", defaults.agent_key)),
        agent_words=str(agent.get("words", defaults.agent_words)),
        repeat_key=str(repeat.get("key", defaults.repeat_key)),
        repeat_words=str(repeat.get("words", defaults.repeat_words)),
        end_key=str(data.get("end_key", defaults.end_key)),
        speech=SpeechWords(**{name: str(speech_raw[name]) for name in SPEECH_KEYS if speech_raw.get(name)}),
        timeouts=Timeouts(
            menu=seconds("menu", defaults.timeouts.menu),
            keypad=seconds("keypad", defaults.timeouts.keypad),
            speech=seconds("speech", defaults.timeouts.speech),
            patient=seconds("patient", defaults.timeouts.patient),
        ),
        menu_retries=retries("menu", defaults.menu_retries),
        keypad_retries=retries("keypad", defaults.keypad_retries),
        speech_retries=retries("speech", defaults.speech_retries),
        transfer_prompt=str(data.get("transfer_prompt", defaults.transfer_prompt)),
        fault_prompt=str(data.get("fault_prompt", defaults.fault_prompt)),
        phone_regions=_phone_regions(data, path, findings, defaults.phone_regions),
        path=str(path),
    )
    findings.extend(reader.findings)
    return settings


__all__ = ["Flow", "FlowSet", "GlobalSettings", "SpeechWords", "Timeouts", "read_flows"]


def _phone_regions(data, path: Path, findings: list[Finding], default: tuple[str, ...]) -> tuple[str, ...]:
    """global.yaml's `phone_numbers: {regions: [CA]}`: the ISO 3166 codes whose fixed-line and
    mobile numbers the line calls back and keeps on file (ivr/engine/phones.py)."""
    block = data.get("phone_numbers")
    if block is None:
        return default
    line, column = data.where("phone_numbers")
    regions = block.get("regions") if isinstance(block, dict) else None
    if not isinstance(regions, list) or not regions or set(block) - {"regions"}:
        findings.append(Finding("bad-phone-regions", "the global setting 'phone_numbers' is not a list of regions",
                                str(path), line, column, hint="write phone_numbers: {regions: [CA]}"))
        return default
    codes = tuple(str(region).strip().upper() for region in regions)
    unknown = unknown_regions(codes)
    if unknown:
        findings.append(Finding("bad-phone-regions", f"phone_numbers names regions phonenumbers does not know: "
                                f"{', '.join(unknown)}", str(path), line, column,
                                hint="use ISO 3166 two-letter codes, e.g. CA or US"))
        return default
    return codes
