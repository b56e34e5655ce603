"""A supervisor lifts a client's phone-verification suspension, from the desktop or with `ivr client unsuspend`.

Three wrong birth dates suspend verification by phone for a client number for 24 hours; the person
still reaches an agent. Once a supervisor has checked who they are, the button on the call's context
page or the command lifts it through one service (`lift_suspension`), with an audit row naming the
supervisor, and the client can verify by phone again at once. Agents are refused.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from ivr.store import db
from ivr.store.models.calls import Client
from ivr.store.models.security import AuditEvent
from ivr.services.verification import NotSuspended, is_self_service_suspended, lift_suspension

from tests.support.desktop_fixtures import agents, csrf_of, quick_password_hashing, text  # noqa: F401
from tests.support.security_helpers import ivr
from tests.support.desktop_fixtures import agent_id, team  # noqa: F401 - Ana (agent) and Sue (supervisor)
from tests.support.journeys import JEANNE, fail_once, status_call


@pytest.fixture
def suspended_call(app, phone):
    """Three wrong birth dates for Jeanne's number; then Jeanne herself calls and is sent to an agent."""
    for caller in ("+15145550001", "+15145550002", "+15145550003"):
        fail_once(phone, JEANNE[0], caller)
    call = status_call(phone, *JEANNE[:2], caller=JEANNE[3])
    assert "Pour votre sécurité" in call.heard() and call.transferred
    return call.call_sid


def suspended(app) -> bool:
    with app.app_context():
        session = db.session()
        jeanne = session.scalar(select(Client).where(Client.client_number == JEANNE[0]))
        return is_self_service_suspended(session, jeanne)


def lifts(app) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEvent).where(AuditEvent.action == "verification_unsuspended")))


def lift(browser, call_sid: str, **fields: str):
    token = csrf_of(browser.get(f"/agent/calls/{call_sid}").get_data(as_text=True))
    return browser.post(f"/agent/calls/{call_sid}/unsuspend", data={"csrf": token, **fields}, follow_redirects=True)


# -- from the desktop ----------------------------------------------------------------------------

def test_a_supervisor_lifts_the_suspension_from_the_call_and_the_client_verifies_by_phone_again(
        app, team, suspended_call, phone):
    page = text(team["sue"].get(f"/agent/calls/{suspended_call}"))
    assert "Phone verification suspended: too many failed tries with this client number." in page
    assert "Self-service verification suspended while identifying" in page  # why the caller is waiting
    assert 'name="identity_checked" value="1" required' in page
    done = text(lift(team["sue"], suspended_call, identity_checked="1"))
    assert "Suspension lifted: the client can verify by phone again." in done
    assert "Phone verification suspended" not in done
    assert not suspended(app)
    [row] = lifts(app)
    assert (row.actor_kind, row.actor, row.outcome) == ("agent", f"agent:{agent_id(app, 'sue')}", "lifted")
    assert row.call_sid == suspended_call and row.detail["identity_checked"] is True
    assert row.detail["client_number"] == "•••-•••-300"
    again = status_call(phone, *JEANNE[:2], caller=JEANNE[3])  # the signed webhook, as Twilio posts it
    assert "1 234,56 $" in again.heard()


def test_the_suspension_stays_until_the_supervisor_ticks_that_identity_was_checked(app, team, suspended_call):
    answer = text(lift(team["sue"], suspended_call))
    assert "First tick that you checked the person's identity: the suspension was not lifted." in answer
    assert suspended(app) and lifts(app) == []


def test_an_agent_sees_the_suspension_but_cannot_lift_it(app, team, suspended_call, caplog):
    page = text(team["ana"].get(f"/agent/calls/{suspended_call}"))
    assert "Vérification par téléphone suspendue" in page
    assert "Un superviseur peut lever la suspension" in page and 'id="lift"' not in page
    token = csrf_of(page)
    with caplog.at_level(logging.WARNING, logger="ivr.desktop.access"):
        refused = team["ana"].post(f"/agent/calls/{suspended_call}/unsuspend",
                                   data={"csrf": token, "identity_checked": "1"})
    assert refused.status_code == 403
    assert "reason=needs_supervisor" in caplog.text
    assert suspended(app) and lifts(app) == []


def test_lifting_needs_the_form_token(app, team, suspended_call):
    answer = team["sue"].post(f"/agent/calls/{suspended_call}/unsuspend", data={"identity_checked": "1"})
    assert answer.status_code == 400
    assert suspended(app)


def test_the_crm_sees_whether_the_caller_is_suspended(app, team, suspended_call):
    api = team["sue"].get(f"/agent/api/calls/{suspended_call}").json
    assert api["self_service_suspended"] is True and api["transfer_reason"] == "verification_suspended"


# -- from the command line -----------------------------------------------------------------------

def test_a_supervisor_lifts_it_with_ivr_client_unsuspend_and_the_audit_trail_says_who(
        app, team, suspended_call, phone, monkeypatch):
    result = ivr(app, monkeypatch, "client", "unsuspend", "100-200-300", "--by", "sue", "--identity-checked")
    assert result.exit_code == 0, result.output
    assert "Verification by phone of client •••-•••-300 is no longer suspended (lifted by sue" in result.output
    [row] = lifts(app)
    assert (row.actor_kind, row.actor, row.call_sid) == ("agent", f"agent:{agent_id(app, 'sue')}", None)
    trail = ivr(app, monkeypatch, "audit", "100200300").output
    assert "verification_unsuspended" in trail and f" agent:{agent_id(app, 'sue')}" in trail
    assert "agent:agent:" not in trail  # the agent's id already names its kind
    assert "1 234,56 $" in status_call(phone, *JEANNE[:2], caller=JEANNE[3]).heard()


def test_the_command_asks_whether_identity_was_checked_and_a_no_changes_nothing(app, team, suspended_call,
                                                                                monkeypatch):
    declined = ivr(app, monkeypatch, "client", "unsuspend", "100200300", "--by", "sue", input="n\n")
    assert declined.exit_code == 1 and "nothing was changed: check the person's identity first" in declined.output
    assert suspended(app)
    accepted = ivr(app, monkeypatch, "client", "unsuspend", "100200300", "--by", "sue", input="y\n")
    assert accepted.exit_code == 0 and not suspended(app)


@pytest.mark.parametrize("args, says", [
    (("100200300", "--by", "ana"), "'ana' is an agent: only a supervisor or an admin lifts a suspension"),
    (("100200300", "--by", "nobody"), "there is no active agent called 'nobody'"),
    (("999888777", "--by", "sue"), "no client has the number •••-•••-777"),
])
def test_the_command_refuses_an_agent_a_stranger_or_an_unknown_client(app, team, suspended_call, monkeypatch,
                                                                       args, says):
    result = ivr(app, monkeypatch, "client", "unsuspend", *args, "--identity-checked")
    assert result.exit_code == 1 and says in result.output
    assert suspended(app) and lifts(app) == []


def test_there_is_nothing_to_lift_when_the_client_is_not_suspended(app, team, monkeypatch):
    result = ivr(app, monkeypatch, "client", "unsuspend", "100200300", "--by", "sue", "--identity-checked")
    assert result.exit_code == 1 and "is not suspended: there is nothing to lift; nothing was changed" in result.output


def test_the_command_says_there_is_nothing_to_lift_before_asking_about_identity(app, team, monkeypatch):
    result = ivr(app, monkeypatch, "client", "unsuspend", "100200300", "--by", "sue")  # no answer typed
    assert result.exit_code == 1 and "is not suspended: there is nothing to lift" in result.output
    assert "Did you check the identity" not in result.output


# -- the rule itself -----------------------------------------------------------------------------

def test_tries_after_a_lift_count_again_from_zero(app, phone):
    for caller in ("+15145550001", "+15145550002", "+15145550003"):
        fail_once(phone, JEANNE[0], caller)
    with app.app_context():
        session = db.session()
        jeanne = session.scalar(select(Client).where(Client.client_number == JEANNE[0]))
        with pytest.raises(ValueError, match="identity has been checked"):
            lift_suspension(session, jeanne, "agent:1", identity_checked=False)
        lift_suspension(session, jeanne, "agent:1", identity_checked=True)
        session.commit()
        with pytest.raises(NotSuspended):
            lift_suspension(session, jeanne, "agent:1", identity_checked=True)
    fail_once(phone, JEANNE[0], "+15145550004")
    fail_once(phone, JEANNE[0], "+15145550005")
    assert not suspended(app)  # two new misses: not yet
    fail_once(phone, JEANNE[0], "+15145550006")
    assert suspended(app)  # a third: suspended again, as verification.yaml says
