"""Only a verified caller hears anything personal; three misses lead to a person."""

from __future__ import annotations

from sqlalchemy import select

from ivr.store import db
from ivr.store.models.calls import Call


def test_wrong_birth_date_three_times_reaches_an_agent_without_personal_data(app, phone):
    call = phone().press("1").press("1")
    for attempt in range(3):
        call.press("100200300").press("19480518")
        if attempt < 2:
            assert "ne correspondent pas" in call.heard()
            assert "numéro de client" in call.heard()
    assert "Nous n'avons pas pu confirmer votre identité" in call.heard()
    assert call.transferred and call.queue == "agents-fr"
    everything = call.heard_all()
    assert "Tremblay" not in everything and "1 234,56" not in everything
    with app.app_context():
        row = db.session().scalar(select(Call).where(Call.call_sid == call.call_sid))
        assert row.verified is False
        assert row.transfer_reason == "status/identify:failed"
        assert "birth_date" not in row.state["vars"]


def test_a_mismatch_never_says_which_detail_was_wrong(phone):
    wrong_number = phone().press("2").press("1").press("999999999").press("19480517").heard()
    wrong_birth = phone().press("2").press("1").press("100200300").press("19000101").heard()
    assert wrong_number == wrong_birth
    assert "does not match your file" in wrong_number


def test_an_impossible_birth_date_is_asked_again_with_help(phone):
    call = phone().press("2").press("1").press("100200300").press("19481317")
    assert "Sorry, I didn't get that" in call.heard()
    assert "date of birth" in call.heard()


def test_a_client_number_of_the_wrong_length_is_asked_again(phone):
    call = phone().press("1").press("1").press("12345")
    assert "Désolé, je n'ai pas compris" in call.heard()
    assert "numéro de client de 9 chiffres" in call.heard()


def test_a_verified_caller_is_recorded_on_the_call_for_the_agent(app, phone):
    call = phone().press("1").press("1").press("100200300").press("19480517")
    with app.app_context():
        row = db.session().scalar(select(Call).where(Call.call_sid == call.call_sid))
        assert row.verified and row.verified_by == "client_number+birth_date"
        assert row.client.name == "Jeanne Tremblay"
