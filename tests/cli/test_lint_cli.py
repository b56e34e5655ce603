"""`ivr lint`, `ivr schema` and start-up as content staff and their tools see them."""

from __future__ import annotations

import json
import logging

import pytest
from click.testing import CliRunner

from ivr.app import create_app
from ivr.cli import main
from ivr.engine.findings import FlowsInvalid

from tests.support.lint_project import Project

BROKEN_MAIN = """\
    flow: main
    steps:
      menu:
        menu: main.menu
        options:
          1: {next: thanks}
          2: {next: agent}
      thanks:
        say: main.thanks
        nxt: goodbye
      goodbye:
        hangup: main.goodbye
    """


@pytest.fixture
def project(tmp_path) -> Project:
    return Project(tmp_path)


@pytest.fixture
def cli(project, monkeypatch):
    monkeypatch.chdir(project.root)
    monkeypatch.setenv("IVR_FLOWS_DIR", str(project.flows))
    monkeypatch.setenv("IVR_PROMPTS_DIR", str(project.prompts))
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def test_clean_flows_exit_0_and_say_so(cli):
    result = cli("lint")
    assert result.exit_code == 0, result.output
    assert "No problems found in flows and prompts." in result.output


def test_an_error_exits_1_with_file_line_column_what_and_how_to_fix(cli, project):
    project.write("flows/main.yaml", BROKEN_MAIN)
    result = cli("lint")
    assert result.exit_code == 1
    assert ("flows/main.yaml:10:5: step 'thanks' (say) has an unknown setting 'nxt' — did you mean 'next'?"
            " [unknown-key]") in result.output
    # the typo also leaves 'thanks' with no next, and 'goodbye' out of reach
    assert result.output.splitlines()[-1] == "2 errors, 1 warning in flows and prompts."


def test_warnings_alone_exit_0_but_1_with_strict(cli, project):
    project.prompt("main.old", '"Ancien."', '"Old."')
    relaxed = cli("lint")
    assert relaxed.exit_code == 0
    assert "flows" not in relaxed.output.splitlines()[0]
    assert "prompts/fr/main.yaml:4:1: no flow uses prompt 'main.old'" in relaxed.output
    assert "0 errors, 2 warnings" in relaxed.output
    assert cli("lint", "--strict").exit_code == 1


def test_json_output_lists_each_finding_for_tools(cli, project):
    project.write("flows/main.yaml", BROKEN_MAIN)
    result = cli("lint", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["errors"] == 2 and report["warnings"] == 1
    assert [f["code"] for f in report["findings"]] == ["say-without-next", "unknown-key", "unreachable-step"]
    assert report["findings"][1] == {
        "code": "unknown-key", "severity": "error", "path": "flows/main.yaml", "line": 10, "column": 5,
        "message": "step 'thanks' (say) has an unknown setting 'nxt'", "hint": "did you mean 'next'?",
    }


def test_one_file_is_checked_with_its_flows_but_only_its_own_findings_are_shown(cli, project):
    project.write("flows/main.yaml", BROKEN_MAIN)
    project.prompt("main.old", '"Ancien."', '"Old."')
    only_main = cli("lint", "flows/main.yaml")
    assert only_main.exit_code == 1
    assert "unknown-key" in only_main.output and "prompt-unused" not in only_main.output
    only_english = cli("lint", "prompts/en/main.yaml")
    assert only_english.exit_code == 0
    assert "prompts/en/main.yaml:4:1" in only_english.output and "flows/main.yaml" not in only_english.output


def test_a_project_folder_is_checked_whatever_the_environment_says(cli, project, tmp_path_factory):
    other = Project(tmp_path_factory.mktemp("other"))
    other.write("flows/main.yaml", BROKEN_MAIN)
    result = cli("lint", str(other.root))
    assert result.exit_code == 1
    assert "unknown-key" in result.output


def test_a_path_that_does_not_exist_is_a_usage_error(cli):
    result = cli("lint", "flows/nowhere.yaml")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_a_path_that_is_not_flows_or_prompts_is_a_usage_error(cli, project):
    (project.root / "notes.txt").write_text("hello")
    result = cli("lint", "notes.txt")
    assert result.exit_code == 2
    assert "not a flows folder" in result.output


def test_an_unknown_option_is_a_usage_error(cli):
    assert cli("lint", "--format", "xml").exit_code == 2


def test_ivr_schema_writes_the_schema_files_then_finds_them_current(cli, project):
    written = cli("schema")
    assert written.exit_code == 0
    assert (project.flows / "schema.json").is_file() and (project.flows / "global.schema.json").is_file()
    assert "Wrote flows/schema.json." in written.output
    checked = cli("schema", "--check")
    assert checked.exit_code == 0 and "up to date" in checked.output


def test_ivr_schema_check_fails_on_a_stale_schema(cli, project):
    (project.flows / "schema.json").write_text("{}\n")
    result = cli("schema", "--check")
    assert result.exit_code == 1
    assert "run `ivr schema`" in result.output
    assert (project.flows / "schema.json").read_text() == "{}\n"


# -- start-up -------------------------------------------------------------------------------


def _app(project: Project, tmp_path):
    return create_app({
        "TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'ivr.db'}", "TWILIO_AUTH_TOKEN": "t",
        "SECRET_KEY": "s", "FLOWS_DIR": project.flows, "PROMPTS_DIR": project.prompts,
    })


def test_the_server_refuses_to_start_on_errors_and_names_every_one(project, tmp_path):
    project.write("flows/main.yaml", BROKEN_MAIN.replace("2: {next: agent}", "0: {next: agent}"))
    with pytest.raises(FlowsInvalid) as refused:
        _app(project, tmp_path)
    message = str(refused.value)
    assert "flows/main.yaml:10:5: step 'thanks' (say) has an unknown setting 'nxt'" in message
    assert "[reserved-key]" in message


def test_the_server_refuses_a_flow_that_runs_an_action_the_backend_does_not_have(project, tmp_path):
    project.write("flows/main.yaml", """\
        flow: main
        steps:
          lookup:
            action: status.lokup
            next: {ok: goodbye, error: agent}
          goodbye:
            hangup: main.goodbye
        """)
    with pytest.raises(FlowsInvalid) as refused:
        _app(project, tmp_path)
    assert "runs action 'status.lokup', which does not exist — did you mean 'status.lookup'?" in str(refused.value)


def test_the_server_starts_with_warnings_and_logs_them(project, tmp_path, caplog):
    project.prompt("main.old", '"Ancien."', '"Old."')
    with caplog.at_level(logging.WARNING, logger="ivr.content.flowstore"):
        _app(project, tmp_path)
    logged = [r.getMessage() for r in caplog.records if r.name == "ivr.content.flowstore"]
    assert len(logged) == 2
    assert "no flow uses prompt 'main.old'" in logged[0]


def test_ivr_serve_refuses_broken_flows_with_their_findings(project, monkeypatch, tmp_path):
    project.write("flows/main.yaml", BROKEN_MAIN)
    monkeypatch.setenv("IVR_FLOWS_DIR", str(project.flows))
    monkeypatch.setenv("IVR_PROMPTS_DIR", str(project.prompts))
    monkeypatch.setenv("IVR_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "t")
    monkeypatch.setenv("IVR_SECRET_KEY", "s")
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 1
    assert "the flows have errors, so the line cannot start" in result.output
    assert "unknown setting 'nxt'" in result.output


def test_flows_and_prompts_options_name_the_folders_to_check(cli, project, tmp_path_factory):
    other = Project(tmp_path_factory.mktemp("other"))
    other.write("flows/main.yaml", BROKEN_MAIN)
    result = cli("lint", "--flows", str(other.flows), "--prompts", str(other.prompts))
    assert result.exit_code == 1
    assert "unknown-key" in result.output
