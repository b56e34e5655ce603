"""Password guessing on the desktop is slowed per account and per address, without revealing who has an account."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from freezegun import freeze_time
from sqlalchemy import select

from ivr import db
from ivr.desktop.models import SignInFailure

from .desktop_fixtures import agents, post_login, quick_password_hashing, text  # noqa: F401

START = datetime(2026, 11, 23, 13, 0, tzinfo=timezone.utc)
TOO_MANY = "Trop de connexions refusées. Attendez 15 minutes et réessayez, ou demandez à un superviseur."


def without_form_token(page: str) -> str:
    return re.sub(r'name="csrf" value="[^"]+"', 'name="csrf"', page)


def browser(app, address: str = "203.0.113.7"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(app, agents):
    with freeze_time(START):
        for _ in range(5):
            assert post_login(browser(app), "sam", "guess").status_code == 401
        locked = post_login(browser(app), "sam", "sam-password")
        assert locked.status_code == 429
        assert locked.headers["Retry-After"] == "900"
        assert TOO_MANY in text(locked)
        # Another agent is not affected.
        assert post_login(browser(app), "demo", "demo").status_code == 302


def test_the_lock_lifts_by_itself_after_fifteen_minutes(app, agents):
    with freeze_time(START):
        for _ in range(5):
            post_login(browser(app), "sam", "guess")
    with freeze_time(START + timedelta(minutes=14)):
        assert post_login(browser(app), "sam", "sam-password").status_code == 429
    with freeze_time(START + timedelta(minutes=15, seconds=1)):
        assert post_login(browser(app), "sam", "sam-password").status_code == 302


def test_an_unknown_name_gets_exactly_the_same_answers_as_a_real_one(app, agents):
    answers = {}
    with freeze_time(START):
        for name in ("sam", "nobody-here"):
            seen = [post_login(browser(app), name, "guess") for _ in range(6)]
            answers[name] = [(r.status_code, without_form_token(text(r))) for r in seen]
    assert answers["sam"] == answers["nobody-here"]
    assert [status for status, _ in answers["sam"]] == [401] * 5 + [429]


def test_one_address_trying_many_names_is_stopped(app, agents):
    with freeze_time(START):
        for number in range(20):
            assert post_login(browser(app), f"user{number}", "guess").status_code == 401
        from_there = post_login(browser(app), "demo", "demo")
        assert from_there.status_code == 429
        assert TOO_MANY in text(from_there)
        assert post_login(browser(app, "198.51.100.20"), "demo", "demo").status_code == 302


def test_a_successful_sign_in_clears_the_account_count(app, agents):
    with freeze_time(START):
        for _ in range(4):
            post_login(browser(app), "sam", "typo")
        assert post_login(browser(app), "sam", "sam-password").status_code == 302
        for _ in range(4):
            assert post_login(browser(app), "sam", "typo").status_code == 401
        assert post_login(browser(app), "sam", "sam-password").status_code == 302


def test_failures_keep_neither_the_typed_name_nor_the_address(app, agents):
    with freeze_time(START):
        post_login(browser(app), "my-password-by-mistake", "guess")
    with db.session_for(app) as s:
        row = s.scalar(select(SignInFailure))
    assert "my-password" not in row.account_key and "203.0.113" not in row.address_key
    assert len(row.account_key) == 64 and len(row.address_key) == 64


def test_behind_a_trusted_proxy_each_agent_is_counted_by_their_own_address(tmp_path):
    from ivr import create_app

    from .conftest import TOKEN

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'proxy.db'}", "SECRET_KEY": "k",
                      "TWILIO_AUTH_TOKEN": TOKEN, "TRUSTED_PROXIES": 1, "DEMO": True})
    with freeze_time(START):
        guesser = browser(app, "10.0.0.1")
        guesser.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.66"
        for number in range(20):
            post_login(guesser, f"user{number}", "guess")
        assert post_login(guesser, "demo", "demo").status_code == 429
        colleague = browser(app, "10.0.0.1")  # same proxy, another agent's computer
        colleague.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.5"
        colleague.environ_base["HTTP_X_FORWARDED_PROTO"] = "https"
        response = post_login(colleague, "demo", "demo")
        assert response.status_code == 302
        assert "Strict-Transport-Security" in response.headers


def test_refused_sign_ins_are_logged_without_the_name_or_the_address(app, agents, caplog):
    import logging

    with freeze_time(START), caplog.at_level(logging.WARNING, logger="ivr.desktop.access"):
        for _ in range(6):
            post_login(browser(app), "sam", "guess")
    lines = [r.getMessage() for r in caplog.records if r.name == "ivr.desktop.access"]
    assert sum("reason=wrong_name_or_password" in line for line in lines) == 5
    assert sum("reason=sign_in_throttled" in line for line in lines) == 1
    assert not any("sam" in line or "203.0.113" in line or "guess" in line for line in lines)
