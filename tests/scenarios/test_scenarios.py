"""Scenario tests written by content staff: the shipped ones pass and reach every step and branch,
and a failing scenario says where and what was expected against what the caller heard."""

from __future__ import annotations

import shutil
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ivr.store import db
from ivr.cli import main
from ivr.store.models.calls import Call
from ivr.scenarios import ScenarioRunner, read_scenarios, run_paths
from ivr.scenarios.run import scenario_app

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "flows"
PROMPTS = ROOT / "prompts"


def write(tmp_path: Path, text: str, name: str = "check.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def shipped():
    return run_paths([FLOWS / "tests"], FLOWS, PROMPTS)


def test_shipped_scenarios_all_pass(shipped):
    failures = [str(r.failure) for r in shipped.failed]
    assert not failures and not shipped.problems, failures + [str(p) for p in shipped.problems]
    assert len(shipped.results) >= 30


def test_shipped_scenarios_reach_every_step_and_branch_of_every_flow(shipped):
    missing = [f"{t.path}:{t.line}: {t.describe()}" for flow in shipped.coverage for t in flow.missing]
    assert missing == []
    assert {flow.flow for flow in shipped.coverage} == {"main", "identify", "step_up", "status", "address", "survey"}
    assert shipped.percent == 100.0


def test_shipped_scenarios_cover_both_languages_and_every_demo_client():
    scenarios = [s for path in sorted((FLOWS / "tests").glob("*.yaml")) for s in read_scenarios(path).scenarios]
    pressed = {m.value for s in scenarios for m in s.call if m.verb == "press"}
    clients = {s.start.client_number for s in scenarios if s.start and s.start.client_number}
    assert {"100200300", "200300400", "300400500", "400500600"} <= pressed | clients
    queues = {m.value.get("queue") for s in scenarios for m in s.call if m.verb == "transfer"}
    assert {"agents-fr", "agents-en"} <= queues


def test_failing_scenario_reports_file_line_and_what_was_expected_against_what_was_heard(tmp_path):
    path = write(tmp_path, """
        scenarios:
          - name: approved pension
            call:
              - press: 1
              - press: 1
              - press: 300400500
              - press: 19750228
              - hear: status.approved
    """)
    summary = run_paths([path], FLOWS, PROMPTS)
    [result] = summary.results
    assert not result.passed
    assert str(result.failure).startswith(f"{path}:8: expected to hear prompt 'status.approved', but heard \"")
    assert "refusée le 30 septembre 2026" in result.failure.message
    assert "(prompts: status.refused, status.after_refused)" in result.failure.message


def test_words_are_matched_whatever_the_spacing_and_case(tmp_path):
    path = write(tmp_path, """
        scenarios:
          - name: amount said in French
            start: status/lookup
            language: fr
            client: 100200300
            call:
              - hear: ["1 234,56 $", "votre demande de PENSION de retraite"]
    """)
    assert run_paths([path], FLOWS, PROMPTS).ok


def test_wrong_transfer_context_names_the_field_expected_and_actual(tmp_path):
    path = write(tmp_path, """
        scenarios:
          - name: agent in English
            call:
              - press: 0
              - transfer: {queue: agents-en}
    """)
    [result] = run_paths([path], FLOWS, PROMPTS).results
    assert result.failure.line == 5
    assert result.failure.message == "expected the transfer's queue to be 'agents-en', but it is 'agents-bilingual'"


def test_expecting_a_transfer_while_the_ivr_still_listens_says_so(tmp_path):
    path = write(tmp_path, """
        scenarios:
          - name: not yet
            call:
              - press: 1
              - transfer
    """)
    [result] = run_paths([path], FLOWS, PROMPTS).results
    assert "expected a transfer to an agent, but the IVR is waiting for an answer" in result.failure.message
    assert "prompts: main.welcome, main.menu" in result.failure.message


def test_pressing_after_the_call_ended_is_reported_at_its_line(tmp_path):
    path = write(tmp_path, """
        scenarios:
          - name: too late
            call:
              - press: 0
              - press: 1
    """)
    [result] = run_paths([path], FLOWS, PROMPTS).results
    assert result.failure.line == 5
    assert "the caller pressed 1, but the call had already ended: it was transferred to agents-bilingual" in str(result.failure)


def test_stored_change_is_compared_value_by_value(tmp_path):
    path = write(tmp_path, """
        scenarios:
          - name: phone change
            start: address/phone
            language: en
            client: 200300400
            call:
              - press: 6135550123
              - stored: {phone_change: {phone: "+16135550000"}}
    """)
    [result] = run_paths([path], FLOWS, PROMPTS).results
    assert result.failure.line == 8
    assert result.failure.message == "expected the phone_change's phone to be '+16135550000', but it is '+16135550123'"


def test_scenario_file_mistakes_are_reported_with_line_and_suggestion(tmp_path):
    path = write(tmp_path, """
        scenarios:
          - name: typo
            call:
              - press: 1
              - heer: main.menu
          - name: bad keys
            call:
              - press: one
    """)
    read = read_scenarios(path)
    assert [(p.line, p.message, p.hint) for p in read.problems] == [
        (5, "'heer' is not something a scenario can do", "did you mean 'hear'?"),
        (8, "press: 'one' is not keypad keys", "write digits, * or #, e.g. press: 1"),
    ]
    assert read.scenarios == []


def test_keys_stay_as_typed_even_with_leading_zeros(tmp_path):
    path = write(tmp_path, """
        scenarios:
          - name: zeros
            call:
              - press: 0012
    """)
    [scenario] = read_scenarios(path).scenarios
    assert scenario.call[0].value == "0012"


def test_stored_change_can_be_checked_for_the_day_it_takes_effect_and_its_notice(tmp_path):
    path = write(tmp_path, """
        scenarios:
          - name: a phone change late in the evening takes effect on the local day, a week later
            at: 2026-11-23 22:30
            start: address/phone
            language: en
            client: 200300400
            call:
              - press: 6135550123
              - stored: {phone_change: {status: pending, effective_on: 2026-11-30, notice: yes}}
              - stored: {phone_change: {notice: no}}
    """)
    [result] = run_paths([path], FLOWS, PROMPTS).results
    assert result.failure.line == 10  # 22:30 in Montréal is the 24th in UTC: the day said is the local one
    assert result.failure.message == "expected the phone_change's notice to be 'no', but it is 'yes'"


def test_time_is_frozen_at_the_scenario_date_in_the_agency_timezone(tmp_path):
    path = write(tmp_path, """
        scenarios:
          - name: Christmas Eve afternoon
            at: 2026-12-24 13:30
            call:
              - press: 1
    """)
    [scenario] = read_scenarios(path, FLOWS).scenarios
    app = scenario_app(FLOWS, PROMPTS, tmp_path)
    runner = ScenarioRunner(app)
    assert runner.run(scenario).passed
    with db.session_for(app) as session:
        call = session.scalar(select(Call))
        started = call.started_at.replace(tzinfo=call.started_at.tzinfo or timezone.utc)
    assert started == datetime(2026, 12, 24, 18, 30, tzinfo=timezone.utc)  # 13:30 in Montréal (UTC-5)


def test_unavailable_backend_makes_only_that_scenario_fail_over_to_an_agent(tmp_path):
    path = write(tmp_path, """
        scenarios:
          - name: status system down
            unavailable: [status.lookup]
            start: status/lookup
            language: fr
            client: 100200300
            call:
              - transfer: {reason: "status/lookup:error"}
          - name: status system back
            start: status/lookup
            language: fr
            client: 100200300
            call:
              - hear: status.approved
    """)
    assert run_paths([path], FLOWS, PROMPTS).ok


def test_coverage_lists_what_no_scenario_reaches_with_its_line(tmp_path):
    path = write(tmp_path, """
        scenarios:
          - name: just the greeting
            call:
              - press: 1
    """)
    summary = run_paths([path], FLOWS, PROMPTS)
    main_flow = next(f for f in summary.coverage if f.flow == "main")
    missing = {(t.line, t.describe()) for t in main_flow.missing}
    survey = next(f for f in summary.coverage if f.flow == "survey")
    assert (32, "step 'goodbye' (hangup) is never reached") in {(t.line, t.describe()) for t in survey.missing}
    assert (11, "option 2 of menu 'language' is never chosen") in missing
    assert (6, "step 'language' never runs out of retries (silence or answers not understood)") in missing
    assert (10, "option 1 of menu 'language' is never chosen") not in missing


class TestCommand:
    def test_passing_scenarios_exit_0_and_print_coverage(self, tmp_path):
        path = write(tmp_path, """
            scenarios:
              - name: greeting
                call:
                  - hear: main.language
        """)
        result = CliRunner().invoke(main, ["test", str(path)])
        assert result.exit_code == 0, result.output
        assert "ok   greeting" in result.output
        assert "1 scenario: 1 passed, 0 failed" in result.output
        assert "flows/survey.yaml:32: step 'goodbye' (hangup) is never reached" in result.output

    def test_a_failing_scenario_exits_1_with_file_and_line(self, tmp_path):
        path = write(tmp_path, """
            scenarios:
              - name: wrong
                call:
                  - hear: common.goodbye
        """)
        result = CliRunner().invoke(main, ["test", str(path)])
        assert result.exit_code == 1
        assert "FAIL wrong" in result.output
        assert f"{path}:4: expected to hear prompt 'common.goodbye'" in result.output

    def test_min_coverage_fails_a_run_that_reaches_too_little(self, tmp_path):
        path = write(tmp_path, """
            scenarios:
              - name: greeting
                call:
                  - hear: main.language
        """)
        result = CliRunner().invoke(main, ["test", str(path), "--min-coverage", "90"])
        assert result.exit_code == 1
        assert "below the 90 % asked for" in result.output

    def test_missing_path_is_a_usage_error(self, tmp_path):
        result = CliRunner().invoke(main, ["test", str(tmp_path / "nope.yaml")])
        assert result.exit_code == 2

    def test_folder_without_scenarios_is_a_usage_error(self, tmp_path):
        result = CliRunner().invoke(main, ["test", str(tmp_path)])
        assert result.exit_code == 2
        assert "no scenario files" in result.output

    def test_shipped_scenarios_run_by_default(self, monkeypatch):
        monkeypatch.chdir(ROOT)
        result = CliRunner().invoke(main, ["test", "--min-coverage", "100"])
        assert result.exit_code == 0, result.output
        assert "all       100.0 %" in result.output


def test_start_at_a_missing_step_is_reported_before_any_call(tmp_path):
    path = write(tmp_path, """
        scenarios:
          - name: typo in start
            start: status/lokup
            call:
              - transfer
    """)
    summary = run_paths([path], FLOWS, PROMPTS)
    assert summary.results == []
    [problem] = summary.problems
    assert (problem.line, problem.hint) == (2, "did you mean 'lookup'?")
    assert "starts at 'lokup', which is not a step of 'status'" in problem.message


def test_broken_flows_stop_the_run_with_their_findings(tmp_path):
    shutil.copytree(FLOWS, tmp_path / "flows")
    main_flow = tmp_path / "flows" / "main.yaml"
    main_flow.write_text(main_flow.read_text().replace("next: welcome}", "next: welcom}", 1))
    result = CliRunner().invoke(main, ["test", "--flows", str(tmp_path / "flows"), "--prompts", str(PROMPTS)])
    assert result.exit_code == 1
    assert "the flows have errors, so no scenario can run" in result.output
    finding = next(line for line in result.output.splitlines() if "main.yaml:10:" in line)
    assert "'welcom'" in finding and "did you mean 'welcome'?" in finding


def test_recorded_prompts_are_recognised_by_their_file(tmp_path):
    shutil.copytree(PROMPTS, tmp_path / "prompts")
    welcome = tmp_path / "prompts" / "fr" / "main.yaml"
    text = welcome.read_text(encoding="utf-8")
    assert "\nwelcome: " in text
    welcome.write_text(text.replace("\nwelcome: ", "\nwelcome_words_unused: ", 1)
                       + "\nwelcome: {text: \"Bienvenue.\", audio: bienvenue.wav}\n", encoding="utf-8")
    (tmp_path / "prompts" / "fr" / "audio").mkdir()
    (tmp_path / "prompts" / "fr" / "audio" / "bienvenue.wav").write_bytes(b"RIFF\0\0\0\0WAVE")
    path = write(tmp_path, """
        scenarios:
          - name: recorded welcome
            call:
              - press: 1
              - hear: [main.welcome, main.menu]
    """)
    summary = run_paths([path], FLOWS, tmp_path / "prompts")
    assert summary.ok, [str(r.failure) for r in summary.failed]


def test_a_file_that_is_not_utf8_text_is_a_problem_not_a_crash(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("scenarios:\n  - name: é\n".encode("latin-1"))
    read = read_scenarios(path)
    assert [(p.code, p.hint) for p in read.problems] == [("scenario-file", "save it as UTF-8 text")]
