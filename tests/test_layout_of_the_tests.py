"""The tests are laid out like the code (../shared/LAYOUT.md): a folder per package of `ivr/`, plus
`e2e/` (whole calls through the signed webhook) and `support/` (servers, databases, fault kits,
callers' journeys shared by several tests). A test module never imports another test module: what
two tests share lives in `tests/support/`, so moving or deleting one test cannot break another.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
IVR = TESTS.parent / "ivr"
BESIDE_THE_PACKAGES = {"e2e", "support"}


def test_every_folder_of_tests_mirrors_a_package_of_the_code_or_is_e2e_or_support():
    packages = {p.name for p in IVR.iterdir() if (p / "__init__.py").exists()}
    folders = {p.name for p in TESTS.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))}
    strays = folders - packages - BESIDE_THE_PACKAGES
    assert not strays, f"tests/{sorted(strays)} mirror no package of ivr/: move them, or into tests/e2e/"


def test_every_test_module_sits_in_a_folder_except_those_of_the_top_level_modules():
    """Tests of a top-level module (ivr/logs.py, privacy.py, limits.py) and of the project as a whole
    (its layout, lock file, benchmark, one-home rules) stay at tests/; the rest go in a folder."""
    top_level = {p.stem for p in IVR.glob("*.py")}
    loose = sorted(p.name for p in TESTS.glob("test_*.py"))
    for name in loose:
        text = (TESTS / name).read_text(encoding="utf-8")
        names_a_top_level_module = any(f"ivr.{module}" in text or f"ivr/{module}.py" in text
                                       or f"from ivr import {module}" in text for module in top_level)
        about_the_project = any(word in name for word in ("layout", "lock_file", "bench", "one_home"))
        assert names_a_top_level_module or about_the_project, f"tests/{name} belongs in a folder of tests/"


def test_no_test_module_imports_another_test_module():
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            if any(part.startswith("test_") for name in names for part in name.split(".")):
                offenders.append(f"{path.relative_to(TESTS.parent)}:{node.lineno}")
    assert offenders == [], f"move what these share into tests/support/: {offenders}"
