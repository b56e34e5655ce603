"""One way to write a date and time on the whole desktop: Babel's, in the agent's locale and the centre's zone.

Callbacks, earlier contacts and pending changes once each wrote theirs differently ("2026-11-30 16 h 25"
beside "30 nov. 2026 16 h 22"). Now each page asks the agent's Words for CLDR's medium date, short time
and the locale's glue between them.
"""

from __future__ import annotations

from datetime import datetime, timezone

from freezegun import freeze_time
from sqlalchemy import select

from ivr.store import db
from ivr.desktop.accounts import add_agent
from ivr.desktop.words import Words
from ivr.store.models.calls import Client, Contact

from tests.support.desktop_fixtures import agents, desk, quick_password_hashing, sign_in, text  # noqa: F401
from tests.support.security_helpers import change_address

AT = datetime(2026, 11, 30, 21, 25, tzinfo=timezone.utc)  # 16 h 25 in Toronto


def test_words_write_cldrs_medium_date_and_short_time_in_the_agents_locale():
    local = datetime(2026, 11, 30, 16, 25)
    assert Words("fr").datetime(local) == "30 nov. 2026, 16 h 25"
    assert Words("en").datetime(local) == "Nov 30, 2026, 4:25\u202fp.m."
    assert Words("fr").date(local.date()) == "30 nov. 2026"


def test_callbacks_contacts_and_pending_changes_write_a_moment_the_same_way(app, agents, phone):
    with freeze_time(AT):
        call = phone().press("1").press("1").press("100200300").press("19480517").press("0")
        call.hold().press("1").press("1")  # a callback, requested now
        change_address(phone, caller="+15145550199")  # a pending change, requested now
    with db.session_for(app) as session:
        jeanne = session.scalar(select(Client).where(Client.client_number == "100200300"))
        session.add(Contact(client_id=jeanne.id, at=AT, channel="web", subject="payment", outcome="resolved"))
    with db.session_for(app) as session:
        add_agent(session, "sue", "sue-password", role="supervisor")
    sue = sign_in(app.test_client(), "sue", "sue-password")
    shown = "30 nov. 2026, 16 h 25"
    queue = text(sue.get("/agent/"))
    assert f"<td>{shown}</td>" in queue  # the callback's "Demandé"
    assert "2026-11-30" not in queue
    context = text(sue.get(f"/agent/calls/{call.call_sid}"))
    assert f"<td>{shown}</td>" in context  # the earlier contact
    changes = text(sue.get("/agent/changes"))
    assert f"<td>{shown}</td>" in changes  # the change's "Demandé le"
