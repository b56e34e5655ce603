"""Supervisors reverse a pending change from the desktop; agents are refused (403, logged); CSRF is required.

A change made by phone is pending for the cooling-off period (ivr.services.changes): a supervisor can
reverse it from the "Pending changes" list or from the call's context page. Past the cooling-off, or
once reversed, the change is left alone and the supervisor is told why.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from ivr.store import db
from ivr.desktop.accounts import add_agent
from ivr.store.models.desktop import Agent
from ivr.store.models.calls import ChangeRequest, Client
from ivr.store.models.security import AuditEvent

from tests.support.desktop_fixtures import agents, csrf_of, quick_password_hashing, sign_in, text  # noqa: F401
from tests.support.security_helpers import change_address
from tests.support.desktop_fixtures import agent_id, team  # noqa: F401 - Ana (agent) and Sue (supervisor)


@pytest.fixture
def pending(app, phone):
    """Jeanne's address change, made by phone and pending."""
    call = change_address(phone)
    change = the_change(app)
    assert change.status == "pending"
    return {"call_sid": call.call_sid, "confirmation": change.confirmation}


def the_change(app) -> ChangeRequest:
    with app.app_context():
        return db.session().scalar(select(ChangeRequest))


def reversals(app) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEvent).where(AuditEvent.action == "address_change_reversed")))


def reverse(browser, confirmation: str, page: str = "/agent/changes", **fields: str):
    token = csrf_of(browser.get(page).get_data(as_text=True))
    return browser.post(f"/agent/changes/{confirmation}/reverse", data={"csrf": token, **fields})


def test_a_supervisor_sees_the_pending_change_and_reverses_it(app, team, pending):
    listing = team["sue"].get("/agent/changes")
    assert listing.status_code == 200
    assert f'data-confirmation="{pending["confirmation"]}"' in text(listing)
    assert "Jeanne Tremblay" in text(listing) and "Sherbrooke" not in text(listing)  # the new value, masked
    done = reverse(team["sue"], pending["confirmation"], reason="the client did not make it")
    assert done.status_code == 302 and done.headers["Location"].endswith("/agent/changes")
    after = text(team["sue"].get(done.headers["Location"]))
    assert f"Change {pending['confirmation']} reversed" in after
    assert "No change is pending." in after
    change = the_change(app)
    sue = agent_id(app, "sue")
    assert (change.status, change.decided_by) == ("reversed", f"agent:{sue}")
    [row] = reversals(app)
    assert (row.outcome, row.actor_kind, row.actor) == ("reversed", "agent", f"agent:{sue}")
    with app.app_context():
        jeanne = db.session().scalar(select(Client).where(Client.client_number == "100200300"))
        assert jeanne.street == "rue Saint-Denis"  # the file keeps its old value


def test_a_supervisor_reverses_from_the_call_context_page(app, team, pending):
    page = f"/agent/calls/{pending['call_sid']}"
    context = text(team["sue"].get(page))
    assert f'action="/agent/changes/{pending["confirmation"]}/reverse"' in context
    done = reverse(team["sue"], pending["confirmation"], page=page, next=page)
    assert done.status_code == 302 and done.headers["Location"].endswith(page)
    after = text(team["sue"].get(page))
    assert f"Change {pending['confirmation']} reversed" in after
    assert "reversed" in after and f'action="/agent/changes/{pending["confirmation"]}/reverse"' not in after
    assert the_change(app).status == "reversed" and len(reversals(app)) == 1


def test_an_agent_is_refused_and_the_refusal_is_logged(app, team, pending, caplog):
    token = csrf_of(team["ana"].get("/agent/").get_data(as_text=True))
    assert 'href="/agent/changes"' not in text(team["ana"].get("/agent/"))
    with caplog.at_level(logging.WARNING, logger="ivr.desktop.access"):
        listing = team["ana"].get("/agent/changes")
        post = team["ana"].post(f"/agent/changes/{pending['confirmation']}/reverse", data={"csrf": token})
    assert listing.status_code == 403 and post.status_code == 403
    refusals = [r.getMessage() for r in caplog.records if "access refused" in r.getMessage()]
    ana = agent_id(app, "ana")
    assert any(f"agent_id={ana}" in m and "endpoint=desktop.reverse" in m and "needs_supervisor" in m
               for m in refusals)
    assert not any(pending["confirmation"] in m for m in refusals)
    assert the_change(app).status == "pending" and reversals(app) == []


def test_the_call_page_offers_no_reverse_form_to_an_agent(app, team, phone):
    call = change_address(phone).press("0")  # then asks for an agent: the call is open to agents
    body = text(team["ana"].get(f"/agent/calls/{call.call_sid}"))
    assert "Jeanne Tremblay" in body and "/reverse" not in body


def test_without_the_form_token_nothing_is_reversed(app, team, pending, caplog):
    with caplog.at_level(logging.WARNING, logger="ivr.desktop.access"):
        missing = team["sue"].post(f"/agent/changes/{pending['confirmation']}/reverse", data={})
        wrong = team["sue"].post(f"/agent/changes/{pending['confirmation']}/reverse", data={"csrf": "forged"})
    assert missing.status_code == 400 and wrong.status_code == 400
    assert any("reason=csrf" in r.getMessage() for r in caplog.records)
    assert the_change(app).status == "pending" and reversals(app) == []


def test_a_change_already_reversed_shows_a_clear_message(app, team, pending):
    assert reverse(team["sue"], pending["confirmation"]).status_code == 302
    team["sue"].get("/agent/changes")  # reads the confirmation message
    again = reverse(team["sue"], pending["confirmation"])
    assert again.status_code == 302
    after = text(team["sue"].get(again.headers["Location"]))
    assert f"Change {pending['confirmation']} is no longer pending (already reversed)" in after
    assert len(reversals(app)) == 1


def test_a_change_past_its_cooling_off_is_not_reversed(app, team, phone):
    app.config["COOLING_OFF_DAYS"] = 0  # over as soon as it is made; `ivr change apply-due` has not run yet
    change_address(phone)
    pending = {"confirmation": the_change(app).confirmation}
    listing = text(team["sue"].get("/agent/changes"))
    assert "its cooling-off period is over" in listing
    refused = reverse(team["sue"], pending["confirmation"])
    after = text(team["sue"].get(refused.headers["Location"]))
    assert "can no longer be reversed here: its cooling-off period is over" in after
    assert the_change(app).status == "pending" and reversals(app) == []


def test_an_unknown_confirmation_is_not_found(team):
    assert reverse(team["sue"], "00000000").status_code == 404


def test_the_pending_changes_page_reads_in_french(app, agents, pending):
    with db.session_for(app) as s:
        add_agent(s, "luc", "luc-password", role="supervisor", language="fr")
    luc = sign_in(app.test_client(), "luc", "luc-password")
    body = text(luc.get("/agent/changes"))
    assert "<h1>Changements en attente</h1>" in body and "Annuler" in body
    done = reverse(luc, pending["confirmation"])
    after = text(luc.get(done.headers["Location"]))
    assert f"Changement {pending['confirmation']} annulé" in after
