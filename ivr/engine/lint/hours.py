"""flows/hours.yaml: valid times, a real timezone, a known holiday calendar.

The rules live in ivr.engine.hours (pure, like the engine), which reports its problems as Findings.
"""

from __future__ import annotations

from pathlib import Path

from ivr.engine.findings import Finding
from ivr.engine.hours import Hours, HoursError
from ivr.engine.texts import TextPath, as_path

HOURS_FILE = "hours.yaml"


def check(flows_dir: Path | str | TextPath) -> list[Finding]:
    """The findings of flows_dir/hours.yaml (code hours-invalid); none when the file is absent."""
    path = as_path(flows_dir) / HOURS_FILE
    if not path.is_file():
        return []
    try:
        Hours.from_file(path)
    except HoursError as error:
        return list(error.findings)
    return []
