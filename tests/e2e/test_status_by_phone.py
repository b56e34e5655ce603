"""A caller checks the status of their application, in French or in English."""

from __future__ import annotations


def verify(call, client_number: str, birth_date: str):
    return call.press(client_number).press(birth_date)


def test_french_caller_hears_approved_pension_with_amount_and_date(phone):
    call = phone().press("1")
    assert "Pour l'état de votre demande, faites le 1" in call.heard()
    verify(call.press("1"), "100200300", "19480517")
    heard = call.heard()
    assert "pension de retraite est approuvée" in heard
    assert "1 234,56 $" in heard
    assert "22 décembre 2026" in heard


def test_english_caller_hears_approved_pension_with_amount_and_date(phone):
    call = phone().press("2").press("1")
    verify(call, "100200300", "19480517")
    heard = call.heard()
    assert "retirement pension application is approved" in heard
    assert "$1,234.56" in heard
    assert "December 22, 2026" in heard


def test_application_in_review_says_what_is_missing_and_when_a_decision_is_expected(phone):
    call = verify(phone().press("2").press("1"), "200300400", "19611102")
    heard = call.heard()
    assert "We received your disability benefit application on October 5, 2026. It is being reviewed" in heard
    assert "waiting for a medical report" in heard
    assert "We expect a decision by January 15, 2027" in heard


def test_refused_application_explains_reconsideration_and_offers_an_agent(phone):
    call = verify(phone().press("1").press("1"), "300400500", "19750228")
    heard = call.heard()
    assert "prestation de survivant a été refusée le 30 septembre 2026" in heard
    assert "90 jours" in heard
    assert "Pour qu'un agent vous explique la décision" in heard
    call.press("0")
    assert call.transferred and call.queue == "agents-fr"


def test_status_can_be_repeated_then_caller_returns_to_main_menu(phone):
    call = verify(phone().press("1").press("1"), "100200300", "19480517")
    first = call.heard()
    call.press("1")
    assert call.heard() == first
    call.press("2")
    assert "Pour changer votre adresse, faites le 2" in call.heard()
