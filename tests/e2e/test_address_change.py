"""A verified caller changes their address by phone: read back, confirmed, stored with the old one."""

from __future__ import annotations

from sqlalchemy import select

from ivr.store import db
from ivr.engine.prompts import spoken_digits
from ivr.store.models.calls import ChangeRequest, Call
from tests.support.journeys import give_address, start_address_change


def requests(app):
    with app.app_context():
        return db.session().scalars(select(ChangeRequest)).all()


def test_confirmed_address_change_is_read_back_stored_and_confirmed_with_a_number(app, phone):
    call = start_address_change(phone)
    assert "Commençons par le code postal" in call.heard()
    give_address(call, apartment="12")
    assert "500, rue Sherbrooke Ouest, appartement 12, Montréal, H 3 B, 2 Y 5" in call.heard()
    call.press("1")
    stored = requests(app)
    assert len(stored) == 1
    change = stored[0]
    assert change.kind == "address" and change.status == "pending"
    assert change.old_value["street"] == "rue Saint-Denis" and change.old_value["postal_code"] == "H2X 3K8"
    assert change.new_value == {
        "civic_number": "500", "street": "rue Sherbrooke Ouest", "apartment": "12", "city": "Montréal",
        "province": "QC", "postal_code": "H3B 2Y5",
    }
    spoken_number = spoken_digits(change.confirmation)
    assert f"numéro de confirmation pour le changement d'adresse est le {spoken_number}" in call.heard()
    assert "changer votre numéro de téléphone" in call.heard()


def test_a_house_without_apartment_is_read_back_without_one(phone):
    call = give_address(start_address_change(phone, "2"), apartment="#")
    assert "Your new address is 500 rue Sherbrooke Ouest, Montréal, H 3 B, 2 Y 5." in call.heard()


def test_postal_code_spoken_letter_by_letter_is_understood(phone):
    call = start_address_change(phone).say("ache 3 be 2 y grec 5")
    assert "numéro civique" in call.heard()


def test_restarting_asks_again_from_the_postal_code_and_stores_only_the_final_address(app, phone):
    call = give_address(start_address_change(phone))
    call.press("2")
    assert "recommençons" in call.heard() and "code postal" in call.heard()
    call.say("G1R 2B5").press("88").say("boulevard René-Lévesque").say("Québec").press("#")
    assert "88, boulevard René-Lévesque, Québec, G 1 R, 2 B 5" in call.heard()
    call.press("1")
    stored = requests(app)
    assert [r.new_value["postal_code"] for r in stored] == ["G1R 2B5"]


def test_caller_who_abandons_at_read_back_reaches_an_agent_with_the_address_kept(app, phone):
    call = give_address(start_address_change(phone))
    call.press("0")
    assert call.transferred
    assert requests(app) == []
    with app.app_context():
        row = db.session().scalar(select(Call).where(Call.call_sid == call.call_sid))
        assert row.state["vars"]["street"] == "rue Sherbrooke Ouest"
        assert row.state["vars"]["postal_code"] == "H3B 2Y5"


def test_postal_code_not_understood_twice_reaches_an_agent_with_what_was_collected(app, phone):
    call = start_address_change(phone).say("je ne sais pas")
    assert "je ne reconnais pas ce code postal" in call.heard()
    call.say("euh")
    assert call.transferred
    with app.app_context():
        row = db.session().scalar(select(Call).where(Call.call_sid == call.call_sid))
        assert row.transfer_reason == "not_understood"
        assert row.verified


def test_phone_number_on_file_can_be_updated_after_the_address(app, phone):
    call = give_address(start_address_change(phone)).press("1").press("1")
    assert "nouveau numéro de téléphone" in call.heard()
    call.press("4185550123")
    assert "(418) 555-0123" in call.heard()
    phone_changes = [r for r in requests(app) if r.kind == "phone"]
    assert phone_changes[0].new_value == {"phone": "+14185550123"}
    assert phone_changes[0].old_value == {"phone": "+15145550142"}
    call.press("2")
    assert "faites de 1 à 5" in call.heard()  # the optional end-of-call question (issue 16)
    call.silence()
    assert call.hung_up and "Au revoir" in call.heard()


def test_an_invalid_phone_number_is_refused_and_asked_again(phone):
    call = give_address(start_address_change(phone)).press("1").press("1").press("1234567890")
    assert "Désolé, nous ne pouvons pas enregistrer ce numéro." in call.heard()
    assert "nouveau numéro de téléphone" in call.heard()
