"""Commands for content staff: try a flow from any step, run scenario tests, draw a flow."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ivr.calls.console import ConsoleStart
from ivr.config import content_folders
from ivr.content import graphviz
from ivr.content.flowstore import FlowStore
from ivr.engine.findings import FlowsInvalid
from ivr.engine.flows import FlowSet
from ivr.engine.loader import load_flowset
from ivr.engine.counts import counted
from ivr.engine.findings import did_you_mean
from ivr.engine.graph import dot, mermaid
from ivr.scenarios import run_paths
from ivr.scenarios.run import scenario_files


# --flows and --prompts, the same for every command that reads content staff's folders (test, graph, lint).
flows_option = click.option(
    "--flows", "flows_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The flows folder to read (default: IVR_FLOWS_DIR, or the project's flows/).")
prompts_option = click.option(
    "--prompts", "prompts_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The prompts folder (default: the prompts/ beside --flows, IVR_PROMPTS_DIR, or the project's prompts/).")


def _configured_flowset(app: Any | None) -> FlowSet | None:
    """The flows this command talks about: the app's, or those in IVR_FLOWS_DIR / IVR_PROMPTS_DIR."""
    if app is not None:
        store: FlowStore = app.extensions["ivr.flows"]
        return store.current
    try:
        return load_flowset(*content_folders())
    except FlowsInvalid:
        return None


def console_start(app: Any | None, flow: str | None, step: str | None, language: str | None,
                  client_number: str | None) -> ConsoleStart | None:
    """Check `ivr call --flow/--step/--lang/--client` against the flows and say how to fix a typo."""
    if not (flow or step or language or client_number):
        return None
    if step and not flow:
        if "/" not in step:
            raise click.BadParameter("say which flow the step is in, e.g. --flow status --step lookup",
                                     param_hint="'--step'")
        flow, _, step = step.partition("/")
    if client_number is not None and not (client_number.isdigit() and len(client_number) == 9):
        raise click.BadParameter(f"'{client_number}' is not a 9-digit client number, e.g. 100200300",
                                 param_hint="'--client'")
    flowset = _configured_flowset(app)
    if flow and flowset is not None:
        if flow not in flowset.flows:
            hint = did_you_mean(flow, flowset.flows) or "flows: " + ", ".join(sorted(flowset.flows))
            raise click.BadParameter(f"there is no flow named '{flow}' — {hint}", param_hint="'--flow'")
        steps = flowset.flows[flow].steps
        if step and step not in steps:
            hint = did_you_mean(step, steps) or f"steps of '{flow}': " + ", ".join(steps)
            raise click.BadParameter(f"flow '{flow}' has no step '{step}' — {hint}", param_hint="'--step'")
    if language and flowset is not None and language not in flowset.languages:
        codes = flowset.languages.codes
        hint = did_you_mean(language, codes) or "languages: " + ", ".join(codes)
        raise click.BadParameter(f"the line does not serve '{language}' — {hint}", param_hint="'--lang'")
    at = f"{flow}/{step}" if flow and step else flow
    return ConsoleStart(at=at, language=language, client_number=client_number)


def _shown(path: str) -> str:
    """A path as content staff see it: relative to where they run the command."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@click.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--min-coverage", type=click.FloatRange(0, 100), default=None,
              help="Fail (exit 1) when fewer than this percent of steps and branches are reached.")
@flows_option
@prompts_option
def test_command(paths: tuple[Path, ...], min_coverage: float | None, flows_dir: Path | None,
                 prompts_dir: Path | None) -> None:
    """Run the scenario tests (default: flows/tests/) and report what no scenario reaches.

    Each scenario is a call through the real webhook, on a throw-away copy of the demo data,
    with time frozen. Exit 0 when all pass, 1 when one fails, 2 for a usage error.
    """
    flows_dir, prompts_dir = content_folders(flows_dir, prompts_dir)
    targets = list(paths) or [flows_dir / "tests"]
    if not paths and not targets[0].is_dir():
        raise click.UsageError(f"there is no {_shown(str(targets[0]))} folder; give scenario files or folders")
    if not scenario_files(targets):
        raise click.UsageError("no scenario files (*.yaml) found in " + ", ".join(_shown(str(p)) for p in targets))
    try:
        summary = run_paths(targets, flows_dir, prompts_dir)
    except FlowsInvalid as invalid:
        raise click.ClickException("the flows have errors, so no scenario can run:\n" + str(invalid)) from None

    current = None
    for result in summary.results:
        if result.scenario.path != current:
            current = result.scenario.path
            click.echo(_shown(current))
        mark = "  ok   " if result.passed else "  FAIL "
        click.echo(f"{mark}{result.scenario.name}")
        if result.failure is not None:
            failure = result.failure
            click.echo(f"         {_shown(failure.path)}:{failure.line}: {failure.message}")
    for problem in summary.problems:
        click.echo(f"{_shown(problem.path)}:{problem.line}: {problem.message}"
                   + (f" — {problem.hint}" if problem.hint else ""))
    failed = len(summary.failed)
    click.echo(f"\n{counted(len(summary.results), 'scenario')}: {len(summary.results) - failed} passed, {failed} failed"
               + (f", {counted(len(summary.problems), 'problem')} in scenario files" if summary.problems else ""))
    click.echo("\nCoverage: steps and branches reached by at least one scenario")
    width = max((len(f.flow) for f in summary.coverage), default=4)
    for flow in summary.coverage:
        click.echo(f"  {flow.flow:<{width}}  {flow.percent:5.1f} %  ({flow.covered}/{flow.total})")
        for target in flow.missing:
            click.echo(f"      {_shown(target.path)}:{target.line}: {target.describe()}")
    total = sum(f.total for f in summary.coverage)
    covered = sum(f.covered for f in summary.coverage)
    click.echo(f"  {'all':<{width}}  {summary.percent:5.1f} %  ({covered}/{total})")
    if not summary.ok:
        sys.exit(1)
    if min_coverage is not None and summary.percent < min_coverage:
        click.echo(f"coverage {summary.percent:.1f} % is below the {min_coverage:g} % asked for")
        sys.exit(1)


@click.command("graph")
@click.argument("flow")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "svg", "png", "dot"]), default="mermaid",
              show_default=True, help="Mermaid text (always), SVG or PNG (with Graphviz), or Graphviz DOT text.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write to this file instead of the screen (needed for png).")
@flows_option
@prompts_option
def graph_command(flow: str, fmt: str, output: Path | None, flows_dir: Path | None, prompts_dir: Path | None) -> None:
    """Draw FLOW: its steps, menu keys on the arrows, and every way to an agent.

    Paste the Mermaid text into a Markdown file (GitHub and GitLab draw it), or ask for
    --format svg or png when Graphviz is installed (apt install graphviz). The folders it read
    are named on stderr, so the picture alone goes to stdout.
    """
    flows_dir, prompts_dir = content_folders(flows_dir, prompts_dir)
    click.echo(f"Drawing '{flow}' from {_shown(str(flows_dir))} (prompts: {_shown(str(prompts_dir))}).", err=True)
    flowset = _flowset_or_fail(flows_dir, prompts_dir)
    if flow not in flowset.flows:
        hint = did_you_mean(flow, flowset.flows) or "flows: " + ", ".join(sorted(flowset.flows))
        raise click.BadParameter(f"there is no flow named '{flow}' — {hint}", param_hint="'FLOW'")
    if fmt == "png" and output is None:
        raise click.BadParameter("a PNG picture needs a file: add -o status.png", param_hint="'--format'")
    if fmt in ("mermaid", "dot"):
        text = mermaid(flowset, flow) if fmt == "mermaid" else dot(flowset, flow)
        if output is None:
            click.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
            click.echo(f"wrote {output}")
        return
    try:
        picture = graphviz.render(dot(flowset, flow), fmt)
    except graphviz.GraphvizFailed as failed:
        raise click.ClickException(f"Graphviz could not draw '{flow}': {failed}") from None
    if picture is None:
        raise click.ClickException(
            f"{fmt.upper()} needs Graphviz, which is not installed: install it (apt install graphviz), "
            "or use --format mermaid (the default)")
    if output is None:
        click.get_binary_stream("stdout").write(picture)
    else:
        output.write_bytes(picture)
        click.echo(f"wrote {output}")


def _flowset_or_fail(flows_dir: Path, prompts_dir: Path) -> FlowSet:
    try:
        return load_flowset(flows_dir, prompts_dir)
    except FlowsInvalid as invalid:
        raise click.ClickException("the flows have errors, fix them first:\n" + str(invalid)) from None
