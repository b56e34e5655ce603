"""What the log scrubber hides and what it keeps (ivr.logs).

A caller's personal values (client numbers, birth dates, postal codes, phone numbers, names, streets,
what they said) never survive, written as they are, URL-encoded once or twice, in a query string, in
JSON, in the repr of a dict or a date, in a log message's arguments or in a traceback. What operators
need (addresses, timestamps, status codes, sizes, durations, ports, pids, CallSids, SQL text) comes
out exactly as it went in.
"""

from __future__ import annotations

import io
import json
import logging
import re
import string
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote, quote_plus, unquote_plus

import phonenumbers
import pytest
from gunicorn.glogging import SafeAtoms
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ivr.engine.understand import POSTAL_CODE
from ivr.logs import install, scrub

CASE = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# -- personal values, as they are written ---------------------------------------------------------

AREA_CODES = [514, 438, 450, 579, 819, 873, 418, 581, 613, 343, 416, 647, 905, 604, 403, 306, 204, 506, 902, 709,
              212, 202, 305, 617]


@st.composite
def phone_numbers(draw) -> phonenumbers.PhoneNumber:
    """Valid numbers: Canadian and American ones (555 exchanges included), and a few from elsewhere."""
    if draw(st.booleans()):
        text = f"+1{draw(st.sampled_from(AREA_CODES))}{draw(st.integers(200, 999))}{draw(st.integers(0, 9999)):04d}"
    else:
        example = phonenumbers.example_number(draw(st.sampled_from(["FR", "GB", "HT", "MA", "MX", "LB", "VN", "IN"])))
        digits = str(example.national_number)
        text = f"+{example.country_code}{digits[:-2]}{draw(st.integers(0, 99)):02d}"
    number = phonenumbers.parse(text)
    assume(phonenumbers.is_valid_number(number))
    return number


def phone_forms(number: phonenumbers.PhoneNumber) -> list[str]:
    forms = [phonenumbers.format_number(number, f) for f in (phonenumbers.PhoneNumberFormat.E164,
                                                              phonenumbers.PhoneNumberFormat.INTERNATIONAL)]
    if number.country_code == 1:
        n = str(number.national_number)
        forms += [n, f"1{n}", f"({n[:3]}) {n[3:6]}-{n[6:]}", f"{n[:3]}-{n[3:6]}-{n[6:]}", f"{n[:3]}.{n[3:6]}.{n[6:]}",
                  f"{n[:3]} {n[3:6]} {n[6:]}", f"1-{n[:3]}-{n[3:6]}-{n[6:]}", f"+1 ({n[:3]}) {n[3:6]} {n[6:]}"]
    return forms


PHONE = phone_numbers().flatmap(lambda number: st.tuples(st.just("phone"), st.sampled_from(phone_forms(number)),
                                                         st.just(str(number.national_number))))
CLIENT_NUMBER = st.from_regex(r"\A[0-9]{9}\Z").flatmap(
    lambda n: st.tuples(st.just("client number"), st.sampled_from([n, f"{n[:3]} {n[3:6]} {n[6:]}",
                                                                   f"{n[:3]}-{n[3:6]}-{n[6:]}"]), st.just(n)))
BIRTH_DATE = st.dates(date(1900, 1, 1), date(2025, 12, 31)).flatmap(
    lambda d: st.tuples(st.just("birth date"), st.sampled_from([d.isoformat(), d.strftime("%Y%m%d"),
                                                                d.strftime("%d/%m/%Y"), d.strftime("%Y/%m/%d"),
                                                                repr(d), str(datetime(d.year, d.month, d.day)).split()[0]]),
                        st.just(d.strftime("%Y%m%d"))))
POSTAL_CODE_VALUE = st.from_regex(r"\A[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z][0-9][ABCEGHJ-NPRSTV-Z][0-9]\Z").flatmap(
    lambda p: st.tuples(st.just("postal code"), st.sampled_from([f"{p[:3]} {p[3:]}", p, p.lower(), f"{p[:3]}-{p[3:]}",
                                                                 " ".join(p), f"{p[:3].lower()} {p[3:].lower()}"]),
                        st.just(p)))
SHAPED = st.one_of(PHONE, CLIENT_NUMBER, BIRTH_DATE, POSTAL_CODE_VALUE)

WORD = st.from_regex(r"\A[A-ZÉ][a-zéèàçô]{2,9}\Z")
WORDS = st.lists(WORD, min_size=1, max_size=4).map(" ".join)
TEXT_FIELDS = ["name", "CallerName", "street", "SpeechResult", "UnstableSpeechResult"]

# -- the encodings and places they reach a log line in ---------------------------------------------

ENCODINGS = {
    "as is": lambda v: v,
    "percent-encoded": lambda v: quote(v, safe=""),
    "form-encoded": quote_plus,
    "encoded twice": lambda v: quote(quote(v, safe=""), safe=""),
}
CONTEXTS = {
    "message": lambda v: f"lookup failed for {v}",
    "query string": lambda v: f"POST /voice/step?value={v}&lang=fr HTTP/1.1",
    "URL in a URL": lambda v: f"GET /agent/?next=/voice/callback%3Fnumber%3D{v} HTTP/1.1",
    "JSON": lambda v: json.dumps({"answers": {"value": v}}),
    "JSON, not ASCII": lambda v: json.dumps({"answers": [v]}, ensure_ascii=False),
    "repr of a dict": lambda v: repr({"answers": {"value": v}}),
    "quoted": lambda v: f"said '{v}'",
}
FIELD_CONTEXTS = {
    "query string": lambda k, v: f"POST /voice/step?{k}={v}&Confidence=high HTTP/1.1",
    "JSON": lambda k, v: json.dumps({k: v, "lang": "fr"}),
    "repr of a dict": lambda k, v: repr({k: v, "lang": "fr"}),
    "keyword": lambda k, v: f"Answer({k}={v!r}, lang='fr')",
    "YAML-ish": lambda k, v: f"{k}: {json.dumps(v)}",
}

_lines = io.StringIO()
_logger = logging.getLogger("tests.log_scrubbing")
_access = logging.getLogger("gunicorn.access")
_werkzeug = logging.getLogger("werkzeug")


@pytest.fixture(autouse=True)
def log_lines():
    """Every record of these loggers written to _lines, as a handler would write it."""
    install()
    handler = logging.StreamHandler(_lines)
    saved = [(logger, logger.level, logger.propagate) for logger in (_logger, _access, _werkzeug)]
    for logger, _, _ in saved:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    yield
    for logger, level, propagate in saved:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def logged(log: Callable[[], None]) -> str:
    """What a handler writes for the records `log()` makes."""
    _lines.seek(0)
    _lines.truncate()
    log()
    return _lines.getvalue()


def raised(text: str) -> str:
    def log():
        try:
            raise LookupError(text)
        except LookupError:
            _logger.exception("step failed")
    return logged(log)


LOGGED = {
    "a message's argument": lambda v: logged(lambda: _logger.info("caller %s at %s", v, "identify/verify")),
    "a dict argument": lambda v: logged(lambda: _logger.info("state %r", {"answers": {"value": v}})),
    "a traceback": raised,
}


def decoded(text: str) -> str:
    for _ in range(3):
        text = unquote_plus(text)
    return json.loads(json.dumps(text))


def leaks(kind: str, core: str, output: str) -> bool:
    """Whether the value is still readable in `output`, however it was written."""
    plain = decoded(output)
    if kind == "postal code":
        return core in re.sub(r"[^A-Z0-9]", "", plain.upper())
    digits = re.sub(r"\D", "", plain)
    if kind == "birth date":
        y, m, d = core[:4], core[4:6], core[6:]
        return any(form in digits for form in (core, d + m + y, y + str(int(m)) + str(int(d))))
    return core in digits


@CASE
@given(SHAPED, st.sampled_from(sorted(ENCODINGS)), st.sampled_from(sorted(CONTEXTS)))
def test_a_personal_value_never_survives_in_any_encoding_or_place(value, encoding, context):
    kind, written, core = value
    line = CONTEXTS[context](ENCODINGS[encoding](written))
    assert not leaks(kind, core, scrub(line)), f"{kind} {written!r} {encoding} in a {context}: {scrub(line)!r}"


@CASE
@given(SHAPED, st.sampled_from(sorted(LOGGED)))
def test_a_personal_value_never_survives_in_a_log_message_or_a_traceback(value, place):
    kind, written, core = value
    output = LOGGED[place](written)
    assert "identify/verify" in output or "Traceback" in output or "state" in output
    assert not leaks(kind, core, output), f"{kind} {written!r} in {place}: {output!r}"


@CASE
@given(st.sampled_from(TEXT_FIELDS), WORDS, st.sampled_from(sorted(ENCODINGS)), st.sampled_from(sorted(FIELD_CONTEXTS)))
def test_names_streets_and_what_callers_say_never_survive_under_their_field_name(field, words, encoding, context):
    value = ENCODINGS[encoding](words) if context == "query string" else words
    assume(" " not in value or context != "query string")  # a URL has no spaces: they are encoded
    line = FIELD_CONTEXTS[context](field, value)
    output = decoded(scrub(line))
    for word in words.split():
        assume(word.lower() not in FIELD_CONTEXTS[context](field, "").lower())
        assert word not in output, f"{field}={words!r} ({encoding}, {context}): {scrub(line)!r}"
    assert field in output  # the field's name stays: an operator sees what was there


# -- what operators need, kept exactly -------------------------------------------------------------

IPV4 = st.ip_addresses(v=4).map(str)
IPV6 = st.ip_addresses(v=6).map(str)
WHEN = st.datetimes(datetime(2020, 1, 1), datetime(2035, 12, 31),
                    timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=-5)),
                                               timezone(timedelta(hours=-4))]))
STATUS = st.sampled_from([200, 204, 301, 302, 304, 400, 401, 403, 404, 405, 409, 429, 500, 502, 503]).map(str)
CALL_SID = st.from_regex(r"\ACA[0-9a-f]{32}\Z")
PATH = st.sampled_from(["/voice/incoming", "/voice/step?seq=3", "/voice/step?seq=12&timeout=1", "/voice/status",
                        "/agent/", "/agent/api/queue", "/voice/hold?lang=en", "/agent/static/desktop.js?v=3"])
GUNICORN_ACCESS = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s %(L)s %(p)s'


@CASE
@given(st.one_of(IPV4, IPV6), WHEN, PATH, STATUS, st.integers(0, 10**8), st.integers(0, 30 * 10**6))
def test_a_gunicorn_access_line_keeps_address_time_request_status_size_and_duration(address, when, path, status,
                                                                                       size, micros):
    atoms = SafeAtoms({
        "h": address, "l": "-", "u": "-", "t": when.strftime("[%d/%b/%Y:%H:%M:%S %z]"),
        "r": f"POST {path} HTTP/1.1", "s": status, "b": str(size), "f": "-", "a": "TwilioProxy/1.1",
        "D": micros, "L": f"{micros // 10**6}.{micros % 10**6:06d}", "p": "<4242>",
    })
    expected = GUNICORN_ACCESS % atoms
    assert logged(lambda: _access.info(GUNICORN_ACCESS, atoms)) == expected + "\n"


@CASE
@given(IPV4, WHEN, PATH, STATUS, st.integers(0, 10**8))
def test_a_werkzeug_access_line_keeps_address_time_request_status_and_size(address, when, path, status, size):
    # werkzeug.serving.WSGIRequestHandler.log_request, as `ivr serve` writes it
    template = f"{address} - - [{when.strftime('%d/%b/%Y %H:%M:%S')}] " + '"%s" %s %s'
    args = (f"GET {path} HTTP/1.1", status, str(size))
    assert logged(lambda: _werkzeug.info(template, *args)) == template % args + "\n"


@CASE
@given(CALL_SID, st.integers(1, 4194304), st.integers(1, 65535), st.one_of(IPV4, IPV6), WHEN,
       st.floats(0, 100, allow_nan=False).map(lambda s: f"{s:.6f}"), st.integers(1, 2100).map(str))
def test_app_and_library_lines_keep_call_sids_pids_ports_addresses_times_durations_and_years(
        sid, pid, port, address, when, seconds, year):
    lines = [
        f"call {sid} at identify/verify: gather",
        f"Booting worker with pid: {pid}",
        f"Listening at: http://{address}:{port} ({pid})" if ":" not in address else f"Listening at: http://[{address}]:{port}",
        f"fault on call {sid} in step: OperationalError after {seconds} s",
        f"agents back at {when.isoformat()}; at {when.strftime('%Y-%m-%d %H:%M:%S')}; {when.strftime('%d/%b/%Y:%H:%M:%S %z')}",
        f"flows checked at {when.isoformat(timespec='seconds')} for year {year}",
        "SELECT clients.id, clients.client_number, clients.birth_date FROM clients "
        "WHERE clients.client_number = ? AND clients.birth_date = %(birth_date_1)s LIMIT ? OFFSET ?",
        "UPDATE calls SET caller=?, state=?, last_seq=? WHERE calls.call_sid = ? AND calls.last_seq = ?",
        f"[generated in {seconds}s] ('{sid}',)",
    ]
    for line in lines:
        assert scrub(line) == line
        assert logged(lambda: _logger.info("%s", line)) == line + "\n"


# -- the masks, so a person can recognise a value they already know ---------------------------------

def test_masks_are_those_of_ivr_privacy_and_keep_what_lets_a_person_recognise_the_value():
    line = ("caller +15145550142 (514) 555-0142 client 100200300 code H2X 3K8 born 1948-05-17 "
            "state={'street': 'rue Saint-Denis', 'birth_date': datetime.date(1948, 5, 17)}")
    assert scrub(line) == ("caller +1 514-•••-••42 +1 514-•••-••42 client •••-•••-300 code H2X ••• born ••••-••-•• "
                           "state={'street': 'r•• S••••-D••••', 'birth_date': datetime.date(••••, •, ••)}")


def test_a_masked_value_in_a_url_stays_url_encoded():
    assert scrub("GET /agent/?caller=%2B15145550142&lang=fr HTTP/1.1") == \
        "GET /agent/?caller=%2B1%20514-•••-••42&lang=fr HTTP/1.1"
    assert scrub("SpeechResult=rue+Saint-Denis&Confidence=0.91") == "SpeechResult=r••+S••••-D••••&Confidence=0.91"


def test_the_postal_code_shape_is_canada_posts_as_the_engine_reads_it():
    for first in string.ascii_uppercase:
        for middle in string.ascii_uppercase:
            code = f"{first}1{middle}2{middle}3"
            assert (scrub(code) != code) == bool(POSTAL_CODE.match(code)), code
