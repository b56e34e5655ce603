"""Log lines operators can use, that never hold a caller's personal data.

`configure()` sets up a server process's logging once, for gunicorn (ivr.cli.serving.GunicornLogger) and
`ivr serve` alike: the app's lines (`ivr.*`) at INFO with a timestamp, process id, level and logger
name, into gunicorn's error log (stderr by default); request lines (gunicorn's access log, werkzeug's)
as their server writes them.

Every record made in the process is scrubbed when it is made (a log record factory), whatever the
logger (ours, gunicorn, werkzeug, SQLAlchemy, twilio) or the handler, tracebacks and stack traces
included. `scrub()` recognises personal values precisely, in the text as written and percent- and
`+`-decoded (query strings, form bodies, URLs inside URLs), and masks them in the text as written
with the masks of ivr.privacy:

- phone numbers (caller IDs, callback numbers; E.164 or national, any separators):
  `phonenumbers.PhoneNumberMatcher` for Canada at `Leniency.VALID` -> `+1 514-•••-••42`;
- client numbers, the documented 9 digits (`100200300`, `100 200 300`, `100-200-300`) -> `•••-•••-300`;
- postal codes, Canada Post's shape (`H2X 3K8`, `h2x3k8`) -> `H2X •••`;
- dates (1900-2099) with no time of day: `1948-05-17`, `19480517`, `17/05/1948`, `datetime.date(1948, 5, 17)`
  -> `••••-••-••` (a birth date never comes with a time; a timestamp always does);
- the value of a field named as personal (ivr.privacy.PERSONAL_FIELDS: `SpeechResult=...`, `"street": "..."`,
  `name='...'`), for what no shape gives away: names, streets, what callers say.

Kept as they are: IPv4 and IPv6 addresses, timestamps, years, HTTP status codes, response sizes,
durations, ports, process ids, CallSids and other Twilio SIDs, SQL text (SQLAlchemy runs with
`hide_parameters=True` and its result rows are replaced here). No value is read across two arguments
of a message, and what a server computes itself (gunicorn's address, time, status, size and duration
atoms; werkzeug's status and size) is not read at all, so `404 2345678` never reads as a phone number.
Limits: a name or a street in a sentence of its own cannot be recognised (the code never logs them);
in other text, a 9-digit number reads as a client number and a date with no time as a birth date.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import sys
import traceback
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import lru_cache
from urllib.parse import quote, unquote_plus

from flask import Flask
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher, format_number

from ivr import privacy

LINE_FORMAT = "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"
DATE_FORMAT = "[%Y-%m-%d %H:%M:%S %z]"  # gunicorn's error log dates
"""How the app's lines (and gunicorn's error log) read: `[2026-11-23 15:00:00 -0500] [4242] [INFO] ivr.telephony.voice: ...`."""

# Private-use characters around each argument's text in a message: no value spans an edge, and an
# argument the server computed itself (an address, a time, a status, a size) is kept as it is.
_EDGE = "\ue000"
_AS_IS = "\ue001"
# Where the phone number matcher is worth running: 7 or more digits with a phone number's separators
# (libphonenumber's VALID_PUNCTUATION; no colon, so times and IPv6 addresses are not candidates).
_PHONE_CANDIDATE = re.compile(r"[+＋(（\[]?\d(?:[\s\-‐-―−ー－/／.()（）\[\]~⁓∼～]{0,3}\d){6,}")
_PHONE_CONTEXT = 8  # characters each side the matcher looks at (letters next to a number, timestamps)
_CLIENT_NUMBER = re.compile(r"(?<![A-Za-z0-9])(?<!\d[.,])\d{3}([ -]?)\d{3}\1\d{3}(?![A-Za-z0-9])(?![.,]\d)")
# Canada Post: no D, F, I, O, Q, U anywhere, no W or Z first (the same rule as ivr.engine.understand.POSTAL_CODE).
_POSTAL_CODE = re.compile(r"(?<![A-Za-z0-9])[ABCEGHJ-NPRSTVXY] ?\d ?[ABCEGHJ-NPRSTV-Z][ -]?\d ?[ABCEGHJ-NPRSTV-Z] ?\d"
                          r"(?![A-Za-z0-9])", re.IGNORECASE)
_NO_TIME_AFTER = r"(?![A-Za-z0-9])(?!(?:[T ]|:)\d{1,2}:\d\d)"
_DATE = re.compile(
    r"(?<![A-Za-z0-9])(?<!\d[.,/-])(?:"
    r"(?P<y>(?:19|20)\d\d)(?P<s>[-/.])(?P<m>[01]?\d)(?P=s)(?P<d>[0-3]?\d)"  # 1948-05-17
    r"|(?P<yc>(?:19|20)\d\d)(?P<mc>[01]\d)(?P<dc>[0-3]\d)"  # 19480517, as typed on the keypad
    r"|(?P<d2>[0-3]?\d)(?P<s2>[-/.])(?P<m2>[01]?\d)(?P=s2)(?P<y2>(?:19|20)\d\d)"  # 17/05/1948 (or 05/17/1948)
    r")" + _NO_TIME_AFTER + r"(?![.,/-]\d)")
_DATE_REPR = re.compile(r"\b(?:datetime\.)?date(?:time)?\(\s*\d{4},\s*\d{1,2},\s*\d{1,2}\b[^)]*\)")
_E = _EDGE + "?"
_QUOTED = r"""(?P<q>["'])(?P<quoted>(?:\\.|(?!(?P=q))[^\\\n])*)(?P=q)"""
_FIELD_NAMES = "|".join(sorted(privacy.PERSONAL_FIELDS, key=len, reverse=True))
# `name: value`, `name=value` (a query string, a keyword), `"name": "value"` (JSON), `'name': 'value'` (a repr);
# an unquoted value is one word, or all of one argument of the message (`"street=%s", street`).
_FIELD = re.compile(
    rf"""(?P<open>["']?)(?<![\w./-])(?P<key>{_FIELD_NAMES})(?P=open){_E}\s*[=:]\s*"""
    rf"""(?:{_E}{_QUOTED}|{_EDGE}(?P<argument>[^{_EDGE}\n]+){_EDGE}|(?P<bare>[^\s&"',;)}}\]{_EDGE}]+))""",
    re.IGNORECASE)
_NOT_A_VALUE = re.compile(r"none|null|true|false|-", re.IGNORECASE)
_SQL_PLACEHOLDER = re.compile(r"(?:\?|%s|%\(\w+\)s|:\w+|\$\d+)(?!\w)")  # `caller=?`: SQL text is kept
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:.])\[?[0-9A-Fa-f:]*:[0-9A-Fa-f:]*(?:\d{1,3}(?:\.\d{1,3}){3})?(?:%\w+)?\]?(?![\w:])")
_TWILIO_SID = re.compile(r"\b[A-Z]{2}[0-9a-f]{32}\b")
_TIMESTAMP = re.compile(
    r"(?<![\w:.])(?:(?:\d{4}-\d\d-\d\d|\d{1,2}/[A-Za-z]{3}/\d{4})[T :])?"  # 2026-11-23T, 23/Nov/2026:
    r"\d{1,2}:\d\d(?::\d\d(?:[.,]\d+)?)?"  # 15:00, 15:00:00.123456
    r"(?:\s?(?:Z|[+-]\d\d:?\d\d)(?![\w:]))?(?![\w:])")  # Z, +00:00, -0500
_SERVER_COMPUTED = re.compile(f"{_AS_IS}[^{_AS_IS}]*{_AS_IS}")
_PERCENT_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_FIELD_NAMES_LOWER = tuple(name.lower() for name in privacy.PERSONAL_FIELDS)
_DIGIT = re.compile(r"\d")
_THREE_DIGITS = re.compile(r"\d{3}")
_YEAR = re.compile(r"(?:19|20)\d\d")

Found = tuple[int, int, str]  # start, end (in the text as written) and the mask to put there


def _encoded(mask: str) -> str:
    """A mask written back into URL-encoded text: encoded as the value was, but its mask character
    kept readable (a log is read by people, not parsed as a URL)."""
    return quote(mask, "*").replace(quote(privacy.MASK), privacy.MASK)


def scrub(text: str) -> str:
    """`text` with every personal value masked in place, and everything else as it was.

    What is recognised and what is kept: see this module's docstring. A mask that replaces
    URL-encoded text is URL-encoded (`%2B15145550142` -> `%2B1%20514-%E2%80%A2%E2%80%A2%E2%80%A2-%E2%80%A2%E2%80%A242`).
    """
    return _scrub(text).replace(_EDGE, "").replace(_AS_IS, "")


def _scrub(text: str) -> str:
    has_field = _names_a_field(text)
    if not has_field and not _DIGIT.search(text):
        return text
    found = _find(text, has_field)
    if "%" in text or "+" in text:
        found += _find_encoded(text, has_field)
    return _apply(text, found)


def _find_encoded(text: str, has_field: bool) -> list[Found]:
    """What _find sees in `text` once decoded, up to three times (a URL inside a URL is encoded twice),
    at its place in `text`; the mask is URL-encoded where the value was."""
    found: list[Found] = []
    view, start_of, end_of = text, list(range(len(text))), list(range(1, len(text) + 1))
    for _ in range(3):
        decoded, starts, ends = _decode(view)
        if decoded == view:
            break
        view, start_of, end_of = decoded, [start_of[i] for i in starts], [end_of[i - 1] for i in ends]
        for start, end, mask in _find(view, has_field or _names_a_field(view)):
            first, last = start_of[start], end_of[end - 1]
            found.append((first, last, mask if text[first:last] == view[start:end] else _encoded(mask)))
    return found


def _names_a_field(text: str) -> bool:
    lower = text.lower()
    return any(name in lower for name in _FIELD_NAMES_LOWER)


def _decode(text: str) -> tuple[str, list[int], list[int]]:
    """`text` percent-decoded with `+` as a space (application/x-www-form-urlencoded), and where each
    character of the result starts and ends in `text`."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for run in [*_PERCENT_RUN.finditer(text), None]:
        stop = run.start() if run else len(text)
        out.append(text[position:stop].replace("+", " "))
        starts += range(position, stop)
        ends += range(position + 1, stop + 1)
        if run is None:
            break
        escapes = run.group()
        decoded = bytes(int(escapes[i + 1:i + 3], 16) for i in range(0, len(escapes), 3)).decode("utf-8", "replace")
        out.append(decoded)
        starts += [run.start()] * len(decoded)
        ends += [run.end()] * len(decoded)
        position = run.end()
    return "".join(out), starts, ends


def _find(text: str, has_field: bool) -> list[Found]:
    """Personal values in one view of the text, never inside an IP address, a time or a Twilio SID."""
    text = _without_kept(text)
    if not has_field and not _DIGIT.search(text):
        return []
    found: list[Found] = [*_phone_numbers(text), *_fields(text)] if has_field else [*_phone_numbers(text)]
    found += [(m.start(), m.end(), privacy.mask_postal(m.group().replace(" ", "")))
              for m in _POSTAL_CODE.finditer(text)]
    if _YEAR.search(text):  # (a cheap look first: most lines have no year left once times are kept)
        found += [(m.start(), m.end(), privacy.mask_birth_date(m.group()))
                  for pattern in (_DATE, _DATE_REPR) for m in pattern.finditer(text) if _is_date(m)]
    if _THREE_DIGITS.search(text):
        found += [(m.start(), m.end(), privacy.mask_client_number(m.group())) for m in _CLIENT_NUMBER.finditer(text)]
    return found


def _without_kept(text: str) -> str:
    """`text` with what operators need and holds no caller's data blanked out (same length): what a server
    computed, IP addresses, times and Twilio SIDs."""
    def blank(match: re.Match) -> str:
        return _EDGE * len(match.group())

    def blank_address(match: re.Match) -> str:
        return blank(match) if _is_ip(match.group()) else match.group()

    if _AS_IS in text:
        text = _SERVER_COMPUTED.sub(blank, text)
    if "." in text:
        text = _IPV4.sub(blank_address, text)
    if ":" in text:
        text = _TIMESTAMP.sub(blank, _IPV6.sub(blank_address, text))
    if len(text) >= 34:
        text = _TWILIO_SID.sub(blank, text)
    return text


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]").split("%")[0])
    except ValueError:
        return False
    return True


def _phone_numbers(text: str) -> Iterable[Found]:
    for candidate in _PHONE_CANDIDATE.finditer(text):
        offset = max(0, candidate.start() - _PHONE_CONTEXT)
        window = text[offset:candidate.end() + _PHONE_CONTEXT]
        for match in PhoneNumberMatcher(window, "CA", leniency=Leniency.VALID):
            e164 = format_number(match.number, PhoneNumberFormat.E164)
            yield offset + match.start, offset + match.end, privacy.mask_phone(e164)


def _is_date(match: re.Match) -> bool:
    if match.re is _DATE_REPR:
        return True
    if match["y"]:
        year, month, day = match["y"], match["m"], match["d"]
    elif match["yc"]:
        year, month, day = match["yc"], match["mc"], match["dc"]
    else:
        year, month, day = match["y2"], match["m2"], match["d2"]
        if int(month) > 12:  # 05/17/1948: month first
            month, day = day, month
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def _fields(text: str) -> Iterable[Found]:
    for match in _FIELD.finditer(text):
        group = next(name for name in ("quoted", "argument", "bare") if match[name] is not None)
        value = match[group].replace(_EDGE, "")
        if not value or _NOT_A_VALUE.fullmatch(value) or _SQL_PLACEHOLDER.match(text, match.start(group)):
            continue
        if "%" in value:  # still URL-encoded in this view (`From=%2B1514...`): mask what it says
            mask = _encoded(privacy.mask_field(match["key"], unquote_plus(value)))
        else:
            mask = privacy.mask_field(match["key"], value)
        yield match.start(group), match.end(group), mask


def _apply(text: str, found: list[Found]) -> str:
    """Each group of overlapping finds replaced by the mask of the widest of them."""
    if not found:
        return text
    found.sort(key=lambda f: (f[0], f[0] - f[1]))
    out: list[str] = []
    position = 0
    group_start, group_end, mask = found[0]
    widest = group_end - group_start
    for start, end, this_mask in [*found[1:], (len(text) + 1, len(text) + 1, "")]:
        if start < group_end:
            if end - start > widest:
                widest, mask = end - start, this_mask
            group_end = max(group_end, end)
            continue
        out += [text[position:group_start], mask]
        position = group_end
        group_start, group_end, mask, widest = start, end, this_mask, end - start
    out.append(text[position:])
    return "".join(out)


# -- log records -----------------------------------------------------------------------------------

# What servers compute themselves, never from what a request says: gunicorn's access log atoms (address,
# time, status, sizes, durations, pid) and the status and size of werkzeug's request lines.
_GUNICORN_COMPUTED = frozenset({"h", "l", "t", "s", "b", "B", "D", "T", "M", "L", "p"})
_WERKZEUG_REQUEST_LINE = '"%s" %s %s'


def _computed_by_server(record: logging.LogRecord) -> frozenset[str | int]:
    if record.name == "gunicorn.access":
        return _GUNICORN_COMPUTED
    if record.name == "werkzeug" and str(record.msg).rstrip().endswith(_WERKZEUG_REQUEST_LINE):
        return frozenset({1, 2})
    return frozenset()


_SPEC = re.compile(r"%(?:\((?P<key>[^)]*)\))?(?P<format>[#0\- +]*\d*(?:\.\d+)?[hlL]?(?P<kind>[diouxXeEfFgGcrsa%]))")


@lru_cache(maxsize=1024)
def _template(template: str) -> tuple[list[tuple[str, str | None, str]], str]:
    """A %-format template as (text before, key or None, conversion like `%-10s`) for each argument, and the text
    after the last; a `%%` stays in the text."""
    parts: list[tuple[str, str | None, str]] = []
    before, position = "", 0
    for spec in _SPEC.finditer(template):
        before += template[position:spec.start()]
        position = spec.end()
        if spec["kind"] == "%":
            before += "%"
            continue
        parts.append((before, spec["key"], "%" + spec["format"]))
        before = ""
    return parts, before + template[position:]


def _message_with_edges(record: logging.LogRecord) -> str:
    """The record's message, with each argument's text between _EDGE marks (_AS_IS for what the server computed);
    `getMessage()` if that cannot be done."""
    template, args = record.msg, record.args
    if not args or not isinstance(template, str):
        return record.getMessage()
    parts, after = _template(template)
    as_is = _computed_by_server(record)
    pieces: list[str] = []
    try:
        for index, (before, key, conversion) in enumerate(parts):
            if key is not None:
                name, value = key, args[key]  # type: ignore[call-overload]
            elif isinstance(args, Mapping):
                name, value = None, args
            else:
                name, value = index, args[index]
            mark = _AS_IS if name in as_is else _EDGE
            pieces += [before, mark, conversion % (value,), mark]
    except (TypeError, ValueError, KeyError, IndexError):
        return record.getMessage()
    if not isinstance(args, Mapping) and len(parts) != len(args):
        return record.getMessage()
    return "".join(pieces) + after


def _scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    if getattr(record, "_ivr_scrubbed", False):
        return record
    if record.name.startswith("sqlalchemy.engine") and str(record.msg).startswith("Row "):
        record.msg, record.args = "Row (hidden by ivr.logs: result rows hold personal data)", None
    try:
        message = _message_with_edges(record)
    except Exception:  # a bad format string: keep the template only, never the arguments
        message, record.args = str(record.msg), None
    cleaned = scrub(message)
    if record.args or cleaned != message:  # (a message with arguments has edges in it)
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
    """The same scrubbing as a filter, on every handler `configure()` routes lines to."""

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


# -- where lines go ----------------------------------------------------------------------------------

_ROUTED: list[tuple[logging.Logger, logging.Handler]] = []


def configure(errors: Sequence[logging.Handler] = (), access: Sequence[logging.Handler] = (),
              level: int = logging.INFO) -> None:
    """Set up this server process's logging; calling it again replaces what it set before.

    errors: where the app's lines (`ivr.*`, from `level` up) and other libraries' warnings go, as well
        as gunicorn's own (gunicorn.error); by default one handler on stderr writing LINE_FORMAT.
    access: where request lines go (werkzeug's in `ivr serve`; gunicorn's access log has its own);
        by default the same as `errors`, each line as the server wrote it (it holds its own timestamp).
    Every record is scrubbed (install()) and every handler given carries a ScrubbingFilter.
    """
    install()
    if not errors:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(LINE_FORMAT, DATE_FORMAT))
        errors = [handler]
    if not access:
        access = [_plain(handler) for handler in errors]
    for handler in [*errors, *access]:
        if not any(isinstance(f, ScrubbingFilter) for f in handler.filters):
            handler.addFilter(ScrubbingFilter())
    for logger, handler in _ROUTED:
        logger.removeHandler(handler)
    _ROUTED.clear()
    root, werkzeug = logging.getLogger(), logging.getLogger("werkzeug")
    _route(root, errors)
    _route(werkzeug, access)
    werkzeug.propagate = False
    root.setLevel(logging.WARNING)
    for name in ("ivr", "werkzeug"):
        logging.getLogger(name).setLevel(level)


def _route(logger: logging.Logger, handlers: Iterable[logging.Handler]) -> None:
    for handler in handlers:
        if handler not in logger.handlers:
            logger.addHandler(handler)
            _ROUTED.append((logger, handler))


def _plain(handler: logging.Handler) -> logging.Handler:
    """A handler writing where `handler` writes, each message as it is."""
    stream = getattr(handler, "stream", None)
    if stream is None:
        return handler
    plain = logging.StreamHandler(stream)
    plain.setFormatter(logging.Formatter("%(message)s"))
    return plain


def init_app(app: Flask) -> None:
    """Scrub every record from the moment the app exists, however it is served."""
    install()

