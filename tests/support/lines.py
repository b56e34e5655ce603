"""Helpers shared by tests."""

from __future__ import annotations

import pytest

from ivr.app import create_app
from ivr.config import ROOT
from ivr.services.demo import seed_demo
from ivr.store import db
from ivr.telephony.phone import FlaskTransport, PhoneCall
from tests.conftest import TOKEN


@pytest.fixture
def line(tmp_path):
    """The IVR with the shipped flows/hours.yaml in force (other tests run with agents always in)."""
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}", "TWILIO_AUTH_TOKEN": TOKEN,
                      "SECRET_KEY": "s", "PUBLIC_URL": "", "HOURS_FILE": ROOT / "flows" / "hours.yaml"})
    with db.session_for(app) as session:
        seed_demo(session)

    def dial(caller: str = "+15145550142") -> PhoneCall:
        return PhoneCall(FlaskTransport(app.test_client()), TOKEN, caller=caller).dial()

    dial.app = app
    return dial
