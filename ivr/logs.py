"""Logging that never writes a caller's personal data, whatever a message was given.

Scrubbing happens where every log record is made (the log record factory), so it covers the
`ivr.*` loggers, libraries (werkzeug, sqlalchemy, twilio) and any handler, including tracebacks
and stack traces, which are formatted and scrubbed before a handler sees them. The patterns
catch what can be recognised (runs of digits: client numbers, birth dates, phone numbers;
postal codes; dates); street names cannot be recognised, so the code never logs them, and the
database engine hides SQL parameters (see ivr.db).
"""

from __future__ import annotations

import logging
import re
import traceback

from flask import Flask

# Runs of 7+ digits with spaces, dashes, dots or brackets (client numbers, phone numbers, dates).
_LONG_DIGITS = re.compile(r"(?<![A-Za-z0-9])\+?\(?\d[\d \-.()]{5,}\d(?![A-Za-z0-9])")
_POSTAL = re.compile(r"\b[A-Za-z]\d[A-Za-z][ -]?\d[A-Za-z]\d\b")
_DATE_REPR = re.compile(r"date(?:time)?\.date(?:time)?\(\d{4}, ?\d{1,2}, ?\d{1,2}[^)]*\)")


def scrub(text: str) -> str:
    """Mask what looks personal: keep the last 3 digits of a long number, hide postal codes and dates."""
    text = _DATE_REPR.sub("date(****)", text)
    text = _LONG_DIGITS.sub(lambda m: re.sub(r"\d", "*", m.group()[:-3]) + m.group()[-3:], text)
    return _POSTAL.sub("*** ***", text)


def _scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    if getattr(record, "_ivr_scrubbed", False):
        return record
    if record.name.startswith("sqlalchemy.engine") and str(record.msg).startswith("Row "):
        record.msg, record.args = "Row (hidden by ivr.logs: result rows hold personal data)", None
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: keep the template only, never the arguments
        message, record.args = str(record.msg), None
    cleaned = scrub(message)
    if cleaned != message or record.args:
        record.msg, record.args = cleaned, None
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = scrub(record.exc_text)
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)
    record._ivr_scrubbed = True
    return record


class ScrubbingFilter(logging.Filter):
    """The same scrubbing as a filter, for handlers set up outside the app (e.g. gunicorn's)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _scrub_record(record)
        return True


def install() -> None:
    """Scrub every log record made in this process, once."""
    current = logging.getLogRecordFactory()
    if getattr(current, "_ivr_scrubbing", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        return _scrub_record(current(*args, **kwargs))

    factory._ivr_scrubbing = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def init_app(app: Flask) -> None:
    install()
    ivr_logger = logging.getLogger("ivr")
    if not any(isinstance(f, ScrubbingFilter) for f in ivr_logger.filters):
        ivr_logger.addFilter(ScrubbingFilter())
    if not ivr_logger.level:
        ivr_logger.setLevel(logging.INFO)
