"""A fresh machine installs exactly what the suite ran with: requirements.lock pins every
requirement of pyproject.toml (runtime and test), each with its hashes, within what pyproject allows."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from ivr.config import ROOT


def _locked() -> dict[str, tuple[str, list[str]]]:
    """{name: (version, hashes)} from requirements.lock (pip's hash-checking format)."""
    text = (ROOT / "requirements.lock").read_text()
    pins: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9_.\-\[\]]+)==([^\s;\\]+)", block)
        if match:
            name = canonicalize_name(match.group(1).split("[")[0])
            pins[name] = (match.group(2), re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return pins


def _required() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = list(project["project"]["dependencies"]) + list(project["project"]["optional-dependencies"]["test"])
    wanted += [line for line in (ROOT / "requirements-tools.in").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    wanted += project["build-system"]["requires"]
    return [Requirement(line) for line in wanted]


def test_every_requirement_of_pyproject_is_pinned_in_the_lock_within_its_allowed_range():
    locked = _locked()
    for requirement in _required():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} is required but not in requirements.lock: run `make lock`"
        version, _ = locked[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements.lock pins {name}=={version}, outside pyproject's '{requirement}': run `make lock`")


def test_every_pinned_package_carries_its_hashes_so_pip_refuses_anything_else():
    locked = _locked()
    assert len(locked) > 20
    unhashed = [name for name, (_, hashes) in locked.items() if not hashes]
    assert unhashed == []


def test_make_install_and_ci_install_from_the_lock_with_hashes_required():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r $(LOCK)" in makefile and "LOCK := requirements.lock" in makefile
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "pip install" not in ci  # CI takes the same path as a newcomer
