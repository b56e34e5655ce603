"""flows/hours.yaml: valid times, a real timezone, a known holiday calendar.

The rules live in ivr.engine.hours (pure, like the engine), which reports its problems as Findings.
"""

from __future__ import annotations

from pathlib import Path

from ivr.engine.findings import Finding
from ivr.engine.hours import Hours, HoursError

HOURS_FILE = "hours.yaml"


def check(flows_dir: Path | str) -> list[Finding]:
    """The findings of flows_dir/hours.yaml (code hours-invalid); none when the file is absent."""
    path = Path(flows_dir) / HOURS_FILE
    if not path.is_file():
        return []
    try:
        Hours.from_file(path)
    except HoursError as error:
        return list(error.findings)
    return []
