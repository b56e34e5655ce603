"""The product as an operator installs it: from its wheel, away from the source checkout.

The suite otherwise runs on an editable install, where every file of `ivr/` is read in place; a
template, a word file or a migration that pyproject's package-data forgets, or a path computed from
`__file__` that only exists in a checkout, only fail once installed. Here the wheel is built, installed
(`pip install --target`, no dependencies: the venv's serve) and the commands are typed in a folder
holding a copy of the project's flows/ and prompts/, with nothing IVR_* exported.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from ivr.config import ROOT

_IVR = 'import sys; from ivr.cli import main; sys.argv[0] = "ivr"; main()'


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built from a clean copy of the project's files, as from a fresh clone: the checkout's build/ and
    ivr.egg-info/ (left by the editable install) would hand setuptools files package-data forgets."""
    source, dist = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("dist")
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dist),
                    str(source)], check=True, capture_output=True)
    return next(dist.glob("ivr-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(target),
                    str(wheel)], check=True, capture_output=True)
    return target


@pytest.fixture
def operators_folder(tmp_path) -> Path:
    """A folder of the operator's, with a copy of the content staff's flows/ and prompts/."""
    for name in ("flows", "prompts"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def _run(installed: Path, folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("IVR_", "TWILIO_"))}
    env["PYTHONPATH"] = str(installed)
    return subprocess.run([sys.executable, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=120)


def test_every_file_of_the_package_is_in_the_wheel(wheel):
    # Templates, static files, word files, Alembic's script.py.mako and versions: all read at run time.
    shipped = set(zipfile.ZipFile(wheel).namelist())
    package = {path.relative_to(ROOT).as_posix() for path in (ROOT / "ivr").rglob("*")
               if path.is_file() and "__pycache__" not in path.parts}
    assert sorted(package - shipped) == [], "add these to [tool.setuptools.package-data] in pyproject.toml"


def test_installed_ivr_reads_the_flows_and_prompts_of_the_folder_it_is_typed_in(installed, operators_folder):
    result = _run(installed, operators_folder, "-c", _IVR, "lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No problems found in flows and prompts" in result.stdout


def test_installed_ivr_migrates_a_database_and_serves_the_desktop_and_the_webhook(installed, operators_folder):
    upgrade = _run(installed, operators_folder, "-c", _IVR, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    assert "The database moved from revision empty to" in upgrade.stdout
    served = _run(installed, operators_folder, "-c", textwrap.dedent("""
        import ivr
        from ivr.app import create_app
        assert ivr.__file__.startswith(sys.argv[1]), ivr.__file__
        app = create_app({"TESTING": True, "DEMO": True, "TWILIO_AUTH_TOKEN": "t", "SECRET_KEY": "s"})
        web = app.test_client()
        for method, path in (("get", "/agent/login"), ("get", "/agent/static/desktop.css"),
                             ("get", "/favicon.ico"), ("post", "/voice/incoming")):
            print(method, path, getattr(web, method)(path).status_code)
    """).replace("import ivr", "import sys, ivr", 1), str(installed))
    assert served.returncode == 0, served.stdout + served.stderr
    assert served.stdout.splitlines() == [
        "get /agent/login 200", "get /agent/static/desktop.css 200", "get /favicon.ico 200",
        "post /voice/incoming 403"]
