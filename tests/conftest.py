"""Fixtures: an app on a fresh database with the demo clients, and a phone to call it.

The database is a new SQLite file per test, or, when IVR_TEST_DATABASE_URL names a PostgreSQL
database (`.ci/with-postgres` does), a new schema in it per test, dropped afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ivr.app import create_app
from ivr.store import db
from ivr.telephony.phone import FlaskTransport, PhoneCall
from ivr.services.demo import seed_demo

from tests.support.databases import fresh_database_url

TOKEN = "test-auth-token"


@pytest.fixture
def database_url(tmp_path):
    """An empty database for one test: SQLite by default, PostgreSQL with IVR_TEST_DATABASE_URL."""
    with fresh_database_url(tmp_path) as url:
        yield url


@pytest.fixture
def app(database_url):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "SECRET_KEY": "test-secret",
            "PUBLIC_URL": "",
        }
    )
    with db.session_for(app) as session:
        seed_demo(session)
    yield app
    app.extensions["ivr.db.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def phone(app) -> Callable[..., PhoneCall]:
    """Dial the IVR: `call = phone(); call.press("1"); assert "..." in call.heard()`."""

    def dial(caller: str = "+15145550142") -> PhoneCall:
        return PhoneCall(FlaskTransport(app.test_client()), TOKEN, caller=caller).dial()

    return dial
