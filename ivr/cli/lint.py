"""`ivr lint` and `ivr schema`: content staff check their edits before a caller hears them."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ivr.cli.content import flows_option, prompts_option
from ivr.config import content_folders
from ivr.engine.counts import counted
from ivr.engine.findings import UNREADABLE, Finding, Severity
from ivr.engine.languages import read_languages
from ivr.engine.lint import lint as run_lint
from ivr.engine.schema import SCHEMA_FILES, schema_text
from ivr.lint_context import loader_options


@click.command()
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people, json for tools and editors.")
@click.option("--strict", is_flag=True,
              help="Exit with 1 on warnings too (for CI); without it only errors do.")
@flows_option
@prompts_option
def lint(path: Path | None, output: str, strict: bool, flows_dir: Path | None, prompts_dir: Path | None) -> None:
    """Check flows and prompts: PATH is a flows folder, a prompts folder, a project folder or one file.

    Without PATH it checks --flows and --prompts (default IVR_FLOWS_DIR and IVR_PROMPTS_DIR, or
    flows/ and prompts/). Exit code: 0 no errors, 1 errors (or warnings with --strict), 2 wrong usage.
    """
    flows_dir, prompts_dir, only = _what_to_check(path, *content_folders(flows_dir, prompts_dir))
    findings = run_lint(flows_dir, prompts_dir, **loader_options())
    if only is not None:  # a file that cannot be read stops the checks of the others: always shown
        findings = [f for f in findings if _inside(f.path, only) or f.code == UNREADABLE]
    errors = [f for f in findings if f.severity is Severity.ERROR]
    warnings = [f for f in findings if f.severity is Severity.WARNING]
    checked = _relative(only) if only else f"{_relative(flows_dir)} and {_relative(prompts_dir)}"
    if output == "json":
        click.echo(json.dumps({
            "checked": {"flows": str(flows_dir), "prompts": str(prompts_dir), "only": str(only or "")},
            "errors": len(errors),
            "warnings": len(warnings),
            "findings": [_shown(f).as_dict() for f in findings],
        }, indent=2, ensure_ascii=False))
    else:
        for item in findings:
            click.echo(str(_shown(item)), err=False)
        if findings:
            click.echo(f"{counted(len(errors), 'error')}, {counted(len(warnings), 'warning')} in {checked}.")
        else:
            click.echo(f"No problems found in {checked}.")
    if errors or (strict and warnings):
        raise SystemExit(1)


@click.command()
@click.option("--out", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write schema.json and global.schema.json in (default: IVR_FLOWS_DIR or flows/).")
@click.option("--check", is_flag=True, help="Only say whether the files are up to date (exit 1 if not).")
def schema(folder: Path | None, check: bool) -> None:
    """Write the JSON Schema of the flow format, used by editors to complete and underline."""
    folder = folder or content_folders()[0]
    stale = []
    for name, build in SCHEMA_FILES.items():
        target = folder / name
        text = schema_text(build())
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current == text:
            click.echo(f"{_relative(target)} is up to date.")
            continue
        stale.append(target)
        if not check:
            folder.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            click.echo(f"Wrote {_relative(target)}.")
    if check and stale:
        click.echo("Out of date: " + ", ".join(_relative(p) for p in stale) + " — run `ivr schema` to update.")
        raise SystemExit(1)


def _what_to_check(path: Path | None, flows: Path, prompts: Path) -> tuple[Path, Path, Path | None]:
    """(flows folder, prompts folder, the part to report on) for what the user named; `flows` and
    `prompts` are the folders read when PATH does not name them."""
    if path is None:
        return flows, prompts, None
    path = path.resolve()
    if path.is_dir() and (path / "flows").is_dir():  # a project folder
        return path / "flows", path / "prompts", None
    codes = read_languages(flows).codes
    if path.is_dir() and any((path / language).is_dir() for language in codes):  # a prompts folder
        return flows, path, path
    if path.is_dir() and path.name in codes:  # one language of the prompts
        return flows, path.parent, path
    if path.is_dir() and any(path.glob("*.yaml")):  # a flows folder
        sibling = path.parent / "prompts"
        return path, sibling if sibling.is_dir() else prompts, None
    if path.is_file() and path.suffix in (".yaml", ".yml"):
        if path.parent.name in codes:
            return flows, path.parent.parent, path
        sibling = path.parent.parent / "prompts"
        return path.parent, sibling if sibling.is_dir() else prompts, path
    raise click.UsageError(
        f"{path} is not a flows folder, a prompts folder or a .yaml file — "
        "name a folder like flows/ or prompts/, or a file like flows/main.yaml"
    )


def _inside(path: str, only: Path) -> bool:
    try:
        Path(path).resolve().relative_to(only)
    except ValueError:
        return Path(path).resolve() == only
    return True


def _shown(item: Finding) -> Finding:
    return Finding(item.code, item.message, _relative(item.path), item.line, item.column, item.severity, item.hint)


def _relative(path: str | Path) -> str:
    text = str(path)
    if not text:
        return text
    try:
        return str(Path(text).resolve().relative_to(Path.cwd()))
    except ValueError:
        return text
