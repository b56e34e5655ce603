"""A caller with no apartment can say so: "aucun", "pas d'appartement", "none", "no apartment".

The apartment question is optional: pressing only # leaves it empty, and its prompt now also says
"or say none" / « ou dites « aucun » ». The words are common.none_words (prompts/<lang>/common.yaml,
glossary concept no_apartment), listened for at every optional question and only there.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ivr.store import db
from ivr.store.models.calls import ChangeRequest


def _apartment_question(phone, language="1"):
    """Jeanne, verified with the step-up, gives her new address up to the apartment question."""
    call = phone().press(language).press("2").press("100200300").press("19480517").say("H2X 3K8")
    return call.say("H3B 2Y5").press("500").say("rue Sherbrooke Ouest").say("Montréal")


def _stored_address(app) -> dict:
    with app.app_context():
        rows = db.session().scalars(select(ChangeRequest).where(ChangeRequest.kind == "address")).all()
        assert len(rows) == 1
        return rows[0].new_value


@pytest.mark.parametrize("said", ["aucun", "Aucune.", "pas d'appartement", "Il n'y en a pas", "euh, aucun"])
def test_a_french_caller_who_says_there_is_no_apartment_hears_a_house_address_and_it_is_stored(app, phone, said):
    call = _apartment_question(phone)
    assert "S'il n'y en a pas, faites seulement le carré ou dites « aucun »." in call.heard()
    call.say(said)
    heard = call.heard()
    assert "Votre nouvelle adresse : 500, rue Sherbrooke Ouest, Montréal" in heard
    assert "appartement" not in heard.split("Montréal")[0] and "Désolé" not in heard
    call.press("1")
    assert not _stored_address(app).get("apartment")


@pytest.mark.parametrize("said", ["none", "No apartment.", "there is none", "um, none"])
def test_an_english_caller_who_says_there_is_no_apartment_hears_a_house_address(app, phone, said):
    call = _apartment_question(phone, language="2")
    assert "If you don't have one, just press the pound key or say none." in call.heard()
    call.say(said)
    heard = call.heard()
    assert "500 rue Sherbrooke Ouest, Montréal" in heard
    assert "apartment" not in heard and "Sorry" not in heard
    call.press("1")
    assert not _stored_address(app).get("apartment")


def test_pound_alone_still_means_no_apartment(app, phone):
    call = _apartment_question(phone).press("#")
    assert "Votre nouvelle adresse : 500, rue Sherbrooke Ouest, Montréal" in call.heard()


def test_an_apartment_number_said_is_still_kept(app, phone):
    call = _apartment_question(phone).say("12")
    assert "500, rue Sherbrooke Ouest, appartement 12, Montréal" in call.heard()
    call.press("1")
    assert _stored_address(app)["apartment"] == "12"


def test_none_is_not_an_answer_to_a_question_that_needs_one(phone):
    call = phone().press("1").press("2").press("100200300").press("19480517").say("H2X 3K8")
    call.say("H3B 2Y5").say("aucun")  # the civic number is not optional
    assert "Désolé" in call.heard()
    assert "Entrez votre numéro civique" in call.heard()
