"""Logging that never writes a caller's personal data, whatever a message was given."""

from __future__ import annotations

import logging
import re

from flask import Flask

# Runs of 7+ digits (client numbers, birth dates, phone numbers) and postal codes.
_LONG_DIGITS = re.compile(r"(?<![A-Za-z0-9])\+?\d[\d \-]{5,}\d(?![A-Za-z0-9])")
_POSTAL = re.compile(r"\b[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d\b")


def scrub(text: str) -> str:
    text = _LONG_DIGITS.sub(lambda m: "*" * (len(m.group()) - 3) + m.group()[-3:], text)
    return _POSTAL.sub("*** ***", text)


class ScrubbingFilter(logging.Filter):
    """Masks digits runs and postal codes in every record before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def init_app(app: Flask) -> None:
    # Filters do not pass down to child loggers, so every ivr.* logger gets its own.
    names = ["ivr"] + [n for n in logging.Logger.manager.loggerDict if n.startswith("ivr.")]
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, ScrubbingFilter) for f in logger.filters):
            logger.addFilter(ScrubbingFilter())
    root = logging.getLogger("ivr")
    if not root.level:
        root.setLevel(logging.INFO)
