"""Running scenarios: each one is a real call through the signed webhook, with time frozen.

The runner builds the app on a throw-away SQLite database seeded with the demo data, dials
with the same phone as `ivr call`, and checks each expectation against what the caller heard
and what the database holds. The calls' journeys feed the coverage report.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from freezegun import freeze_time
from sqlalchemy import select

from ivr.app import create_app
from ivr.store import db
from ivr.engine.flows import FlowSet
from ivr.engine.state import CallState, JourneyEntry
from ivr.engine import coverage as cov
from ivr.engine.findings import Finding, did_you_mean
from ivr.store.models.calls import Call, ChangeRequest, JourneyEvent
from ivr.store.models.security import OutgoingNotice
from ivr.telephony.phone import CallEnded, FlaskTransport, PhoneCall
from ivr.services import actions as action_registry
from ivr.services.changes import effective_day
from ivr.services.demo import seed_demo
from ivr.scenarios.format import STORED_KINDS, Move, Scenario, read_scenarios
from ivr.scenarios.heard import PromptMatcher, plain

@dataclass(frozen=True)
class Failure:
    """Why a scenario failed, at the line that failed."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Result:
    scenario: Scenario
    failure: Failure | None = None
    journey: list[JourneyEntry] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.failure is None


@dataclass
class Summary:
    results: list[Result] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    coverage: list[cov.FlowCoverage] = field(default_factory=list)

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if not r.passed]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.problems

    @property
    def percent(self) -> float:
        total = sum(f.total for f in self.coverage)
        covered = sum(f.covered for f in self.coverage)
        return 100.0 if not total else 100.0 * covered / total


class BackendUnavailable(ConnectionError):
    """A scenario said this backend action is down."""


class _Mismatch(Exception):
    """An expectation that did not hold; the message says what was expected and what happened."""


def scenario_app(flows_dir: Path | str, prompts_dir: Path | str, workdir: Path | str) -> Flask:
    """The real app, on its own throw-away SQLite database, for scenario calls only."""
    return create_app({
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{Path(workdir) / 'scenarios.db'}",
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "SECRET_KEY": secrets.token_hex(16),
        "PUBLIC_URL": "",
        "FLOWS_DIR": Path(flows_dir),
        "PROMPTS_DIR": Path(prompts_dir),
        "FLOWS_CHECK_SECONDS": 10 ** 9,  # a run tests the files as they were when it began
    })


class ScenarioRunner:
    """Runs scenarios against one app; each scenario starts from a fresh copy of the demo data.

    The seeded SQLite file is copied once and put back before every scenario, so no scenario
    sees another's calls or changes, whatever tables and rules the schema has.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.flowset: FlowSet = app.extensions["ivr.flows"].current
        self.matcher = PromptMatcher(self.flowset.prompts)
        self.token = app.config["TWILIO_AUTH_TOKEN"]
        self.engine = app.extensions["ivr.db"].kw["bind"]
        self.database = Path(self.engine.url.database or "")
        self.template = self.database.with_name(self.database.name + ".seeded")
        with db.session_for(app, writes=True) as session:
            seed_demo(session)
        self._settle()
        shutil.copyfile(self.database, self.template)

    def run(self, scenario: Scenario) -> Result:
        self._reset_data()
        result = Result(scenario)
        phone = PhoneCall(FlaskTransport(self.app.test_client()), self.token, caller=scenario.caller)
        with freeze_time(scenario.at), _unavailable(scenario.unavailable):
            try:
                for earlier in scenario.earlier:
                    before = PhoneCall(FlaskTransport(self.app.test_client()), self.token, caller=scenario.caller)
                    before.dial()
                    for move in earlier:
                        self._play(before, move)
                    _hang_up(before)
                phone.dial(scenario.start)
                for move in scenario.call:
                    self._play(phone, move)
                _hang_up(phone)
            except _Mismatch as mismatch:
                result.failure = Failure(scenario.path, mismatch.args[1], mismatch.args[0])
            except RuntimeError as error:  # the webhook answered with an HTTP error
                result.failure = Failure(scenario.path, scenario.line, f"the IVR did not answer: {error}")
        result.journey = self._journey(phone.call_sid)
        return result

    # -- the database ---------------------------------------------------------------------------

    def _settle(self) -> None:
        """Write everything into the main database file and close every connection to it."""
        with self.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        self.engine.dispose()

    def _reset_data(self) -> None:
        self.engine.dispose()
        for leftover in (self.database.with_name(self.database.name + "-wal"),
                         self.database.with_name(self.database.name + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(self.template, self.database)

    def _journey(self, call_sid: str) -> list[JourneyEntry]:
        with db.session_for(self.app) as session:
            rows = session.scalars(select(JourneyEvent).where(JourneyEvent.call_sid == call_sid)
                                   .order_by(JourneyEvent.id)).all()
            return [JourneyEntry(r.position, r.kind, r.event, dict(r.detail or {})) for r in rows]

    def _call_row(self, session, phone: PhoneCall) -> Call:
        call = session.get(Call, phone.call_sid)
        if call is None:
            raise _Mismatch("the call was never recorded by the IVR", 0)
        return call

    # -- one line of the scenario ---------------------------------------------------------------

    def _play(self, phone: PhoneCall, move: Move) -> None:
        if move.is_action:
            times = int(move.value) if move.verb == "silence" else 1
            for _ in range(times):
                if phone.last.gather is None:
                    raise _Mismatch(f"the caller {move.describe()}, but the call had already ended: "
                                    f"{self._ending(phone)}", move.line)
                try:
                    if move.verb == "press":
                        phone.press(move.value)
                    elif move.verb == "type":
                        phone.type(move.value)
                    elif move.verb == "say":
                        phone.say(move.value)
                    else:
                        phone.silence()
                except CallEnded as ended:
                    raise _Mismatch(f"the caller {move.describe()}, but {ended}", move.line) from None
            return
        check = getattr(self, f"_expect_{move.verb}")
        try:
            check(phone, move.value)
        except _Mismatch as mismatch:
            raise _Mismatch(mismatch.args[0], move.line) from None

    def _heard(self, phone: PhoneCall) -> tuple[str, list[str]]:
        said = phone.heard_now()
        return (" ".join(s.text for s in said if s.text),
                self.matcher.heard_keys(("audio", s.audio) if s.audio else (s.language, s.text) for s in said))

    def _heard_text(self, phone: PhoneCall) -> str:
        text, keys = self._heard(phone)
        shown = text if len(text) <= 300 else text[:297] + "…"
        return f"heard \"{shown}\" (prompts: {', '.join(keys) or 'none recognised'})"

    def _has(self, phone: PhoneCall, item: str) -> bool:
        text, keys = self._heard(phone)
        if self.matcher.is_key(item):
            return item in keys
        return plain(item) in plain(text)

    def _expect_hear(self, phone: PhoneCall, items: tuple[str, ...]) -> None:
        for item in items:
            if not self._has(phone, item):
                what = f"prompt '{item}'" if self.matcher.is_key(item) else f"\"{item}\""
                hint = ""
                if not self.matcher.is_key(item) and "." in item and " " not in item:
                    close = did_you_mean(item, self.matcher.keys("fr") | self.matcher.keys("en"))
                    hint = f" ('{item}' is not a prompt key; {close or 'check its spelling'})"
                raise _Mismatch(f"expected to hear {what}{hint}, but {self._heard_text(phone)}", 0)

    def _expect_not_hear(self, phone: PhoneCall, items: tuple[str, ...]) -> None:
        for item in items:
            if self._has(phone, item):
                raise _Mismatch(f"expected not to hear \"{item}\", but {self._heard_text(phone)}", 0)

    def _expect_reach(self, phone: PhoneCall, step: str) -> None:
        wanted = self._qualified(step)
        with db.session_for(self.app) as session:
            position = CallState.from_dict(self._call_row(session, phone).state).position
        if position != wanted:
            raise _Mismatch(f"expected the call to be at step '{wanted}', but it is at '{position}' "
                            f"({self._ending(phone)})", 0)

    def _qualified(self, step: str) -> str:
        flows = self.flowset.flows
        if "/" in step:
            flow, _, step_id = step.partition("/")
            if flow not in flows:
                raise _Mismatch(f"there is no flow '{flow}' — {did_you_mean(flow, flows) or 'check the name'}", 0)
            if step_id not in flows[flow].steps:
                close = did_you_mean(step_id, flows[flow].steps) or "check the name"
                raise _Mismatch(f"flow '{flow}' has no step '{step_id}' — {close}", 0)
            return step
        owners = [name for name, flow in flows.items() if step in flow.steps]
        if len(owners) == 1:
            return f"{owners[0]}/{step}"
        if owners:
            raise _Mismatch(f"step '{step}' is in several flows ({', '.join(owners)}); write flow/step", 0)
        every = [s for flow in flows.values() for s in flow.steps]
        raise _Mismatch(f"no flow has a step '{step}' — {did_you_mean(step, every) or 'write flow/step'}", 0)

    def _ending(self, phone: PhoneCall) -> str:
        last = phone.last
        if last.enqueue is not None:
            return f"it was transferred to {last.enqueue['queue']}"
        if last.hangup:
            return "the IVR hung up"
        return "the IVR is waiting for an answer"

    def _expect_hangup(self, phone: PhoneCall, _value: Any) -> None:
        if not phone.hung_up:
            raise _Mismatch(f"expected the IVR to hang up, but {self._ending(phone)}; {self._heard_text(phone)}", 0)

    def _expect_transfer(self, phone: PhoneCall, expected: dict[str, Any]) -> None:
        if not phone.transferred:
            raise _Mismatch(f"expected a transfer to an agent, but {self._ending(phone)}; "
                            f"{self._heard_text(phone)}", 0)
        with db.session_for(self.app) as session:
            call = self._call_row(session, phone)
            actual = {
                "queue": phone.queue,
                "reason": call.transfer_reason,
                "verified": bool(call.verified),
                "client": call.client.client_number if call.client else None,
            }
            variables = CallState.from_dict(call.state).vars
        for name in ("queue", "reason", "verified", "client"):
            if name in expected and _text(expected[name]) != _text(actual[name]):
                raise _Mismatch(f"expected the transfer's {name} to be '{_text(expected[name])}', "
                                f"but it is '{_text(actual[name])}'", 0)
        for name, value in (expected.get("values") or {}).items():
            if name not in variables:
                raise _Mismatch(f"expected the agent to get the value '{name}', but the call does not keep it "
                                f"(it keeps: {', '.join(sorted(variables)) or 'nothing'})", 0)
            if _text(variables[name]) != _text(value):
                raise _Mismatch(f"expected the agent to get {name} '{_text(value)}', "
                                f"but it is '{_text(variables[name])}'", 0)

    def _expect_stored(self, phone: PhoneCall, expected: dict[str, Any]) -> None:
        with self.app.app_context(), db.session_for(self.app) as session:  # the line's timezone for effective_on
            for name, fields in expected.items():
                kind = STORED_KINDS[name]
                request = session.scalar(select(ChangeRequest).where(ChangeRequest.call_sid == phone.call_sid,
                                                                     ChangeRequest.kind == kind)
                                         .order_by(ChangeRequest.id.desc()))  # the call's latest
                if fields is None:
                    if request is not None:
                        raise _Mismatch(f"expected no {name} to be stored, but one was: {request.new_value}", 0)
                    continue
                if request is None:
                    raise _Mismatch(f"expected an {name} to be stored, but this call stored none", 0)
                for field_name, value in fields.items():
                    if field_name in _ABOUT_THE_REQUEST:
                        stored = _ABOUT_THE_REQUEST[field_name](session, request)
                    elif field_name in request.new_value:
                        stored = request.new_value[field_name]
                    else:
                        raise _Mismatch(f"the {name} has no '{field_name}' — it has: "
                                        f"{', '.join([*sorted(request.new_value), *_ABOUT_THE_REQUEST])}", 0)
                    if _text(stored) != _text(value):
                        raise _Mismatch(f"expected the {name}'s {field_name} to be '{_text(value)}', "
                                        f"but it is '{_text(stored)}'", 0)


_ABOUT_THE_REQUEST = {  # what `stored:` can check besides the new value's fields
    "status": lambda session, request: request.status,
    "confirmation": lambda session, request: request.confirmation,
    "effective_on": lambda session, request: effective_day(request),  # the local day, as callers hear it
    "notice": lambda session, request: session.scalar(
        select(OutgoingNotice.id).where(OutgoingNotice.change_request_id == request.id)) is not None,
}


def _hang_up(phone: PhoneCall) -> None:
    """A scenario's call ends as a real one does: the caller hangs up unless the IVR did."""
    if not phone.ended:
        phone.hang_up()


def _text(value: Any) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value).strip()
    return {"true": "yes", "false": "no", "oui": "yes", "non": "no"}.get(text.lower(), text)


@contextmanager
def _unavailable(names: tuple[str, ...]) -> Iterator[None]:
    """Make these backend actions fail as if their system were down, for one scenario."""
    if not names:
        yield
        return
    saved = {name: action_registry.ACTIONS.get(name) for name in names}

    def down(_context: Any) -> Any:
        raise BackendUnavailable("unavailable for this scenario")

    for name in names:
        action_registry.ACTIONS[name] = down
    try:
        yield
    finally:
        for name, func in saved.items():
            if func is None:
                action_registry.ACTIONS.pop(name, None)
            else:
                action_registry.ACTIONS[name] = func


def scenario_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.yaml") if p.is_file()))
        else:
            files.append(path)
    return files


def run_paths(paths: list[Path], flows_dir: Path, prompts_dir: Path) -> Summary:
    """Run every scenario in these files or folders; collect failures, file problems, coverage."""
    summary = Summary()
    with tempfile.TemporaryDirectory(prefix="ivr-scenarios-") as workdir, _quiet_expected_warnings():
        app = scenario_app(flows_dir, prompts_dir, workdir)
        runner = ScenarioRunner(app)
        hit: set[cov.Target] = set()
        for path in scenario_files(paths):
            read = read_scenarios(path, flows_dir)
            summary.problems.extend(read.problems)
            for scenario in read.scenarios:
                problem = _unknown_actions(scenario) or _unknown_start(scenario, runner.flowset)
                if problem:
                    summary.problems.append(problem)
                    continue
                result = runner.run(scenario)
                summary.results.append(result)
                hit |= cov.reached(runner.flowset, result.journey)
        summary.coverage = cov.report(runner.flowset, hit)
        app.extensions["ivr.db"].kw["bind"].dispose()
    return summary


@contextmanager
def _quiet_expected_warnings() -> Iterator[None]:
    """Scenarios make backends fail on purpose; their warnings would drown the report."""
    logger = logging.getLogger("ivr")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _unknown_start(scenario: Scenario, flowset: FlowSet) -> Finding | None:
    """A `start:` that names no flow or step, caught before the call rather than heard as a fault."""
    if scenario.start is None or not scenario.start.at:
        return None
    flow, _, step = scenario.start.at.partition("/")
    if flow not in flowset.flows:
        return Finding("scenario", f"scenario '{scenario.name}' starts in flow '{flow}', which does not exist",
                       scenario.path, scenario.line, hint=did_you_mean(flow, flowset.flows) or "name a flow")
    if step and step not in flowset.flows[flow].steps:
        return Finding("scenario", f"scenario '{scenario.name}' starts at '{step}', which is not a step of '{flow}'",
                       scenario.path, scenario.line,
                       hint=did_you_mean(step, flowset.flows[flow].steps) or "name a step of that flow")
    return None


def _unknown_actions(scenario: Scenario) -> Finding | None:
    for name in scenario.unavailable:
        if name not in action_registry.ACTIONS:
            return Finding("scenario", f"scenario '{scenario.name}' makes '{name}' unavailable, but there is no "
                           "such backend action", scenario.path, scenario.line,
                           hint=did_you_mean(name, action_registry.ACTIONS) or "name an action used by the flows")
    return None
