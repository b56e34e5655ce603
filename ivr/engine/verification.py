"""Who must prove what before the IVR says or changes anything personal: `flows/verification.yaml`.

Content staff read and change the policy there (which facts each level asks, how many tries,
which backend actions need which level); the backend enforces the same file, so forgetting a
step-up in a flow refuses the change instead of making it. Pure: no database, no Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ivr.engine.findings import Finding, did_you_mean
from ivr.engine.steps import Action, Ask, Use
from ivr.engine.yamlsource import YamlProblem, load_file

FACTS = {
    "client_number": "the 9-digit client number",
    "birth_date": "the date of birth",
    "postal_code_on_file": "the postal code currently on file (not a new one)",
}
"""Facts a caller can prove; each is also the `into:` name of the ask that collects it."""

VERIFY_ACTION = "client.verify"


@dataclass(frozen=True)
class Level:
    """One level of trust: the facts that prove it, asked by its own sub-flow."""

    name: str
    flow: str
    facts: tuple[str, ...]
    attempts: int = 3
    after: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Throttle:
    """How many failed verifications within how many hours before self-service stops."""

    failures: int
    hours: int = 24
    line: int = 0


@dataclass(frozen=True)
class VerificationPolicy:
    levels: dict[str, Level] = field(default_factory=dict)
    requires: dict[str, str] = field(default_factory=dict)
    per_client: Throttle = Throttle(3, 24)
    per_caller: Throttle = Throttle(10, 24)
    path: str = ""

    def level_for_flow(self, flow: str) -> Level | None:
        return next((level for level in self.levels.values() if level.flow == flow), None)

    def chain(self, name: str) -> list[Level]:
        """The level and every level it builds on, first one first."""
        found: list[Level] = []
        level = self.levels.get(name)
        while level is not None and level not in found:
            found.insert(0, level)
            level = self.levels.get(level.after) if level.after else None
        return found

    def satisfies(self, reached: str | None, needed: str) -> bool:
        """Whether a call verified at level `reached` may run something that needs `needed`."""
        if reached is None:
            return False
        return any(level.name == needed for level in self.chain(reached))

    def facts_for(self, name: str) -> tuple[str, ...]:
        return tuple(fact for level in self.chain(name) for fact in level.facts)


def default_policy() -> VerificationPolicy:
    """What applies when a flows folder has no verification.yaml: number and birth date."""
    return VerificationPolicy(
        levels={"identify": Level("identify", "identify", ("client_number", "birth_date"), 3)},
        requires={"status.lookup": "identify", "address.submit": "identify", "phone.update": "identify"},
    )


def read_verification(path: Path, findings: list[Finding]) -> VerificationPolicy:
    try:
        data = load_file(path)
    except YamlProblem as problem:
        findings.append(problem.finding())
        return default_policy()
    where = str(path)
    if not isinstance(data, dict):
        findings.append(Finding("verification-not-mapping", "verification.yaml must be a block of settings",
                                where, 1, hint="start it with 'levels:'"))
        return default_policy()
    _unknown(data, {"levels", "requires", "throttle"}, "verification setting", where, findings)
    levels: dict[str, Level] = {}
    raw_levels = data.get("levels")
    if not isinstance(raw_levels, dict) or not raw_levels:
        findings.append(Finding("verification-levels", "verification.yaml has no levels", where, 1,
                                hint="add levels: {identify: {flow: identify, facts: [client_number, birth_date]}}"))
        return default_policy()
    for name, block in raw_levels.items():
        line = raw_levels.where(name)[0]
        level = _read_level(str(name), block, line, where, findings)
        if level is not None:
            levels[level.name] = level
    for level in levels.values():
        if level.after is not None and level.after not in levels:
            findings.append(Finding("verification-after", f"level '{level.name}' comes after '{level.after}', "
                                    "which is not a level", where, level.line,
                                    hint=did_you_mean(level.after, levels) or "name one of the levels above"))
    requires: dict[str, str] = {}
    raw_requires = data.get("requires") or {}
    if not isinstance(raw_requires, dict):
        findings.append(Finding("verification-requires", "'requires' must list 'action: level' pairs", where,
                                data.where("requires")[0], hint="write requires: {address.submit: step_up}"))
        raw_requires = {}
    for action, level_name in raw_requires.items():
        line = raw_requires.where(action)[0]
        if str(level_name) not in levels:
            findings.append(Finding("verification-requires", f"action '{action}' needs level '{level_name}', "
                                    "which is not a level", where, line,
                                    hint=did_you_mean(str(level_name), levels) or "name one of the levels"))
            continue
        requires[str(action)] = str(level_name)
    throttle = data.get("throttle") or {}
    defaults = VerificationPolicy()
    if throttle:
        _unknown(throttle, {"per_client", "per_caller"}, "throttle setting", where, findings)
    return VerificationPolicy(
        levels=levels,
        requires=requires,
        per_client=_read_throttle(throttle, "per_client", defaults.per_client, where, findings),
        per_caller=_read_throttle(throttle, "per_caller", defaults.per_caller, where, findings),
        path=where,
    )


def _read_level(name: str, block: object, line: int, where: str, findings: list[Finding]) -> Level | None:
    if not isinstance(block, dict):
        findings.append(Finding("verification-level", f"level '{name}' must be a block of settings", where, line,
                                hint="write it as {flow: identify, facts: [client_number, birth_date], attempts: 3}"))
        return None
    _unknown(block, {"flow", "facts", "attempts", "after"}, f"setting of level '{name}'", where, findings)
    facts = block.get("facts")
    if isinstance(facts, str):
        facts = [facts]
    if not isinstance(facts, list) or not facts:
        findings.append(Finding("verification-facts", f"level '{name}' does not say which facts prove it", where,
                                line, hint="add facts: [client_number, birth_date]"))
        facts = []
    for fact in facts:
        if fact not in FACTS:
            findings.append(Finding("verification-fact", f"level '{name}' asks for '{fact}', which the IVR cannot "
                                    "check", where, block.where("facts")[0],
                                    hint=did_you_mean(str(fact), FACTS) or "use one of: " + ", ".join(FACTS)))
    attempts = block.get("attempts", 3)
    if not str(attempts).isdigit() or not 1 <= int(attempts) <= 5:
        findings.append(Finding("verification-attempts", f"level '{name}' allows {attempts} attempts", where,
                                block.where("attempts")[0], hint="use a whole number from 1 to 5"))
        attempts = 3
    return Level(name=name, flow=str(block.get("flow") or name), facts=tuple(str(f) for f in facts),
                 attempts=int(attempts), after=None if block.get("after") is None else str(block["after"]), line=line)


def _read_throttle(block: dict, name: str, default: Throttle, where: str, findings: list[Finding]) -> Throttle:
    raw = block.get(name)
    if raw is None:
        return default
    line = block.where(name)[0]
    if not isinstance(raw, dict):
        findings.append(Finding("verification-throttle", f"throttle '{name}' must be a block", where, line,
                                hint="write it as {failures: 3, hours: 24}"))
        return default
    _unknown(raw, {"failures", "hours"}, f"setting of throttle '{name}'", where, findings)
    values = {}
    for key, low, high in (("failures", 1, 100), ("hours", 1, 24 * 30)):
        value = raw.get(key, getattr(default, key))
        if not str(value).isdigit() or not low <= int(value) <= high:
            findings.append(Finding("verification-throttle", f"throttle '{name}' has {key}: {value}", where, line,
                                    hint=f"use a whole number from {low} to {high}"))
            value = getattr(default, key)
        values[key] = int(value)
    return Throttle(values["failures"], values["hours"], line)


def _unknown(block: dict, allowed: set[str], what: str, where: str, findings: list[Finding]) -> None:
    for key in block:
        if key not in allowed:
            line, column = block.where(key) if hasattr(block, "where") else (0, 0)
            findings.append(Finding("unknown-key", f"unknown {what} '{key}'", where, line, column,
                                    hint=did_you_mean(str(key), allowed) or "allowed: " + ", ".join(sorted(allowed))))


def check_verification(flowset) -> list[Finding]:
    """Each level's sub-flow asks its facts (marked sensitive) and checks them; each protected
    action sits in a flow that uses the level it needs."""
    policy: VerificationPolicy = flowset.verification
    findings: list[Finding] = []
    if not policy.path:  # no verification.yaml: the built-in default, nothing written to check
        return findings
    where = policy.path
    for level in policy.levels.values():
        flow = flowset.flows.get(level.flow)
        if flow is None:
            findings.append(Finding("verification-flow", f"level '{level.name}' is asked by flow '{level.flow}', "
                                    "which does not exist", where, level.line,
                                    hint=did_you_mean(level.flow, flowset.flows) or f"create flows/{level.flow}.yaml"))
            continue
        asks = {s.into: s for s in flow.steps.values() if isinstance(s, Ask)}
        for fact in level.facts:
            ask = asks.get(fact)
            if ask is None:
                findings.append(Finding("verification-unasked", f"flow '{flow.name}' never asks for {FACTS.get(fact, fact)}"
                                        f" (level '{level.name}' needs it)", flow.path, flow.line,
                                        hint=f"add an ask step with into: {fact}"))
            elif not ask.sensitive:
                findings.append(Finding("verification-not-sensitive", f"ask '{ask.id}' collects {fact} without "
                                        "'sensitive: true'", flow.path, ask.line,
                                        hint="add sensitive: true so the answer is masked in the call's journey"))
        if not any(isinstance(s, Action) and s.name == VERIFY_ACTION for s in flow.steps.values()):
            findings.append(Finding("verification-unchecked", f"flow '{flow.name}' asks for level '{level.name}' but "
                                    f"never runs {VERIFY_ACTION}", flow.path, flow.line,
                                    hint=f"add a step 'action: {VERIFY_ACTION}' after the questions"))
    for flow in flowset.flows.values():
        uses = {s.subflow for s in flow.steps.values() if isinstance(s, Use)}
        for step in flow.steps.values():
            if not isinstance(step, Action) or step.name not in policy.requires:
                continue
            needed = policy.requires[step.name]
            good = {lvl.flow for lvl in policy.levels.values() if policy.satisfies(lvl.name, needed)}
            if flow.name in good or uses & good:
                continue
            findings.append(Finding("verification-missing", f"step '{step.id}' runs {step.name}, which needs level "
                                    f"'{needed}', but flow '{flow.name}' never uses flow "
                                    f"'{policy.levels[needed].flow}'", flow.path, step.line,
                                    hint=f"add a step 'use: {policy.levels[needed].flow}' before it "
                                         "(see flows/verification.yaml)"))
    return findings
