"""Content problems as sentences a non-programmer can act on, with file and line."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    path: str = ""
    line: int = 0
    column: int = 0
    severity: Severity = Severity.ERROR
    hint: str = ""

    def __str__(self) -> str:
        where = self.path or "<flows>"
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" — {self.hint}"
        if self.severity is Severity.WARNING:
            text += f" [{self.code}, warning]"
        else:
            text += f" [{self.code}]"
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
        }


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """The 'did you mean …?' half of a message, or nothing when no name is close."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


UNREADABLE = "yaml-syntax"
"""The code of the one finding a file that cannot be read gets; nothing that depends on the file is
checked until it can be read, so no other finding follows from it."""


def in_order(findings: Iterable[Finding]) -> list[Finding]:
    """Files that cannot be read first, then by file, line, column and code; each finding once."""
    unique = list(dict.fromkeys(findings))
    return sorted(unique, key=lambda f: (f.code != UNREADABLE, f.path, f.line, f.column, f.code))


class FlowsInvalid(Exception):
    """The flows cannot serve calls; carries every error so all can be fixed at once."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("\n".join(str(f) for f in findings))
