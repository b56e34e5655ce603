"""Content staff look at a flow rather than read its YAML: `ivr graph` and the pure graph builder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import click
from click.testing import CliRunner

from ivr.content import graphviz
from ivr.cli import main
from ivr.engine.loader import load_flowset
from ivr.engine.graph import UnknownFlow, build, dot, mermaid

ROOT = Path(__file__).resolve().parents[2]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz 'dot' is not installed (apt install graphviz; .ci/run does it)")


@pytest.fixture(scope="module")
def flowset():
    return load_flowset(ROOT / "flows", ROOT / "prompts")


def test_menu_keys_are_written_on_the_arrows(flowset):
    text = mermaid(flowset, "address")
    assert '    s_confirm -->|"1"| s_submit\n' in text
    assert '    s_confirm -->|"2"| s_restart\n' in text
    assert '    s_readback -->|"empty"| s_readback_house\n' in text


def test_every_way_to_an_agent_is_a_thick_arrow_to_the_marked_agent_node(flowset):
    text = mermaid(flowset, "status")
    assert '    s_identify ==>|"failed"| agent\n' in text
    assert '    s_lookup ==>|"error"| agent\n' in text
    assert '    s_after_status ==>|"no answer / not understood"| agent\n' in text
    assert '    agent(["agent"])\n' in text
    assert "    class agent agent\n" in text
    assert "0 reaches an agent from every prompt" in text


def test_language_choices_and_other_flows_are_shown(flowset):
    text = mermaid(flowset, "main")
    assert '    s_language -->|"1 (fr)"| s_welcome\n' in text
    assert '    s_menu -->|"1"| x_status_identify\n' in text
    assert 'x_status_identify>"status/identify<br/>flow status"]' in text


def test_graph_has_one_node_per_step_and_starts_at_the_flow_start(flowset):
    graph = build(flowset, "identify")
    steps = [n.title for n in graph.nodes if n.kind not in ("start", "agent", "elsewhere")]
    assert steps == list(flowset.flows["identify"].steps)
    assert graph.edges[0].source == "start" and graph.edges[0].target == f"s_{flowset.flows['identify'].start}"


def test_unknown_flow_is_refused(flowset):
    with pytest.raises(UnknownFlow):
        build(flowset, "nope")


def test_dot_text_marks_agent_exits_in_red(flowset):
    text = dot(flowset, "status")
    assert text.startswith('digraph "status" {')
    assert '"s_lookup" -> "agent" [label="error", color="#b03a2e", penwidth="2"];' in text


@needs_dot
def test_svg_picture_shows_the_steps_and_keys(flowset):
    svg = graphviz.flow_svg(flowset, "address")
    assert svg is not None and svg.lstrip().startswith(b"<?xml")
    assert b"offer_phone" in svg and b">agent<" in svg


def test_without_graphviz_svg_is_none_so_pages_fall_back_to_mermaid(flowset, monkeypatch):
    monkeypatch.setattr(graphviz.shutil, "which", lambda name: None)
    assert graphviz.flow_svg(flowset, "main") is None
    assert graphviz.flow_mermaid(flowset, "main").startswith("---\ntitle: main")


class TestCommand:
    def test_mermaid_by_default(self):
        result = CliRunner().invoke(main, ["graph", "main"])
        assert result.exit_code == 0
        assert "flowchart TD" in result.output

    def test_misspelt_flow_suggests_the_right_one(self):
        result = CliRunner().invoke(main, ["graph", "adress"])
        assert result.exit_code == 2
        assert "did you mean 'address'?" in result.output

    def test_png_needs_an_output_file(self):
        result = CliRunner().invoke(main, ["graph", "main", "--format", "png"])
        assert result.exit_code == 2
        assert "-o" in result.output

    @needs_dot
    def test_png_written_to_a_file(self, tmp_path):
        out = tmp_path / "status.png"
        result = CliRunner().invoke(main, ["graph", "status", "--format", "png", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.read_bytes().startswith(b"\x89PNG")

    def test_svg_without_graphviz_says_how_to_get_it(self, monkeypatch):
        monkeypatch.setattr(graphviz.shutil, "which", lambda name: None)
        result = CliRunner().invoke(main, ["graph", "status", "--format", "svg"])
        assert result.exit_code == 1
        assert "apt install graphviz" in result.output and "--format mermaid" in result.output


class TestTheFolderBeingEdited:
    """`ivr graph --flows DIR` draws the copy being edited, not the installed flows, and says which it read."""

    @pytest.fixture
    def copy(self, tmp_path, monkeypatch):
        shutil.copytree(ROOT / "flows", tmp_path / "flows")
        shutil.copytree(ROOT / "prompts", tmp_path / "prompts")
        main_flow = tmp_path / "flows" / "main.yaml"
        text = main_flow.read_text().replace("next: welcome}", "next: bienvenue}").replace("  welcome:\n", "  bienvenue:\n")
        main_flow.write_text(text)
        monkeypatch.chdir(tmp_path)
        return tmp_path

    def test_the_flows_folder_given_is_drawn_and_named_on_stderr(self, copy):
        result = CliRunner().invoke(main, ["graph", "main", "--flows", "flows"])
        assert result.exit_code == 0, result.output
        assert "s_bienvenue" in result.stdout and "Drawing" not in result.stdout
        assert result.stderr == "Drawing 'main' from flows (prompts: prompts).\n"  # the prompts beside it

    def test_without_flows_the_configured_folder_is_drawn_and_named(self, copy):
        result = CliRunner().invoke(main, ["graph", "main"])
        assert result.exit_code == 0, result.output
        assert "s_bienvenue" not in result.stdout
        assert f"from {ROOT / 'flows'} (prompts: {ROOT / 'prompts'})" in result.stderr

    def test_graph_test_and_lint_share_one_definition_of_the_folder_options(self):
        commands = [main.get_command(click.Context(main), name) for name in ("graph", "test", "lint")]
        for option in ("flows_dir", "prompts_dir"):
            [graph, test, lint] = [next(p for p in command.params if p.name == option) for command in commands]
            assert graph.opts == test.opts == lint.opts and graph.help == test.help == lint.help
