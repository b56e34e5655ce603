"""The call's step has one owner (issue 15, ../shared/LAYOUT.md rules 4 and 6): `ivr.calls` runs it and
commits it, `ivr.telephony` only reads Twilio's form and writes TwiML, and neither reaches into the other's
private helpers nor hides an import inside a function. Read from the source, as text and syntax trees."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STEP_PACKAGES = ("ivr/calls", "ivr/telephony")
HEAVY_OPTIONAL = {"twilio.rest"}
"""Imported inside a function on purpose: 160 ms, paid only by a server that calls Twilio's REST API."""
DIALECT_WORDS = ("postgresql", "sqlite", "for update", "begin immediate", "with_for_update")


def modules(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def name(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", modules(*STEP_PACKAGES), ids=name)
def test_no_module_imports_a_private_name_of_another(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    private = [f"line {node.lineno}: from {node.module} import {alias.name}" for node in ast.walk(tree)
               if isinstance(node, ast.ImportFrom) for alias in node.names
               if alias.name.startswith("_") and alias.name != "__future__" and node.module != "__future__"]
    assert private == []


@pytest.mark.parametrize("path", modules(*STEP_PACKAGES), ids=name)
def test_no_import_hides_inside_a_function_but_an_optional_heavy_one(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hidden = [f"line {inner.lineno}: {ast.unparse(inner)}" for node in ast.walk(tree)
              if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) for inner in ast.walk(node)
              if isinstance(inner, (ast.Import, ast.ImportFrom))
              and not (isinstance(inner, ast.ImportFrom) and inner.module in HEAVY_OPTIONAL)]
    assert hidden == []


@pytest.mark.parametrize("path", modules("ivr/calls"), ids=name)
def test_the_step_never_names_a_sql_dialect(path):
    code = "\n".join(line.split("#")[0] for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.strip().startswith(('"', "'")))
    tree = ast.parse(path.read_text(encoding="utf-8"))
    strings = [node.value.lower() for node in ast.walk(tree) if isinstance(node, ast.Constant)
               and isinstance(node.value, str) and not _is_docstring(tree, node)]
    named = [word for word in DIALECT_WORDS for text in strings if word in text]
    assert named == [] and ".dialect" not in code


@pytest.mark.parametrize("path", modules("ivr/telephony"), ids=name)
def test_the_twilio_border_never_commits_a_phone_request(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    commits = [f"line {node.lineno}: {ast.unparse(node)}" for node in ast.walk(tree)
               if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"]
    assert commits == []


def _is_docstring(tree: ast.AST, constant: ast.Constant) -> bool:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list):
            for statement in body:
                if isinstance(statement, ast.Expr) and statement.value is constant:
                    return True
    return False


@pytest.mark.parametrize("enum", ["CallStatus", "AfterQueue", "JourneyKind"])
def test_statuses_queue_results_and_journey_kinds_are_each_defined_once(enum):
    homes = [name(path) for path in modules("ivr") for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.ClassDef) and node.name == enum
             and any(ast.unparse(base) == "StrEnum" for base in node.bases)]
    assert len(homes) == 1, homes
