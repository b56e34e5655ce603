"""What a caller is told is what was stored (issue 13, item 8): a change by phone is pending, takes
effect on a day said in the caller's language, has a confirmation number read digit by digit, sends
a notice to the address on file, and can be undone by calling back; "changing" to what is already
on file is not a change at all."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from ivr.store import db
from ivr.engine.phones import same_number
from ivr.engine.prompts import spoken_digits
from ivr.store.models.calls import ChangeRequest
from ivr.store.models.security import OutgoingNotice

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)  # 10:00 in Montréal
LATE = datetime(2026, 11, 24, 3, 30, tzinfo=timezone.utc)  # 22:30 on the 23rd in Montréal, the 24th in UTC


def verified(phone, language="1", caller="+15145550142"):
    """Jeanne (fr, 1234 rue Saint-Denis, app. 5, Montréal H2X 3K8, +1 514 555-0142), step-up passed."""
    return phone(caller=caller).press(language).press("2").press("100200300").press("19480517").say("H2X 3K8")


def new_address(call):
    return call.say("H3B 2Y5").press("500").say("rue Sherbrooke Ouest").say("Montréal").press("#").press("1")


def stored(app, kind=None):
    with app.app_context():
        query = select(ChangeRequest) if kind is None else select(ChangeRequest).where(ChangeRequest.kind == kind)
        return db.session().scalars(query).all()


def notices(app):
    with app.app_context():
        return db.session().scalars(select(OutgoingNotice)).all()


def test_an_address_change_is_said_pending_with_its_day_notice_number_and_how_to_undo_it_in_french(app, phone):
    with freeze_time(NOW):
        call = new_address(verified(phone))
    [change] = stored(app)
    assert change.status == "pending"
    heard = call.heard()
    assert "votre changement d'adresse prendra effet le 30 novembre 2026." in heard
    assert "Nous enverrons un avis par la poste à votre ancienne adresse." in heard
    assert f"Votre numéro de confirmation pour le changement d'adresse est le {spoken_digits(change.confirmation)}." in heard
    assert "appelez-nous avant le 30 novembre 2026 et parlez à un agent" in heard
    assert [n.kind for n in notices(app)] == ["address_change"]


def test_an_address_change_is_said_pending_with_its_day_notice_number_and_how_to_undo_it_in_english(app, phone):
    with freeze_time(NOW):
        call = new_address(verified(phone, language="2"))
    [change] = stored(app)
    heard = call.heard()
    assert "Your change of address is pending. It will take effect on November 30, 2026." in heard
    assert "We will mail a notice to your old address." in heard
    assert f"Your confirmation number for the change of address is {spoken_digits(change.confirmation)}." in heard
    assert "call us and ask for an agent before November 30, 2026." in heard


def test_the_day_said_is_the_contact_centres_day_not_utcs(app, phone):
    with freeze_time(LATE):
        call = new_address(verified(phone))
    [change] = stored(app)
    assert change.effective_at.replace(tzinfo=timezone.utc).date().day == 1  # December 1st in UTC
    assert "prendra effet le 30 novembre 2026." in call.heard()  # 22:30 + 7 days, in Montréal


def test_the_cooling_off_said_is_the_one_configured(app, phone):
    app.config["COOLING_OFF_DAYS"] = 14
    with freeze_time(NOW):
        call = new_address(verified(phone))
    assert "prendra effet le 7 décembre 2026." in call.heard()


def test_a_phone_change_is_said_pending_not_done_with_its_own_number(app, phone):
    with freeze_time(NOW):
        call = new_address(verified(phone)).press("1").press("8195550111")
    [change] = stored(app, "phone")
    assert change.status == "pending" and change.new_value == {"phone": "+18195550111"}
    heard = call.heard()
    assert "maintenant" not in heard
    assert "votre numéro sera le (819) 555-0111 à partir du 30 novembre 2026." in heard
    assert "Nous enverrons un avis par la poste à l'adresse de votre dossier." in heard
    assert f"numéro de confirmation pour le changement de numéro est le {spoken_digits(change.confirmation)}." in heard
    assert sorted(n.kind for n in notices(app)) == ["address_change", "phone_change"]


def test_the_number_already_on_file_typed_in_national_form_is_no_change(app, phone):
    call = new_address(verified(phone)).press("1").press("5145550142")  # on file as +15145550142
    assert "Le (514) 555-0142 est déjà le numéro de votre dossier. Nous n'avons rien changé." in call.heard()
    assert "en attente" not in call.heard()
    assert stored(app, "phone") == []
    assert [n.kind for n in notices(app)] == ["address_change"]


def test_the_address_already_on_file_said_another_way_is_no_change(app, phone):
    call = verified(phone, language="2")
    call.say("h2x 3k8").press("1234").say("Rue Saint Denis").say("montreal").press("5#").press("1")
    assert "That address is already the one on your file. Nothing was changed" in call.heard()
    assert "will take effect" not in call.heard() and "confirmation number" not in call.heard()
    assert stored(app) == [] and notices(app) == []
    assert "change your phone number" in call.heard()  # the call goes on as after a change


@pytest.mark.parametrize("written", ["+15145550142", "5145550142", "(514) 555-0142", "1 514 555 0142",
                                     "+1-514-555-0142"])
def test_a_number_is_the_same_phone_in_any_format(written):
    assert same_number(written, "+15145550142")
    assert not same_number(written, "+15145550143")


def test_a_confirmation_number_is_read_digit_by_digit_in_groups_with_pauses():
    assert spoken_digits("38425073") == "3 8 4 2, 5 0 7 3"
    assert spoken_digits("100200300") == "1 0 0, 2 0 0, 3 0 0"
    assert spoken_digits("12 34") == "1 2 3 4"
