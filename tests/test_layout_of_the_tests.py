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


# The tests that stay at tests/: those of a top-level module of ivr/ and those of the project as a whole.
AT_THE_TOP = {
    "test_clock.py": "ivr/clock.py",
    "test_log_scrubbing.py": "ivr/logs.py",
    "test_privacy_masks.py": "ivr/privacy.py",
    "test_request_limits.py": "ivr/app.py",
    "test_layout.py": "the import contracts and one-fact-one-home rules",
    "test_layout_of_the_tests.py": "this layout",
    "test_one_home_for_languages.py": "the languages' one home, across every package",
    "test_lock_file.py": "requirements.lock, the Makefile and CI",
    "test_bench.py": "bench/",
}


def test_every_test_module_sits_in_a_folder_except_those_of_the_top_level_modules():
    loose = {p.name for p in TESTS.glob("test_*.py")}
    strays = sorted(loose - set(AT_THE_TOP))
    assert not strays, f"move {strays} into the folder of tests/ that mirrors the package they test (or e2e/)"


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
