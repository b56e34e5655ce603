"""flows/hours.yaml: valid times, a real timezone, a known holiday calendar.

The rules live in ivr.engine.hours (pure, like the engine); this turns its messages into findings.
"""

from __future__ import annotations

import re
from pathlib import Path

from ivr.engine.findings import Finding
from ivr.engine.hours import Hours, HoursError
from ivr.engine.lint.codes import finding

HOURS_FILE = "hours.yaml"
_MESSAGE = re.compile(r"^(?P<path>.*?):(?P<line>\d+): (?P<what>.*?)(?: — (?P<fix>.*))?$", re.DOTALL)


def check(flows_dir: Path | str) -> list[Finding]:
    path = Path(flows_dir) / HOURS_FILE
    if not path.is_file():
        return []
    try:
        Hours.from_file(path)
    except HoursError as error:
        return [_finding(problem, str(path)) for problem in error.problems]
    return []


def _finding(problem: str, path: str) -> Finding:
    match = _MESSAGE.match(problem)
    if match is None:
        return finding("hours-invalid", problem, path, 1)
    return finding("hours-invalid", match["what"], match["path"] or path, int(match["line"]),
                   hint=match["fix"] or "")
