"""Roles and the claimed-call policy, checked on the server for every record, refusals logged without personal data.

Policy (ivr/desktop/roles.py): once an agent takes a call, only that agent and supervisors may open its
context or close it; other agents get 403. Calls nobody has taken stay open to every agent.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from ivr.store import db
from ivr.desktop.accounts import add_agent, issue_token
from ivr.store.models.calls import Contact

from tests.support.desktop_fixtures import agents, csrf_of, gateway_log, quick_password_hashing, sign_in, text  # noqa: F401

REFUSED = "Vous ne pouvez pas ouvrir cette page"


@pytest.fixture
def team(app, agents):
    """Ana and Ben are agents, Sue a supervisor; each has a signed-in browser and an API token."""
    people = {}
    with db.session_for(app) as s:
        for name, role in (("ana", "agent"), ("ben", "agent"), ("sue", "supervisor")):
            people[f"{name}_token"] = issue_token(s, add_agent(s, name, f"{name}-password", role=role))
    for name in ("ana", "ben", "sue"):
        people[name] = sign_in(app.test_client(), name, f"{name}-password")
    return people


def waiting_call(phone):
    return phone().press("1").press("1").press("100200300").press("19480517").press("0")


def take(browser, call_sid: str):
    token = csrf_of(browser.get(f"/agent/calls/{call_sid}").get_data(as_text=True))
    return browser.post(f"/agent/calls/{call_sid}/take", data={"csrf": token})


def test_a_waiting_call_is_open_to_every_agent(team, phone):
    call = waiting_call(phone)
    for name in ("ana", "ben"):
        assert "Jeanne Tremblay" in text(team[name].get(f"/agent/calls/{call.call_sid}"))


def test_agent_b_cannot_read_a_context_claimed_by_agent_a(app, team, phone, caplog):
    call = waiting_call(phone)
    close_token = csrf_of(team["ben"].get(f"/agent/calls/{call.call_sid}").get_data(as_text=True))
    assert take(team["ana"], call.call_sid).status_code == 302
    with caplog.at_level(logging.WARNING, logger="ivr.desktop.access"):
        page = team["ben"].get(f"/agent/calls/{call.call_sid}")
        api = app.test_client().get(f"/agent/api/calls/{call.call_sid}",
                                    headers={"Authorization": f"Bearer {team['ben_token']}"})
        close = team["ben"].post(f"/agent/calls/{call.call_sid}/close",
                                 data={"csrf": close_token, "subject": "other", "outcome": "resolved"})
    assert page.status_code == 403 and REFUSED in text(page)
    assert "Jeanne" not in text(page) and "100200300" not in text(page)
    assert api.status_code == 403 and api.json["error"] == "forbidden" and "Jeanne" not in api.get_data(as_text=True)
    assert close.status_code == 403
    with db.session_for(app) as s:
        assert s.scalars(select(Contact).where(Contact.call_sid == call.call_sid)).all() == []
    refusals = [r.getMessage() for r in caplog.records if r.name == "ivr.desktop.access"]
    assert len(refusals) == 3
    assert all("reason=call_claimed_by_another_agent" in line and "role=agent" in line for line in refusals)
    assert not any(secret in " ".join(refusals) for secret in ("100200300", "Jeanne", "5550142", call.call_sid))


def test_the_agent_who_took_the_call_and_a_supervisor_can_open_it(app, team, phone):
    call = waiting_call(phone)
    take(team["ana"], call.call_sid)
    for name in ("ana", "sue"):
        assert "Jeanne Tremblay" in text(team[name].get(f"/agent/calls/{call.call_sid}"))
        api = app.test_client().get(f"/agent/api/calls/{call.call_sid}",
                                    headers={"Authorization": f"Bearer {team[f'{name}_token']}"})
        assert api.status_code == 200 and api.json["client_name"] == "Jeanne Tremblay"


def test_a_second_agent_trying_to_take_a_taken_call_is_sent_back_to_the_queue(team, phone, gateway_log):
    call = waiting_call(phone)
    token = csrf_of(team["ben"].get(f"/agent/calls/{call.call_sid}").get_data(as_text=True))
    take(team["ana"], call.call_sid)
    answer = team["ben"].post(f"/agent/calls/{call.call_sid}/take", data={"csrf": token}, follow_redirects=True)
    assert answer.status_code == 200 and "Un autre agent a déjà pris cet appel." in text(answer)
    assert "Jeanne" not in text(answer)
    assert len(gateway_log) == 1


def test_reports_are_for_supervisors(app, team, phone, caplog):
    waiting_call(phone).hang_up()
    phone(caller="+16135550199").press("2").press("0").hang_up()
    phone(caller="+16135550123").press("1").press("1").press("100200300").press("19480517").hang_up()
    with caplog.at_level(logging.WARNING, logger="ivr.desktop.access"):
        refused = team["ana"].get("/agent/reports")
    assert refused.status_code == 403
    assert "reason=needs_supervisor" in caplog.text
    assert "Rapports" not in text(team["ana"].get("/agent/"))
    page = team["sue"].get("/agent/reports")
    assert page.status_code == 200
    body = text(page)
    assert '<th scope="row">Appels reçus</th><td class="now">3</td>' in body
    assert '<th scope="row">Envoyés aux agents</th><td class="now">2</td>' in body
    assert '<tr><th scope="row">A fait le 0 ou demandé un agent</th><td>2</td></tr>' in body
    assert "Jeanne" not in body and "100200300" not in body
    assert "Rapports" in text(team["sue"].get("/agent/"))


def test_agents_accounts_are_for_admins(team, agents):
    assert team["sue"].get("/agent/admin/agents").status_code == 403
    assert team["ana"].get("/agent/admin/agents").status_code == 403
    admin = team["ana"].application.test_client()
    sign_in(admin)  # the demo agent is an admin
    page = text(admin.get("/agent/admin/agents"))
    assert 'data-agent="sue"' in page and "Superviseur" in page


def test_a_call_that_ended_in_self_service_is_for_supervisors_only(team, phone):
    call = phone().press("1").press("1").press("100200300").press("19480517").hang_up()
    refused = team["ana"].get(f"/agent/calls/{call.call_sid}")
    assert refused.status_code == 403 and "Jeanne" not in text(refused)
    assert "Jeanne Tremblay" in text(team["sue"].get(f"/agent/calls/{call.call_sid}"))
