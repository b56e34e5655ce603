"""The floor plan's import rules (../shared/LAYOUT.md) hold, checked with import-linter.

The contracts live in pyproject.toml ([tool.importlinter]); these tests run them and make sure
their module lists stay complete, so a new top-level module cannot escape a rule by being new.
"""

from __future__ import annotations

import ast
import subprocess
import textwrap
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
TWILIO_BORDER = {"ivr.telephony"}


def contracts():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def top_level_modules():
    return set(grimp.build_graph("ivr").find_children("ivr"))


LINT_IMPORTS = [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()", "--no-cache"]


def lint_imports(cwd=ROOT, env=None):
    return subprocess.run(LINT_IMPORTS, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_every_import_contract_is_kept():
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_engine_contract_names_every_other_module_of_the_package():
    forbidden = set(contracts()["engine-is-pure"]["forbidden_modules"])
    missing = top_level_modules() - {"ivr.engine"} - forbidden
    assert not missing, f"add {sorted(missing)} to engine-is-pure's forbidden_modules in pyproject.toml"


def test_the_twilio_contract_covers_every_module_outside_the_border():
    sources = set(contracts()["only-the-border-speaks-twilio"]["source_modules"])
    missing = top_level_modules() - TWILIO_BORDER - sources
    assert not missing, f"add {sorted(missing)} to only-the-border-speaks-twilio's source_modules"


def test_a_broken_rule_is_reported_by_name(tmp_path):
    """The check can fail: an engine module that imports Flask breaks the engine contract."""
    copy = tmp_path / "ivr"
    subprocess.run(["cp", "-r", str(ROOT / "ivr"), str(copy)], check=True)
    (copy / "engine" / "zz_leak.py").write_text("import flask\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    result = lint_imports(cwd=tmp_path, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode != 0
    assert "The engine is pure" in result.stdout and "BROKEN" in result.stdout
    assert "ivr.engine.zz_leak -> flask" in result.stdout


def test_the_environment_is_read_only_by_the_config_module():
    """LAYOUT rule 5: one home for the environment. Every other module asks `ivr.config` (or the
    app's config, which `config.from_environment` fills), so a setting is named and read once."""
    readers = []
    for path in sorted((ROOT / "ivr").rglob("*.py")):
        if path == ROOT / "ivr" / "config.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") \
                    and isinstance(node.value, ast.Name) and node.value.id == "os":
                readers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert readers == [], f"read these through ivr.config instead: {readers}"


DIALECT_WORDS = ("sqlite", "postgres", "psycopg")
DIALECT_SQL = ("FOR UPDATE", "BEGIN IMMEDIATE")


def _docstrings(tree: ast.AST) -> set[int]:
    """The string statements of a module (docstrings, attribute docstrings): prose, not code."""
    return {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)}


def dialect_names(source: str) -> list[tuple[int, str]]:
    """Where code names a SQL dialect: `.dialect`, a name or string saying sqlite/postgres/psycopg
    (a URL, `scheme://...`, is configuration and allowed), or SQL only one dialect speaks."""
    tree = ast.parse(source)
    prose = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Attribute):
            names = [node.attr]
            if node.attr == "dialect":
                found.append((node.lineno, ".dialect"))
        elif isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, ast.alias):
            names = [node.name, node.asname or ""]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.arg):
            names = [node.arg]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            text = node.value
            found += [(node.lineno, repr(text)) for sql in DIALECT_SQL if sql in text.upper()]
            if "://" not in text:
                names = [text]
        found += [(getattr(node, "lineno", 0), name) for name in names
                  if any(word in name.lower() for word in DIALECT_WORDS)]
    return found


def test_only_the_store_names_a_sql_dialect():
    """LAYOUT rule 4: the rest of the code asks ivr.store for what it needs (a write transaction,
    a locked call, whether writers take turns); SQLAlchemy's own dialect-neutral API (`with_for_update`)
    is not a dialect's name and stays where it is used."""
    named = []
    for path in sorted((ROOT / "ivr").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("ivr/store/"):
            continue
        named += [f"{relative}:{line}: {what}" for line, what in dialect_names(path.read_text(encoding="utf-8"))]
    assert named == [], "ask ivr.store instead of naming its dialect here:\n" + "\n".join(named)


def test_the_dialect_check_sees_a_dialect_named_in_code_but_not_in_prose_or_a_url():
    source = '''
        """SQLite would rather have this module's docstring."""
        DEFAULT = "sqlite:///instance/ivr.db"
        LOCK = "SELECT 1 FOR UPDATE"
        if engine.dialect.name == "postgresql":
            from ivr.store import sqlite as sqlite_writer
    '''
    found = {what for _line, what in dialect_names(textwrap.dedent(source))}
    assert found == {"'SELECT 1 FOR UPDATE'", ".dialect", "postgresql", "sqlite", "sqlite_writer"}


WALL_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
              ("time", "time"), ("time", "time_ns")}


def wall_clock_reads(source: str) -> list[int]:
    """Lines that read the wall clock (`datetime.now`, `utcnow`, `date.today`, `time.time`);
    `time.monotonic` and `time.perf_counter` measure durations and are fine."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            owner = node.value.attr if isinstance(node.value, ast.Attribute) else getattr(node.value, "id", "")
            if (owner, node.attr) in WALL_CLOCK:
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "time":
            lines += [node.lineno for alias in node.names if alias.name in ("time", "time_ns")]
    return lines


def test_only_the_clock_module_reads_the_wall_clock():
    """LAYOUT rule 5: one clock (`ivr.clock.now`), so freezegun freezes one thing and every "now" of
    a request is the same kind of time (aware, UTC). The engine is handed its times."""
    readers = []
    for path in sorted((ROOT / "ivr").rglob("*.py")):
        if path == ROOT / "ivr" / "clock.py":
            continue
        readers += [f"{path.relative_to(ROOT)}:{line}" for line in wall_clock_reads(path.read_text(encoding="utf-8"))]
    assert readers == [], f"ask ivr.clock.now() instead: {readers}"


def test_the_clock_check_sees_every_way_to_read_the_wall_clock_but_not_a_duration():
    source = '''
        import time, datetime as dt
        from datetime import date, datetime
        from time import time as wall
        a = datetime.now(UTC)
        b = dt.datetime.utcnow()
        c = date.today()
        d = time.time()
        e = time.monotonic() - time.perf_counter()
    '''
    assert wall_clock_reads(textwrap.dedent(source)) == [4, 5, 6, 7, 8]


# -- LAYOUT rule 6 and the floor plan's size: checked on the source, so a test can also run them on a copy --

OPTIONAL_HEAVY: dict[str, str] = {
    "twilio.rest": "160 ms to import (measured); only a server that places or records calls through Twilio's "
                   "REST API needs it, never the webhook, the CLI or the tests (they use the recording fake)",
    "alembic": "0.1-0.15 s to import, and its scripts as much again to read; only migrating needs it (a database "
               "behind the code, `ivr db`): ivr.store.schema sees a database at head with one SELECT",
}
"""Modules that may be imported inside a function, each with why: a dependency that is heavy to import
and that most commands never need."""


def source_files(root=ROOT):
    """(path relative to root, parsed module) of every ivr module."""
    for path in sorted((root / "ivr").rglob("*.py")):
        relative = path.relative_to(root)
        yield relative, ast.parse(path.read_text(encoding="utf-8"))


def imports_inside_functions(root=ROOT):
    found = []
    for relative, tree in source_files(root):
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                else:
                    continue
                if any(name.split(".")[0] not in OPTIONAL_HEAVY and name not in OPTIONAL_HEAVY for name in names):
                    found.append(f"{relative}:{node.lineno}")
    return sorted(set(found))


def imports_at_the_bottom(root=ROOT):
    """Top-level imports after the module's first statement that is not an import, its docstring or an
    `if TYPE_CHECKING:` block."""
    found = []
    for relative, tree in source_files(root):
        code_seen = False
        for statement in tree.body:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                if code_seen:
                    found.append(f"{relative}:{statement.lineno}")
            elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) and not code_seen:
                continue  # the docstring
            elif isinstance(statement, ast.If) and ast.unparse(statement.test).endswith("TYPE_CHECKING"):
                continue
            else:
                code_seen = True
    return found


def private_imports(root=ROOT):
    """`from x import _name` (a single leading underscore) anywhere in ivr."""
    found = []
    for relative, tree in source_files(root):
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.append(f"{relative}:{node.lineno} {node.module}.{alias.name}")
    return found


def import_circles():
    """Groups of ivr modules that import each other, directly or not (strongly connected components of
    grimp's import graph, imports inside functions included)."""
    graph = grimp.build_graph("ivr")
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & set(modules)) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles = []
    for start in modules:  # Tarjan's algorithm, without recursion
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            module, next_edge = work.pop()
            if next_edge == 0:
                index[module] = low[module] = len(index)
                stack.append(module)
            for position in range(next_edge, len(edges[module])):
                target = edges[module][position]
                if target not in index:
                    work.append((module, position + 1))
                    work.append((target, 0))
                    break
                if target in stack:
                    low[module] = min(low[module], index[target])
            else:
                if low[module] == index[module]:
                    group = []
                    while True:
                        member = stack.pop()
                        group.append(member)
                        if member == module:
                            break
                    if len(group) > 1:
                        circles.append(sorted(group))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[module])
    return circles


def _file_of(module: str) -> Path:
    """ivr.calls.step -> ivr/calls/step.py; a package -> its __init__.py."""
    path = Path(*module.split("."))
    return path / "__init__.py" if (ROOT / path).is_dir() else path.with_suffix(".py")


def test_the_package_has_at_most_eight_top_level_modules():
    """LAYOUT: the leaves (config, clock, deadline, privacy, logs...) and create_app; the rest in packages."""
    modules = sorted(path.name for path in (ROOT / "ivr").glob("*.py"))
    assert len(modules) <= 8, f"ivr/ has {len(modules)} modules at its top level, put some in a package: {modules}"


def test_no_import_circle_among_ivr_modules():
    circles = import_circles()
    assert circles == [], f"these modules import each other; move the shared piece down a layer: {circles}"


def test_no_import_inside_a_function_but_optional_heavy_dependencies():
    found = imports_inside_functions()
    assert found == [], f"move these imports to the top of their module (or name the dependency in OPTIONAL_HEAVY, " \
                        f"saying why): {found}"


LOADED_BY_NAME: dict[str, str] = {
    "ivr/cli/__init__.py": "the `ivr` command's one table of commands (COMMANDS): each command's module, heavy "
                           "and needed by that command alone, is imported when it is called, as click documents "
                           "for lazily loaded subcommands (ivr report starts in 0.66 s instead of 0.90 s)",
}
"""The modules that may import a module by its name at run time (importlib), each with why: the one
registry filled in one place that LAYOUT rule 6 allows, not a way round the rule above."""


def imports_by_name(root=ROOT):
    """Calls of importlib.import_module or __import__ in ivr/, as path:line."""
    found = []
    for relative, tree in source_files(root):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                called = node.func
                name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
                if name in ("import_module", "__import__"):
                    found.append(f"{relative}:{node.lineno}")
    return found


def test_modules_are_imported_by_name_only_by_the_command_table():
    found = [where for where in imports_by_name() if where.split(":")[0] not in LOADED_BY_NAME]
    assert found == [], f"import these at the top of their module (or say in LOADED_BY_NAME why not): {found}"


def test_an_import_by_name_outside_the_command_table_is_found(tmp_path):
    (tmp_path / "ivr").mkdir()
    (tmp_path / "ivr" / "sneaky.py").write_text(
        "import importlib\n\n\ndef later():\n    return importlib.import_module('ivr.config')\n", encoding="utf-8")
    assert imports_by_name(tmp_path) == ["ivr/sneaky.py:5"]


def test_no_import_at_the_bottom_of_a_file():
    found = imports_at_the_bottom()
    assert found == [], f"move these imports to the top of their module: {found}"


def test_no_private_name_is_imported_from_another_module():
    found = private_imports()
    assert found == [], f"make these public (or move them to a module both can import): {found}"


def test_an_import_inside_a_function_is_reported_by_file_and_line(tmp_path):
    """The checks can fail: a copy of ivr/ with one hidden import is reported, and only that one."""
    subprocess.run(["cp", "-r", str(ROOT / "ivr"), str(tmp_path / "ivr")], check=True)
    (tmp_path / "ivr" / "zz_hidden.py").write_text(
        "def later():\n    from ivr import config\n\n    return config\n", encoding="utf-8")
    assert imports_inside_functions(tmp_path) == ["ivr/zz_hidden.py:2"]
