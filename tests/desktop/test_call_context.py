"""What the agent sees after each kind of transfer: who, why, what they did, so nobody repeats."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ivr.store import db
from ivr.store.models.calls import Client, Contact
from ivr.services import actions

from tests.support.desktop_fixtures import agents, quick_password_hashing, csrf_of, desk, text  # noqa: F401
from tests.support.text import plain
from tests.support.desktop_fixtures import context

API_KEYS = {"call_sid", "caller", "language", "client_number", "verified", "transfer_reason", "journey",
            "collected", "queue", "waiting_since", "previous_contacts"}


def summaries(data: dict) -> list[str]:
    return [step["summary"] for step in data["journey"]]


def test_zero_at_the_greeting_before_any_language(client, agents, phone):
    call = phone().press("0")
    data = context(client, call.call_sid)
    assert API_KEYS <= set(data)
    assert data["caller"] == "+15145550142"
    assert data["caller_display"] == "(514) 555-0142"
    assert data["language"] is None and data["language_label"] == "Not chosen"
    assert data["client_number"] is None and data["verified"] is False
    assert data["transfer_reason"] == "asked_for_agent"
    assert data["reason"] == "Pressed 0 at the greeting, before choosing a language"
    assert data["queue"] == "agents-bilingual" and data["waiting_since"]
    assert summaries(data) == ["Call started", "Asked for an agent (pressed 0)", "Transferred to agents-bilingual"]


def test_after_a_status_check_the_agent_sees_what_the_caller_heard(client, agents, phone):
    call = phone().press("1").press("1").press("100200300").press("19480517").press("0")
    data = context(client, call.call_sid)
    assert data["client_number"] == "100200300" and data["client_name"] == "Jeanne Tremblay"
    assert data["verified"] is True
    assert data["verification"] == "Verified by client number and date of birth"
    assert data["language"] == "fr"
    assert data["reason"] == "Pressed 0 after hearing the status of their retirement pension application"
    steps = summaries(data)
    assert "Pressed 1: French" in steps
    assert "Pressed 1: status of an application" in steps
    assert "Entered client number: ••••••300" in steps
    assert "Entered date of birth" in steps  # and nothing of the date itself
    assert "Identity verified" in steps
    assert ("Heard: Votre demande de pension de retraite est approuvée. Votre premier paiement de 1 234,56 $ "
            "sera versé le 22 décembre 2026.") in [plain(step) for step in steps]
    assert data["failures"] == []
    assert data["whisper"] == "Client verified, French, Application status"


def test_the_same_context_reads_in_french_for_a_french_speaking_agent(client, agents, phone):
    call = phone().press("1").press("1").press("100200300").press("19480517").press("0")
    data = context(client, call.call_sid, lang="fr")
    assert data["reason"] == "A fait le 0 après avoir entendu l'état d'une demande de pension de retraite"
    assert "A entré le numéro de client : ••••••300" in summaries(data)


def test_mid_address_change_the_half_finished_address_is_shown(client, agents, phone):
    call = (phone().press("1").press("2").press("100200300").press("19480517").say("H 2 X 3 K 8")
            .say("H 2 T 1 S 6").press("55").say("rue Laval").press("0"))
    data = context(client, call.call_sid)
    assert data["reason"] == "Pressed 0 during an address change"
    collected = {row["field"]: row["value"] for row in data["collected"]}
    assert collected == {"postal_code": "H2T 1S6", "civic_number": "55", "street": "rue Laval"}
    journey = summaries(data)
    assert "Postal code on file confirmed" in journey
    assert "Entered postal code on file" in journey and "H2X 3K8" not in " ".join(journey)
    assert not any("None" in line for line in journey)
    assert data["verification"] == "Verified by client number, date of birth and the postal code on file"
    assert data["submitted"] == []


def test_a_submitted_address_is_shown_as_done_not_as_pending(client, agents, phone):
    call = (phone().press("1").press("2").press("100200300").press("19480517").say("H 2 X 3 K 8")
            .say("H 2 T 1 S 6").press("55").say("rue Laval").say("Montréal").press("#").press("1").press("0"))
    data = context(client, call.call_sid)
    assert data["collected"] == []
    assert [row["kind"] for row in data["submitted"]] == ["address"]
    assert data["reason"] == "Pressed 0 after changing their address"


def test_after_verification_failures_the_agent_sees_the_file_as_a_claim_not_verified(client, agents, phone):
    call = phone().press("1").press("1")
    for birth in ("19480518", "19480519", "19480510"):
        call.press("100200300").press(birth)
    assert call.transferred
    data = context(client, call.call_sid)
    assert data["claimed"]["client_number"] == "100200300" and data["verified"] is False
    assert data["client_number"] is None  # the verified identity (see test_desktop_claimed_identity.py)
    assert data["verification"] == "Not verified: self-service verification suspended after 3 failed attempts"
    assert data["reason"] == "Self-service verification suspended while checking the status of an application"
    assert "Verification failed 3 times" in data["failures"]
    assert summaries(data).count("Verification failed: details did not match") == 2
    assert data["whisper"].startswith("Client not verified")
    shown = str(data)  # the birth date is never kept, even masked (timestamps may hold "1948" by chance)
    assert "1948-05" not in shown
    assert not any(b in shown for b in ("19480518", "19480519", "19480510"))


def test_after_a_fault_the_agent_sees_that_a_system_failed(client, agents, phone, monkeypatch):
    def broken(ctx):
        raise RuntimeError("the benefits system is down")

    monkeypatch.setitem(actions.ACTIONS, "status.lookup", broken)
    call = phone().press("1").press("1").press("100200300").press("19480517")
    assert call.transferred
    data = context(client, call.call_sid)
    assert data["reason"] == "A system did not answer while checking the status of an application"
    assert "A system did not answer (status.lookup)" in summaries(data)
    assert "Technical fault" in data["failures"]
    assert data["verified"] is True


def test_speech_not_understood_is_listed_as_a_difficulty(client, agents, phone):
    call = phone().press("1").say("banane").say("banane").say("banane")
    assert call.transferred
    data = context(client, call.call_sid)
    assert data["reason"].startswith("Was not understood at the main menu")
    assert "Not understood at the main menu (said “b•••••”)" in summaries(data)  # never the words themselves
    assert "Not understood 3 times" in data["failures"]


def test_earlier_contacts_show_a_third_call_this_week(app, client, agents, phone):
    now = datetime.now(timezone.utc)
    with db.session_for(app) as session:
        jeanne = session.query(Client).filter_by(client_number="100200300").one()
        session.add_all([
            Contact(client_id=jeanne.id, at=now - timedelta(days=2), channel="ivr", subject="status",
                    outcome="resolved_in_ivr"),
            Contact(client_id=jeanne.id, at=now - timedelta(days=1), channel="phone", subject="payment",
                    outcome="information_given", note="Payment date explained"),
            Contact(client_id=jeanne.id, at=now - timedelta(days=40), channel="web", subject="status",
                    outcome="resolved"),
        ])
    call = phone().press("1").press("1").press("100200300").press("19480517").press("0")
    data = context(client, call.call_sid)
    assert [c["channel"] for c in data["previous_contacts"]] == ["phone", "ivr", "web"]
    assert data["previous_contacts"][0]["note"] == "Payment date explained"
    assert data["repeat_note"] == "3rd contact in 7 days"
    page = client.get(f"/agent/api/clients/100200300/contacts", headers={"Authorization": "Bearer demo-token"})
    assert [c["subject"] for c in page.json["contacts"]] == ["payment", "status", "status"]


def test_the_call_page_shows_the_context_in_plain_words(desk, phone):
    call = phone().press("1").press("1").press("100200300").press("19480517").press("0")
    page = text(desk.get(f"/agent/calls/{call.call_sid}"))
    assert "Jeanne Tremblay" in page
    assert "(514) 555-0142" in page
    assert "Vérifié par numéro de client et date de naissance" in page
    assert "A fait le 0 après avoir entendu l'état d'une demande de pension de retraite" in page
    assert "A entendu : Votre demande de pension de retraite est approuvée." in page
    assert "Prendre l'appel" in page


def test_the_queue_lists_waiting_callers_with_a_one_line_reason(desk, phone):
    phone().press("1").press("1").press("100200300").press("19480517").press("0")
    phone(caller="+16135550199").press("2").press("0")
    desk.post("/agent/language/en", data={"csrf": csrf_of(desk.get("/agent/").get_data(as_text=True))})
    page = text(desk.get("/agent/live/waiting"))
    assert "Queue agents-fr" in page and "Queue agents-en" in page
    assert "Pressed 0 after hearing the status of their retirement pension application" in page
    assert "Pressed 0 at the main menu" in page
    api = desk.get("/agent/api/queue").json
    assert [w["queue"] for w in api["waiting"]] == ["agents-fr", "agents-en"]


def test_an_unknown_call_is_a_clear_404(client, agents):
    response = client.get("/agent/api/calls/CAnope", headers={"Authorization": "Bearer demo-token"})
    assert response.status_code == 404
    assert "CAnope" in response.json["message"]
    missing = client.get("/agent/api/clients/999999999/contacts", headers={"Authorization": "Bearer demo-token"})
    assert missing.status_code == 404


def test_a_fault_in_the_webhook_still_puts_the_caller_on_the_agents_screen(client, agents, phone, monkeypatch):
    from ivr import calls

    call = phone().press("2").press("1")

    def broken(*args, **kwargs):
        raise RuntimeError("a bug mid-step")

    monkeypatch.setattr(calls, "advance", broken)  # the engine, which every step goes through
    call.press("100200300")
    assert call.transferred and call.queue == "agents-en"
    assert "Sorry, we have a technical problem." in call.heard()
    waiting = client.get("/agent/api/queue?lang=en", headers={"Authorization": "Bearer demo-token"}).json["waiting"]
    assert [w["call_sid"] for w in waiting] == [call.call_sid]
    assert waiting[0]["reason"] == "Technical problem while identifying, to check the status of an application"
    assert "Technical fault (RuntimeError)" in summaries(waiting[0])


def test_the_flows_own_decisions_are_not_shown_as_keys_the_caller_pressed(client, agents, phone):
    """A branch (is the caller already verified? is there an apartment?) chooses a way on; the agent's
    journey shows what the caller did, never 'Pressed None'."""
    call = (phone().press("1").press("1").press("100200300").press("19480517").press("2").press("2")
            .say("H 2 X 3 K 8").say("H 2 T 1 S 6").press("55").say("rue Laval").say("Montréal").press("#")
            .press("0"))
    journey = summaries(context(client, call.call_sid))
    assert journey and not any("None" in line for line in journey)
    assert sum("Entered client number" in line for line in journey) <= 1, "asked to identify twice"


def test_a_hidden_digit_never_reads_as_a_keypad_key(client, agents, phone):
    """A masked entry once showed as "(a fait le *)", which an agent reads as the star key."""
    call = phone().press("1").press("1").press("100200300").press("12").press("0")
    data = context(client, call.call_sid, lang="fr")
    assert "Non compris à la date de naissance (a fait le ••)" in summaries(data)
    assert "A entré le numéro de client : ••••••300" in summaries(data)
    assert not any("*" in line for line in summaries(data))


def test_zero_during_the_postal_code_check_says_where_in_words(client, agents, phone):
    call = phone().press("1").press("2").press("100200300").press("19480517").press("0")
    assert call.transferred
    assert context(client, call.call_sid, lang="fr")["reason"] == (
        "A fait le 0 en confirmant le code postal au dossier, pour changer son adresse")
    assert context(client, call.call_sid)["reason"] == (
        "Pressed 0 while confirming the postal code on file, to change their address")
