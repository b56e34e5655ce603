"""Fixtures: an app on a fresh SQLite file with the demo clients, and a phone to call it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ivr import create_app, db
from ivr.phone import FlaskTransport, PhoneCall
from ivr.services.demo import seed_demo

TOKEN = "test-auth-token"


@pytest.fixture
def app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'ivr.db'}",
            "TWILIO_AUTH_TOKEN": TOKEN,
            "SECRET_KEY": "test-secret",
            "PUBLIC_URL": "",
        }
    )
    with db.session_for(app) as session:
        seed_demo(session)
    return app


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
