"""A flows or prompts file that YAML cannot read gets one finding, first, in plain words, and nothing
that follows from it (issue 12: one over-indented key gave ten prompt-missing errors and a warning
before the parser's own words, "expected <block end>, but found '<block mapping start>'")."""

from __future__ import annotations

import logging
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.app import create_app
from ivr.cli import main
from ivr.engine.findings import FlowsInvalid

from tests.support.lint_project import MAIN, MAIN_PROMPTS, Project

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A copy of the shipped flows and prompts, and `ivr lint` run on it as content staff do."""
    shutil.copytree(ROOT / "flows", tmp_path / "flows", ignore=shutil.ignore_patterns("tests"))
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IVR_FLOWS_DIR", str(tmp_path / "flows"))
    monkeypatch.setenv("IVR_PROMPTS_DIR", str(tmp_path / "prompts"))
    return tmp_path


def lint(*args: str):
    return CliRunner().invoke(main, ["lint", *args])


def edit(path: Path, old: str, new: str) -> int:
    """Replace `old` by `new` once, as content staff would; the line the new text starts on."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    start = text.index(old) + len(new) - len(new.lstrip("\n"))
    return text[:start].count("\n") + 1


def line_number(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


# -- the two examples of the issue ---------------------------------------------------------------------


def test_a_prompt_key_indented_two_spaces_too_far_gives_one_finding_and_no_missing_prompts(shipped):
    line = edit(shipped / "prompts/fr/main.yaml", "\nwelcome:", "\n  welcome:")
    result = lint()
    assert (result.exit_code, result.output.splitlines()) == (1, [
        f"prompts/fr/main.yaml:{line}:3: line {line} is indented more than the line above it — align it with "
        f"'english_words' on line {line - 1}: remove 2 spaces at the start of line {line} [yaml-syntax]",
        "1 error, 0 warnings in flows and prompts.",
    ])
    assert "block end" not in result.output and "prompt-missing" not in result.output


def test_an_under_indented_step_in_main_gives_one_finding_and_no_create_main(shipped):
    flow = shipped / "flows/main.yaml"
    line = edit(flow, "\n  welcome:", "\n welcome:")
    result = lint()
    first, summary = result.output.splitlines()
    assert result.exit_code == 1
    assert first.startswith(f"flows/main.yaml:{line}:2: line {line} is indented less than the line above it, "
                            "but does not line up with any line above — start line")
    assert f"with 2 spaces to line it up with 'language' (line {line_number(flow, '  language:')})" in first
    assert summary == "1 error, 0 warnings in flows and prompts."
    assert "create" not in result.output and "entry-missing" not in result.output


def test_the_finding_comes_first_even_beside_other_errors_and_when_linting_another_file(shipped):
    edit(shipped / "flows/status.yaml", "next:", "nxt:")  # a real error in a file that can be read
    edit(shipped / "prompts/en/main.yaml", "\nwelcome:", "\n  welcome:")
    everything = lint().output.splitlines()
    assert everything[0].startswith("prompts/en/main.yaml:") and everything[0].endswith("[yaml-syntax]")
    assert any("[unknown-key]" in line for line in everything[1:])
    one_file = lint("flows/status.yaml").output.splitlines()
    assert one_file[0].startswith("prompts/en/main.yaml:"), "why the other checks did not run is shown too"


def test_the_server_refuses_to_start_with_the_same_single_finding(shipped):
    edit(shipped / "prompts/fr/main.yaml", "\nwelcome:", "\n  welcome:")
    with pytest.raises(FlowsInvalid) as refused:
        create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{shipped / 'ivr.db'}", "TWILIO_AUTH_TOKEN": "t",
                    "FLOWS_DIR": shipped / "flows", "PROMPTS_DIR": shipped / "prompts"})
    assert [f.code for f in refused.value.findings] == ["yaml-syntax"]
    assert "is indented more than the line above it" in str(refused.value)


def test_hot_reload_refuses_the_change_and_logs_the_same_single_finding(shipped, caplog):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{shipped / 'ivr.db'}", "TWILIO_AUTH_TOKEN": "t",
                      "FLOWS_DIR": shipped / "flows", "PROMPTS_DIR": shipped / "prompts", "FLOWS_CHECK_SECONDS": 0})
    edit(shipped / "flows/main.yaml", "\n  welcome:", "\n welcome:")
    with caplog.at_level(logging.ERROR, logger="ivr"):
        app.extensions["ivr.flows"].refresh(force=True)
    refused = [r.getMessage() for r in caplog.records if "refused a change to the flows" in r.getMessage()]
    assert len(refused) == 1 and "(1 error)" in refused[0]
    assert "flows/main.yaml:" in refused[0] and "is indented less than the line above it" in refused[0]
    assert "entry-missing" not in refused[0]


# -- every kind of unreadable file, in a flow and in a prompts file of either language ----------------------


@dataclass(frozen=True)
class Break:
    """A line of MAIN (`line`) and the second line of the prompts (`thanks: ...`) written wrong, what the
    finding must say, and the line it names when that is not the broken one."""

    new: str
    says: str
    prompt_new: str
    line: int = 12
    """`    next: goodbye`, in step 'thanks'."""
    reported: int | None = None
    prompt_reported: int = 2


BREAKS = {
    "indented more": Break("      next: goodbye", "is indented more than the line above it", "  thanks: \"Merci.\""),
    "indented less": Break("   next: goodbye", "is indented less than the line above it",
                           "thanks:\n    short: \"Merci.\"\n  long: \"Merci beaucoup.\"", prompt_reported=4),
    "a tab": Break("\tnext: goodbye", "has a tab where YAML needs spaces", "\tthanks: \"Merci.\""),
    "no colon": Break("    next goodbye", "has no ':' after '", "thanks \"Merci.\""),
    "a colon in a sentence": Break("    next: goodbye: now", "has ': ' in it", "thanks: Merci: au revoir"),
    "no space after the colon": Break("    next:goodbye\n    say: main.thanks", "has no space after its ':'",
                                      "thanks:Merci.\nmore: \"Merci.\""),
    "a quote never closed": Break("    next: \"goodbye", "is never closed on that line", "thanks: \"Merci."),
    "a quote closed too early": Break("    next: 'good'bye'", "ends before the end of the line",
                                      "thanks: 'Merci d'avoir appelé.'"),
    "a bracket never closed": Break("      1: {next: thanks", "is never closed", "thanks: [merci, thanks", line=7),
    "a missing comma": Break("      1: {next: thanks language: fr}", "have no ',' between them",
                             "thanks: {text: merci audio: merci.wav}", line=7),
    "a key written twice": Break("    say: main.goodbye", "is written twice in the same block",
                                 "thanks: \"Merci.\"\nthanks: \"Merci!\"", prompt_reported=3),
    "a reserved first character": Break("    next: *", "that starts with '", "thanks: @merci"),
    "a second document": Break("---", "starts a second document", "---"),
    "a control character": Break("    next: good\x07bye", "invisible control character (U+0007)",
                                 "thanks: \"Mer\x07ci.\""),
}


def broken(text: str, line: int, new: str) -> str:
    lines = textwrap.dedent(text).splitlines()
    lines[line - 1] = new
    return "\n".join(lines) + "\n"


@pytest.fixture
def project(tmp_path) -> Project:
    return Project(tmp_path)


@pytest.mark.parametrize("kind", BREAKS)
@pytest.mark.parametrize("where", ["flows/main.yaml", "prompts/fr/main.yaml", "prompts/en/main.yaml"])
def test_an_unreadable_file_gets_exactly_one_finding_in_plain_words(project, kind, where):
    case = BREAKS[kind]
    if where.startswith("flows"):
        text, line = broken(MAIN, case.line, case.new), case.reported or case.line
    else:
        text, line = broken(MAIN_PROMPTS[where.split("/")[1]], 2, case.prompt_new), case.prompt_reported
    (project.root / where).write_text(text, encoding="utf-8")
    findings = project.lint()
    assert [(f.code, f.path, f.line) for f in findings] == [("yaml-syntax", project.path(where), line)], \
        "\n".join(map(str, findings))
    assert case.says in findings[0].message
    assert findings[0].hint, "the finding says how to fix it"
    assert "<block" not in str(findings[0]) and "scanning" not in str(findings[0])


@pytest.mark.parametrize("where", ["flows/main.yaml", "prompts/fr/main.yaml"])
def test_a_file_not_saved_as_utf8_gets_one_finding_that_says_so(project, where):
    text = textwrap.dedent(MAIN if where.startswith("flows") else MAIN_PROMPTS["fr"]).replace("main.thanks", "é")
    text = text.replace("Merci.", "Merci, ça va.")
    (project.root / where).write_bytes(text.encode("latin-1"))
    findings = project.lint()
    assert [(f.code, f.path) for f in findings] == [("yaml-syntax", project.path(where))]
    assert "not saved as UTF-8" in findings[0].message and "UTF-8" in findings[0].hint


def test_an_unreadable_global_file_hides_nothing_it_cannot_know(project):
    project.write("flows/global.yaml", "agent:\n  key: 0\n   words: common.agent_words\n")
    findings = project.lint()
    assert [(f.code, f.line) for f in findings] == [("yaml-syntax", 3)]
    assert findings[0].message == "line 3 is indented more than the line above it"


def test_a_scenario_file_that_cannot_be_read_says_so_in_the_same_words(tmp_path):
    from ivr.scenarios.format import read_scenarios

    path = tmp_path / "main.yaml"
    path.write_text("scenarios:\n  - name: x\n    call:\n      - press: 1\n        - press: 2\n", encoding="utf-8")
    problems = read_scenarios(path).problems
    assert [(p.code, p.line) for p in problems] == [("yaml-syntax", 5)]
    assert problems[0].message == "line 5 is indented more than the line above it"


@pytest.mark.parametrize("where", ["flows/main.yaml", "prompts/fr/main.yaml", "prompts/en/main.yaml"])
def test_a_file_whose_first_line_is_indented_gets_one_finding_on_that_line_in_plain_words(project, where):
    text = textwrap.dedent(MAIN if where.startswith("flows") else MAIN_PROMPTS[where.split("/")[1]])
    (project.root / where).write_text("# a comment first\n  " + text, encoding="utf-8")
    findings = project.lint()
    assert [(f.code, f.path, f.line, f.column) for f in findings] == [("yaml-syntax", project.path(where), 2, 3)], \
        "\n".join(map(str, findings))
    assert findings[0].message == "line 2 is indented, but it starts the file: line 3 starts further left, and " \
                                  "cannot line up with it"
    assert findings[0].hint == "start the file at the left margin: remove 2 spaces at the start of line 2"
    assert "document" not in str(findings[0])
