"""The log lines operators read, from real servers: gunicorn with the project's gunicorn.conf.py, and `ivr serve`.

Each server is asked for a page (200), a page that does not exist (404), a webhook without Twilio's
signature (403) and a signed call (200), each with a caller's phone number URL-encoded in the query
string, as a shared link or a misconfigured webhook would carry it.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from twilio.request_validator import RequestValidator

from tests.support import servers
from tests.conftest import TOKEN

PHONE = "%2B15145550142"
MASKED = "%2B1%20514-•••-••42"
REQUESTS = [("GET", f"/agent/login?caller={PHONE}", 200), ("GET", f"/nowhere?caller={PHONE}", 404),
            ("POST", f"/voice/incoming?From={PHONE}", 403), ("SIGNED", f"/voice/incoming?From={PHONE}", 200)]
# A request line is written once its answer is sent, so the threads of a server may write them in any order.
EXPECTED_REQUEST_LINES = sorted((method.replace("SIGNED", "POST"), path.replace(PHONE, MASKED), status)
                                for method, path, status in REQUESTS)
CALL_SID = "CA" + "0123456789abcdef" * 2
# How each server writes a request line, and a line of its own saying where it listens.
ACCESS_TIME = {"gunicorn": r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}",  # its access log, stdout
               "ivr serve": r"\d\d/[A-Z][a-z]{2}/\d{4} \d\d:\d\d:\d\d"}  # werkzeug's
LISTENING = {"gunicorn": r"\[INFO\] gunicorn.error: Listening at: http://127\.0\.0\.1:(\d+) \(\d+\)",
             "ivr serve": r"Running on http://127\.0\.0\.1:(\d+)"}
APP_LINE = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[(?P<level>[A-Z]+)\] "
                      r"(?P<logger>[\w.]+): (?P<message>.*)$", re.MULTILINE)


def _visit(server: servers.Server) -> None:
    for method, path, expected in REQUESTS:
        url, data, headers = server.url + path, None, {}
        if method != "GET":
            form = {"CallSid": CALL_SID, "AccountSid": "AC" + "0" * 32, "From": "+15145550142", "To": "+18005550100",
                    "CallStatus": "ringing", "Direction": "inbound"}
            data = urllib.parse.urlencode(form).encode()
            if method == "SIGNED":
                headers["X-Twilio-Signature"] = RequestValidator(TOKEN).compute_signature(url, form)
        request = urllib.request.Request(url, data=data, headers=headers, method="GET" if method == "GET" else "POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own server
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        assert status == expected, f"{method} {path}: {status}\n{server.log.read_text()}"


def _read(server: servers.Server) -> str:
    server.stop()  # every line written and flushed
    return re.sub(r"\x1b\[[0-9;]*m", "", server.log.read_text())  # werkzeug colours some request lines


@pytest.fixture(params=["gunicorn", "ivr serve"])
def running(request, database_url, tmp_path):
    """(which server, the server): gunicorn at `--log-level info` (its default), or `ivr serve`."""
    if request.param == "gunicorn":
        server = servers.start(database_url, tmp_path, "gunicorn", threads=2, log_level="info")
    else:
        server = servers.start_ivr_serve(database_url, tmp_path, "serve")
    yield request.param, server
    server.stop()


def test_request_lines_keep_address_time_and_status_and_mask_the_phone_number_in_the_query(running):
    kind, server = running
    _visit(server)
    log = _read(server)
    access = re.findall(rf'^127\.0\.0\.1 - - \[{ACCESS_TIME[kind]}\] "(GET|POST) (\S+) HTTP/1\.1" (\d{{3}}) ',
                        log, re.MULTILINE)
    assert sorted((method, path, int(status)) for method, path, status in access) == EXPECTED_REQUEST_LINES, log
    assert "5145550142" not in urllib.parse.unquote(log), log
    assert log.count(MASKED) == len(REQUESTS), log
    assert re.search(LISTENING[kind], log)[1] == str(server.port), log


def test_the_apps_info_and_warning_lines_have_time_pid_level_and_logger(running):
    _, server = running
    _visit(server)
    log = _read(server)
    app_lines = [(m["level"], m["logger"], m["message"]) for m in APP_LINE.finditer(log)]
    assert ("WARNING", "ivr.telephony.signed", "refused a /voice request with a missing or bad signature") in app_lines, log
    assert any(line[:2] == ("INFO", "ivr.calls.step") and line[2].startswith(f"call {CALL_SID} started on flows ")
               for line in app_lines), log
