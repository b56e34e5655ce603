"""`ivr call --url`: the address `ivr serve` prints is one it accepts, and a refused call says why.

A newcomer pastes what the server printed (the webhook address, an IPv6 host in brackets, a stray
space); a wrong address answers 404, a broken server 500, and only a 403 is about the token.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask, abort

from ivr.cli import line, main

from tests.conftest import TOKEN
from tests.support.servers import free_port, in_thread

GREETING = "IVR [fr-CA]:"


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


needs_ipv6 = pytest.mark.skipif(not _has_ipv6_loopback(), reason="this machine has no IPv6 loopback")


def call(url: str, token: str = TOKEN):
    return CliRunner().invoke(main, ["call", "--url", url, "--token", token, "--press", "hangup"])


@pytest.mark.parametrize("written", ["{url}", "{url}/voice/incoming", "{url}/voice/incoming/", "{url}/",
                                     " {url} ", "{url}/voice/incoming "])
def test_the_server_address_and_the_webhook_address_serve_prints_both_reach_the_greeting(app, written):
    with in_thread(app) as url:
        result = call(written.format(url=url))
    assert result.exit_code == 0, result.output
    assert GREETING in result.output and "-> you hung up" in result.output


def test_a_wrong_token_is_the_only_refusal_blamed_on_the_token(app):
    with in_thread(app) as url:
        result = call(url, token="not-the-token")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"the IVR at {url} refused the call's signature (HTTP 403 for /voice/incoming)" in result.output
    assert "TWILIO_AUTH_TOKEN" in result.output


def test_an_address_that_is_no_ivr_says_404_and_asks_whether_it_is_the_ivrs():
    with in_thread(Flask("not_the_ivr")) as url:
        result = call(url)
    assert result.exit_code == 1
    assert f"the IVR at {url} answered 404 for /voice/incoming: is this the IVR's address?" in result.output
    assert "token" not in result.output


def test_a_server_error_is_reported_as_one_not_as_a_token_problem():
    broken = Flask("broken")
    broken.add_url_rule("/voice/incoming", "incoming", lambda: abort(500), methods=["POST"])
    with in_thread(broken) as url:
        result = call(url)
    assert result.exit_code == 1
    assert f"the IVR at {url} answered 500 for /voice/incoming" in result.output and "log" in result.output
    assert "token" not in result.output


@pytest.mark.parametrize("url", ["http://127.0.0.1:abc", "http://127.0.0.1:99999", "http://127.0.0.1:0",
                                 "http://[::1]:70000/voice/incoming"])
def test_a_port_that_is_no_port_is_refused_naming_the_option_before_dialling(url):
    result = call(url)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "Invalid value for '--url'" in result.output
    assert f"'{url}' has no usable port" in result.output and "1 to 65535" in result.output


def test_an_ipv6_address_in_brackets_is_accepted_and_dialled():
    port = free_port()
    result = call(f"http://[::1]:{port}")
    assert result.exit_code == 1 and "Invalid value" not in result.output
    assert f"cannot reach the IVR at http://[::1]:{port}" in result.output  # nothing listens there


@needs_ipv6
def test_the_address_serve_prints_for_an_ipv6_host_is_bracketed_and_ivr_call_reaches_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IVR_DEMO", "")  # `serve --demo` sets it for its process: undone after the test
    with socket.socket(socket.AF_INET6) as probe:
        probe.bind(("::1", 0))
        port = probe.getsockname()[1]
    served = []
    monkeypatch.setattr(line, "run_simple", lambda host, port, app, **_: served.append(app))
    started = CliRunner().invoke(main, ["serve", "--demo", "--host", "::1", "--port", str(port)])
    assert started.exit_code == 0, started.output
    webhook = f"http://[::1]:{port}/voice/incoming"
    assert f"IVR listening on {webhook}" in started.output
    assert f"Agent desktop: http://[::1]:{port}/agent/" in started.output
    token = (Path(tmp_path) / "instance" / "demo-twilio-token").read_text().strip()
    with in_thread(served[0], host="::1", port=port):
        result = call(webhook, token=token)
    assert result.exit_code == 0, result.output
    assert GREETING in result.output
