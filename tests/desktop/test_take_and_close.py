"""Taking a call connects the agent through the gateway; closing it writes the client's history."""

from __future__ import annotations

from sqlalchemy import select

from ivr.store import db
from ivr.calls.gateway import GatewayError
from ivr.store.models.calls import Call, Contact

from tests.support.desktop_fixtures import agents, quick_password_hashing, csrf_of, desk, gateway_log, sign_in, text  # noqa: F401


def waiting_status_call(phone):
    return phone().press("1").press("1").press("100200300").press("19480517").press("0")


def take(desk, call_sid: str):
    page = text(desk.get(f"/agent/calls/{call_sid}"))
    return desk.post(f"/agent/calls/{call_sid}/take", data={"csrf": csrf_of(page)}, follow_redirects=True)


def test_taking_a_call_connects_the_agent_with_a_whisper_in_their_language(app, desk, phone, gateway_log):
    call = waiting_status_call(phone)
    page = text(take(desk, call.call_sid))
    assert "Connexion en cours : Client vérifié, Français, État d'une demande" in page
    assert gateway_log == [{"action": "connect_agent", "call_sid": call.call_sid, "endpoint": "client:demo",
                            "conference": f"ivr-{call.call_sid}",
                            "whisper": ["Client vérifié, Français, État d'une demande"]}]
    assert "Pris par Agent Démo" in page
    assert "Prendre l'appel" not in page
    with db.session_for(app) as session:
        assert session.get(Call, call.call_sid).status == "with_agent"
    assert text(desk.get("/agent/live/waiting")).count("Jeanne Tremblay") == 0


def test_a_call_taken_by_one_agent_cannot_be_taken_by_another(app, desk, agents, phone, gateway_log):
    call = waiting_status_call(phone)
    other = sign_in(app.test_client(), "sam", "sam-password")
    page = text(other.get(f"/agent/calls/{call.call_sid}"))
    token = csrf_of(page)
    take(desk, call.call_sid)
    answer = text(other.post(f"/agent/calls/{call.call_sid}/take", data={"csrf": token}, follow_redirects=True))
    assert "Another agent already took this call." in answer
    assert len(gateway_log) == 1


def test_when_the_phone_system_fails_the_caller_stays_in_the_queue(app, desk, phone):
    class Refusing:
        def connect_agent(self, *args, **kwargs):
            raise GatewayError("Twilio could not connect the call: 503")

    app.extensions["ivr.gateway"] = Refusing()
    call = waiting_status_call(phone)
    page = text(take(desk, call.call_sid))
    assert "n'a pas pu relier l'appel" in page
    assert "Prendre l'appel" in page
    with db.session_for(app) as session:
        assert session.get(Call, call.call_sid).status == "queued"


def test_closing_the_contact_puts_it_in_the_clients_history(app, desk, phone):
    call = waiting_status_call(phone)
    page = text(take(desk, call.call_sid))
    done = desk.post(f"/agent/calls/{call.call_sid}/close",
                     data={"csrf": csrf_of(page), "subject": "status", "outcome": "information_given",
                           "note": "Explained the first payment date."}, follow_redirects=True)
    assert "Contact enregistré dans l'historique du client." in text(done)
    history = desk.get("/agent/api/clients/100200300/contacts").json["contacts"]
    assert history[0]["channel"] == "phone"
    assert history[0]["subject"] == "status" and history[0]["outcome"] == "information_given"
    assert history[0]["note"] == "Explained the first payment date."
    call.hang_up()  # Twilio's status callback afterwards adds nothing twice
    with db.session_for(app) as session:
        rows = session.scalars(select(Contact).where(Contact.call_sid == call.call_sid)).all()
    assert [(r.channel, r.outcome) for r in rows] == [("phone", "information_given")]


def test_the_contact_just_saved_appears_under_the_earlier_contacts_on_the_page_that_follows(app, desk, phone):
    call = waiting_status_call(phone)
    page = text(take(desk, call.call_sid))
    assert "Aucun contact précédent." in page
    done = text(desk.post(f"/agent/calls/{call.call_sid}/close",
                          data={"csrf": csrf_of(page), "subject": "status", "outcome": "information_given",
                                "note": "Date du premier paiement expliquée."}, follow_redirects=True))
    history = done.split("Contacts précédents", 1)[1]
    assert "Cet appel" in history and "Date du premier paiement expliquée." in history
    assert "Information donnée" in history
    data = desk.get(f"/agent/api/calls/{call.call_sid}").json
    assert [c["this_call"] for c in data["contacts"]] == [True]
    assert data["previous_contacts"] == [] and data["repeat_note"] is None  # this call is not a repeat of itself


def test_an_outcome_must_come_from_the_list(desk, phone):
    call = waiting_status_call(phone)
    page = text(take(desk, call.call_sid))
    answer = desk.post(f"/agent/calls/{call.call_sid}/close",
                       data={"csrf": csrf_of(page), "subject": "status", "outcome": "whatever"},
                       follow_redirects=True)
    assert "Choisissez un sujet et un résultat." in text(answer)


def test_an_unidentified_caller_is_closed_without_touching_any_history(app, desk, phone):
    call = phone().press("0")
    page = text(take(desk, call.call_sid))
    answer = desk.post(f"/agent/calls/{call.call_sid}/close",
                       data={"csrf": csrf_of(page), "subject": "other", "outcome": "resolved"},
                       follow_redirects=True)
    assert "aucun historique client n'a été modifié" in text(answer)
    with db.session_for(app) as session:
        assert session.scalars(select(Contact)).all() == []
