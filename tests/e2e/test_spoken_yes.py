"""A caller who says "yes" in English is understood (the keyword is text, not YAML's true)."""

from __future__ import annotations

from tests.support.journeys import give_address, start_address_change


def test_saying_yes_in_english_accepts_the_offer_to_change_the_phone_number(phone):
    call = give_address(start_address_change(phone, "2"))
    call.press("1")
    assert "change your phone number" in call.heard()
    call.say("yes")
    assert "Enter your new phone number, with the area code, then press the pound key." in call.heard()
