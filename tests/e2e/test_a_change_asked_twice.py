"""A change asked twice is one change (issue 13, item 8's kind: what callers are told is exactly
what was done). The same new address or phone as the one already pending, in a second call or again
in the same call, creates no request and no notice: the caller hears it is already pending, with its
day and confirmation number. Another new value while one is pending replaces it: the older is
superseded (audited, never applied, its letter withdrawn) and one notice goes out saying so."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from ivr.store import db
from ivr.engine.prompts import spoken_digits
from ivr.store.models.calls import ChangeRequest, Client
from ivr.store.models.security import AuditEvent, OutgoingNotice
from ivr.services.changes import apply_due

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)  # 10:00 in Montréal
LATER = NOW + timedelta(days=2)  # the second call: the first change is still pending

LANGUAGE_KEY = {"fr": "1", "en": "2"}
ALREADY = {"fr": "Vous avez déjà demandé ce changement d'adresse. Il prendra effet le 30 novembre 2026.",
           "en": "This change of address is already pending. It takes effect on November 30, 2026."}
NOTHING_NEW = {"fr": "Nous n'avons rien fait de plus, et aucun autre avis ne sera envoyé.",
               "en": "Nothing new was done, and no other notice will be sent."}
CONFIRMATION = {"fr": "Votre numéro de confirmation pour le changement d'adresse est le {}.",
                "en": "Your confirmation number for the change of address is {}."}


def verified(phone, language="fr"):
    """Jeanne (fr, 1234 rue Saint-Denis, app. 5, Montréal H2X 3K8, +1 514 555-0142), step-up passed."""
    return (phone(caller="+15145550142").press(LANGUAGE_KEY[language]).press("2").press("100200300")
            .press("19480517").say("H2X 3K8"))


def address(call, postal="H3B 2Y5", civic="500", street="rue Sherbrooke Ouest", city="Montréal", apartment=""):
    return call.say(postal).press(civic).say(street).say(city).press(f"{apartment}#").press("1")


def requests(app, kind="address"):
    with app.app_context():
        return db.session().scalars(select(ChangeRequest).where(ChangeRequest.kind == kind)
                                    .order_by(ChangeRequest.id)).all()


def notices(app):
    with app.app_context():
        return db.session().scalars(select(OutgoingNotice).order_by(OutgoingNotice.id)).all()


def audited(app, action):
    with app.app_context():
        return db.session().scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_same_address_in_a_second_call_is_already_pending_with_its_day_and_number(app, phone, language):
    with freeze_time(NOW):
        address(verified(phone, language))
    with freeze_time(LATER):
        call = address(verified(phone, language))
    [change] = requests(app)
    heard = call.heard()
    assert ALREADY[language] in heard and NOTHING_NEW[language] in heard
    assert CONFIRMATION[language].format(spoken_digits(change.confirmation)) in heard
    assert change.status == "pending" and change.effective_at.replace(tzinfo=timezone.utc) == NOW + timedelta(days=7)
    assert [n.kind for n in notices(app)] == ["address_change"]  # no second letter
    assert len(audited(app, "address_change_repeated")) == 1  # the repeat contact is counted


def test_the_same_address_said_another_way_is_the_same_change(app, phone):
    with freeze_time(NOW):
        address(verified(phone, "en"))
    with freeze_time(LATER):
        call = address(verified(phone, "en"), postal="h3b2y5", street="Rue Sherbrooke ouest", city="montreal")
    assert ALREADY["en"] in call.heard()
    assert len(requests(app)) == 1 and len(notices(app)) == 1


def test_the_same_address_twice_in_one_call_is_one_change(app, phone):
    with freeze_time(NOW):
        call = address(verified(phone)).press("2").press("1")  # no phone change; back to the main menu
        call = address(call.press("2").say("H2X 3K8"))  # the step-up is asked again
    assert ALREADY["fr"] in call.heard()
    assert len(requests(app)) == 1 and len(notices(app)) == 1


@pytest.mark.parametrize("language", ["fr", "en"])
def test_another_address_while_one_is_pending_replaces_it_and_one_notice_says_so(app, phone, language):
    with freeze_time(NOW):
        address(verified(phone, language))
    with freeze_time(LATER):
        call = address(verified(phone, language), postal="H2T 1S6", civic="4500", street="boulevard Saint-Laurent")
    older, newer = requests(app)
    assert (older.status, newer.status) == ("superseded", "pending")
    assert newer.new_value["civic_number"] == "4500" and newer.confirmation != older.confirmation
    heard = call.heard()
    replaced = {"fr": f"Cette adresse remplace celle que vous aviez demandée avant, au numéro de confirmation "
                      f"{spoken_digits(older.confirmation)}. Cette demande-là est annulée",
                "en": f"This address replaces the one you asked for before, with confirmation number "
                      f"{spoken_digits(older.confirmation)}. That request is cancelled"}
    assert replaced[language] in heard
    assert CONFIRMATION[language].format(spoken_digits(newer.confirmation)) in heard
    assert {"fr": "prendra effet le 2 décembre 2026.", "en": "It will take effect on December 2, 2026."}[language] in heard
    assert [(n.change_request_id, n.kind, n.status) for n in notices(app)] == [
        (older.id, "address_change", "withdrawn"), (newer.id, "address_change_replacing", "queued")]
    [superseded] = audited(app, "address_change_superseded")
    assert superseded.detail["confirmation"] == older.confirmation
    assert superseded.detail["replaced_by"] == newer.confirmation


def test_a_superseded_change_is_never_applied(app, phone):
    with freeze_time(NOW):
        address(verified(phone))
    with freeze_time(LATER):
        address(verified(phone), postal="H2T 1S6", civic="4500", street="boulevard Saint-Laurent")
    with app.app_context(), db.session_for(app) as session:
        applied = apply_due(session, NOW + timedelta(days=30))
        session.commit()
        client = session.scalar(select(Client).where(Client.client_number == "100200300"))
        assert [a.new_value["civic_number"] for a in applied] == ["4500"]
        assert client.civic_number == "4500"


def test_another_address_later_in_the_same_call_gets_its_own_number(app, phone):
    with freeze_time(NOW):
        call = address(verified(phone)).press("2").press("1")
        call = address(call.press("2").say("H2X 3K8"), postal="H2T 1S6", civic="4500", street="boulevard Saint-Laurent")
    older, newer = requests(app)
    assert (older.status, newer.status) == ("superseded", "pending")
    assert spoken_digits(newer.confirmation) in call.heard() and older.confirmation != newer.confirmation


@pytest.mark.parametrize("language, said", [
    ("fr", "Vous avez déjà demandé ce changement pour le (819) 555-0111. Il prendra effet le 30 novembre 2026."),
    ("en", "The change to (819) 555-0111 is already pending. It takes effect on November 30, 2026."),
])
def test_the_same_new_phone_in_a_second_call_is_already_pending(app, phone, language, said):
    with freeze_time(NOW):
        address(verified(phone, language)).press("1").press("8195550111")
    with freeze_time(LATER):
        call = address(verified(phone, language)).press("1").press("8195550111")
    [change] = requests(app, "phone")
    assert said in call.heard() and spoken_digits(change.confirmation) in call.heard()
    assert sorted(n.kind for n in notices(app)) == ["address_change", "phone_change"]


def test_another_new_phone_while_one_is_pending_replaces_it(app, phone):
    with freeze_time(NOW):
        address(verified(phone)).press("1").press("8195550111")
    with freeze_time(LATER):
        call = address(verified(phone)).press("1").press("8195550122")
    older, newer = requests(app, "phone")
    assert (older.status, newer.status) == ("superseded", "pending")
    assert newer.new_value == {"phone": "+18195550122"}
    assert (f"Ce numéro remplace celui que vous aviez demandé avant, au numéro de confirmation "
            f"{spoken_digits(older.confirmation)}.") in call.heard()
    assert sorted((n.kind, n.status) for n in notices(app) if n.kind.startswith("phone")) == [
        ("phone_change", "withdrawn"), ("phone_change_replacing", "queued")]


def test_the_address_on_file_while_a_change_is_pending_keeps_the_file_and_cancels_the_change(app, phone):
    with freeze_time(NOW):
        address(verified(phone))
    with freeze_time(LATER):
        call = address(verified(phone), postal="H2X 3K8", civic="1234", street="rue Saint-Denis", apartment="5")
    [change] = requests(app)
    assert change.status == "reversed"
    heard = call.heard()
    assert "Cette adresse est déjà celle de votre dossier, et elle y reste." in heard
    assert (f"Votre changement d'adresse prévu, au numéro de confirmation {spoken_digits(change.confirmation)}, "
            "est annulé.") in heard
    assert "Rien n'a changé" not in heard
    assert [(n.kind, n.status) for n in notices(app)] == [("address_change", "withdrawn"),
                                                          ("address_change_cancelled", "queued")]
    assert [e.actor_kind for e in audited(app, "address_change_reversed")] == ["caller"]
    with app.app_context(), db.session_for(app) as session:
        assert apply_due(session, NOW + timedelta(days=30)) == []


def test_the_phone_on_file_while_a_change_is_pending_cancels_the_change_in_english(app, phone):
    with freeze_time(NOW):
        address(verified(phone, "en")).press("1").press("8195550111")
    with freeze_time(LATER):
        call = address(verified(phone, "en")).press("1").press("5145550142")
    [change] = requests(app, "phone")
    assert change.status == "reversed"
    assert "(514) 555-0142 is already the number on your file, and it stays." in call.heard()
    assert (f"Your pending change of number, confirmation number {spoken_digits(change.confirmation)}, "
            "is cancelled.") in call.heard()
