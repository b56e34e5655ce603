"""A change by phone is held pending, the old address is told, an agent can reverse it, and all of
it lands in an append-only audit trail that `ivr audit` shows, masked."""

from __future__ import annotations

import re

from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import delete, select, update

from ivr.store import db
from ivr.store.models.calls import ChangeRequest, Client
from ivr.store.models.security import AuditEvent, AuditIsAppendOnly, OutgoingNotice

from tests.support.security_helpers import change_address, ivr


@pytest.fixture
def marie(app):
    """A supervisor's audit id: only a supervisor or an admin reverses a change, on the desktop or here."""
    from ivr.desktop.accounts import actor_id, add_agent

    with app.app_context(), db.session_for(app) as session:
        supervisor = add_agent(session, "marie", "marie-password", role="supervisor")
        session.commit()
        return actor_id(supervisor)

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)


def the_change(app, kind="address") -> ChangeRequest:
    with app.app_context():
        return db.session().scalar(select(ChangeRequest).where(ChangeRequest.kind == kind))


def jeanne(app) -> Client:
    with app.app_context():
        return db.session().scalar(select(Client).where(Client.client_number == "100200300"))


def test_a_confirmed_change_is_pending_for_the_cooling_off_and_the_old_address_gets_a_notice(app, phone):
    with freeze_time(NOW):
        change_address(phone)
    change = the_change(app)
    assert change.status == "pending"
    assert change.effective_at.replace(tzinfo=timezone.utc) == NOW + timedelta(days=7)
    assert jeanne(app).street == "rue Saint-Denis"  # nothing applied yet
    with app.app_context():
        notice = db.session().scalar(select(OutgoingNotice))
    assert notice.status == "queued" and notice.kind == "address_change" and notice.language == "fr"
    assert notice.address["street"] == "rue Saint-Denis" and notice.address["postal_code"] == "H2X 3K8"
    assert notice.change_request_id == change.id


def test_the_cooling_off_period_is_configurable(app, phone):
    app.config["COOLING_OFF_DAYS"] = 2
    with freeze_time(NOW):
        change_address(phone)
    assert the_change(app).effective_at.replace(tzinfo=timezone.utc) == NOW + timedelta(days=2)


def test_apply_due_applies_only_changes_whose_cooling_off_is_over(app, phone, monkeypatch):
    with freeze_time(NOW):
        change_address(phone)
    with freeze_time(NOW + timedelta(days=6)):
        result = ivr(app, monkeypatch, "change", "apply-due")
    assert "0 changes applied" in result.output and jeanne(app).street == "rue Saint-Denis"
    with freeze_time(NOW + timedelta(days=7, minutes=1)):
        result = ivr(app, monkeypatch, "change", "apply-due")
    assert result.exit_code == 0 and "1 change applied" in result.output
    client = jeanne(app)
    assert (client.civic_number, client.street, client.postal_code) == ("500", "rue Sherbrooke Ouest", "H3B 2Y5")
    assert the_change(app).status == "applied"


def test_a_supervisor_reverses_a_pending_change_and_it_is_never_applied(app, phone, monkeypatch, marie):
    with freeze_time(NOW):
        change_address(phone)
    confirmation = the_change(app).confirmation
    with freeze_time(NOW + timedelta(days=1)):
        result = ivr(app, monkeypatch, "change", "reverse", confirmation, "--by", "marie", "--reason", "client called")
    assert result.exit_code == 0 and "reversed by marie" in result.output
    with freeze_time(NOW + timedelta(days=30)):
        ivr(app, monkeypatch, "change", "apply-due")
    assert jeanne(app).street == "rue Saint-Denis"
    change = the_change(app)
    assert (change.status, change.decided_by) == ("reversed", marie)
    with freeze_time(NOW + timedelta(days=1)):
        again = ivr(app, monkeypatch, "change", "reverse", confirmation, "--by", "marie")
    assert again.exit_code == 1 and "is reversed, not pending" in again.output
    unknown = ivr(app, monkeypatch, "change", "reverse", "12345678", "--by", "marie")
    assert unknown.exit_code == 1 and "no change has confirmation number 12345678" in unknown.output


def test_a_change_past_its_cooling_off_cannot_be_reversed_from_the_command_line_either(app, phone, monkeypatch, marie):
    with freeze_time(NOW):
        change_address(phone)
    with freeze_time(NOW + timedelta(days=7, minutes=1)):
        late = ivr(app, monkeypatch, "change", "reverse", the_change(app).confirmation, "--by", "marie")
    assert late.exit_code == 1 and "past its cooling-off period" in late.output
    assert the_change(app).status == "pending"  # apply-due will apply it


def test_a_phone_change_is_held_too_and_applied_after_the_cooling_off(app, phone, monkeypatch):
    with freeze_time(NOW):
        change_address(phone).press("1").press("4185550123")
    with freeze_time(NOW + timedelta(days=8)):
        ivr(app, monkeypatch, "change", "apply-due")
    assert jeanne(app).phone == "+14185550123"


def test_the_audit_trail_shows_who_did_what_masked(app, phone, monkeypatch, marie):
    with freeze_time(NOW):
        call = change_address(phone)
    with freeze_time(NOW + timedelta(days=1)):
        ivr(app, monkeypatch, "change", "reverse", the_change(app).confirmation, "--by", "marie")
    result = ivr(app, monkeypatch, "audit", "100-200-300")
    out = result.output
    assert result.exit_code == 0
    assert "client •••-•••-300" in out
    assert "verification_succeeded" in out and "caller:client_number+birth_date+postal_code_on_file" in out
    assert "address_change_requested" in out and f"call {call.call_sid}" in out and "from +1 514-•••-••42" in out
    assert "address_change_reversed" in out and f"{marie}" in out
    assert "2026-11-23 15:00:00Z" in out
    assert "postal_code=H3B •••" in out and "city=Montréal" in out
    for secret in ("100200300", "Saint-Denis", "Sherbrooke", "H2X 3K8", "H3B 2Y5", "5145550142", "19480517", "1948-05-17"):
        assert secret not in out
    # The birth year alone, as a word: not inside a CallSid or a confirmation number drawn from one
    # (92419488 held it once, in stop 23's CI).
    assert not re.search(r"(?<![0-9A-Za-z])1948(?![0-9A-Za-z])", out), out


def test_the_audit_trail_counts_its_events_in_plain_english(app, phone, monkeypatch):
    assert "(0 events, times in UTC)" in ivr(app, monkeypatch, "audit", "100200300").output
    phone().press("1").press("1").press("100200300").press("19480517")  # one verification
    assert "(1 event, times in UTC)" in ivr(app, monkeypatch, "audit", "100200300").output


def test_audit_of_an_unknown_client_says_so_without_echoing_the_number(app, monkeypatch):
    result = ivr(app, monkeypatch, "audit", "999888777")
    assert result.exit_code == 1 and "•••-•••-777" in result.output and "999888777" not in result.output


def test_audit_rows_cannot_be_edited_or_deleted_by_the_app(app, phone):
    change_address(phone)
    with app.app_context():
        session = db.session()
        event = session.scalars(select(AuditEvent)).first()
        event.outcome = "nothing happened"
        with pytest.raises(AuditIsAppendOnly):
            session.flush()
        session.rollback()
        session.delete(session.scalars(select(AuditEvent)).first())
        with pytest.raises(AuditIsAppendOnly):
            session.flush()
        session.rollback()
        with pytest.raises(AuditIsAppendOnly):
            session.execute(update(AuditEvent).values(outcome="x"))
        with pytest.raises(AuditIsAppendOnly):
            session.execute(delete(AuditEvent))
        session.rollback()
        assert session.scalar(select(AuditEvent).where(AuditEvent.outcome == "x")) is None
        assert len(session.scalars(select(AuditEvent)).all()) >= 3


def test_the_database_itself_refuses_raw_sql_that_edits_the_audit_trail(app, phone):
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    change_address(phone)
    with app.app_context():
        session = db.session()
        for statement in ("UPDATE audit_events SET outcome = 'x'", "DELETE FROM audit_events"):
            with pytest.raises(DatabaseError, match="append-only"):
                session.execute(text(statement))
            session.rollback()
        assert session.scalar(select(AuditEvent).where(AuditEvent.outcome == "x")) is None


def test_an_agent_or_an_unknown_name_cannot_reverse_a_change_from_the_command_line(app, phone, monkeypatch):
    from ivr.desktop.accounts import add_agent

    with app.app_context(), db.session_for(app) as session:
        add_agent(session, "paul", "paul-password")  # an agent, not a supervisor
        session.commit()
    with freeze_time(NOW):
        change_address(phone)
    confirmation = the_change(app).confirmation
    with freeze_time(NOW + timedelta(days=1)):
        agent = ivr(app, monkeypatch, "change", "reverse", confirmation, "--by", "paul")
        stranger = ivr(app, monkeypatch, "change", "reverse", confirmation, "--by", "agent42")
    assert agent.exit_code == 1 and "'paul' is an agent: only a supervisor or an admin reverses a change" in agent.output
    assert stranger.exit_code == 1 and "there is no active agent called 'agent42'" in stranger.output
    assert the_change(app).status == "pending"
