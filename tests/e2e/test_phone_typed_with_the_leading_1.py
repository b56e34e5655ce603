"""A North American number is typed with its leading 1 (1-819-555-0123) as often as without it.

Twilio's <Gather numDigits="10"> cut "18195550123" into Digits=1819555012, and the leftover 3 reached the
next question: the caller was told the number was not a Canadian landline or cell phone, then sent to
an agent. Now a phone question has no fixed length: it ends with # or the time-out (Twilio's Gather
reference: finishOnKey, timeout), its prompt says "then press the pound key" (lint end-key-not-said), and
its length is phonenumbers' rule for the line's regions (ivr/engine/phones.py): 10 digits, or 11
starting with 1. A number with too few or too many digits gets its own sentence, not the refusal
of its region or type. The same holds for the callback number typed on hold.

The phone's `type()` sends keys as Twilio's <Gather> cuts them, so a fixed length would show here.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ivr.store import db
from ivr.store.models.desktop import Callback
from ivr.engine.phones import Refusal, check_number
from ivr.store.models.calls import ChangeRequest

from tests.support.lint_project import Project, only
from tests.support.journeys import on_hold
from tests.support.journeys import phone_question as _phone_question

INCOMPLETE_FR = "Ce numéro est incomplet ou trop long."
INCOMPLETE_EN = "That number is incomplete or too long."
REFUSED_FR = "Il faut un téléphone fixe ou cellulaire."
REFUSED_EN = "We need a landline or cell phone."


def _stored_phones(app) -> list[str]:
    with app.app_context():
        rows = db.session().scalars(select(ChangeRequest).where(ChangeRequest.kind == "phone")).all()
        return [row.new_value["phone"] for row in rows]


# -- the rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["8195550123", "18195550123", "8195550123#", "18195550123#"])
def test_ten_digits_or_eleven_starting_with_1_are_the_same_number(typed):
    assert check_number(typed).number == "+18195550123"


@pytest.mark.parametrize("typed", ["819555012", "5550123", "28195550123", "3", "12", "181955501234"])
def test_too_few_or_too_many_digits_is_a_length_refusal_not_a_region_or_type(typed):
    assert check_number(typed).refusal is Refusal.LENGTH


def test_the_new_phone_question_ends_with_pound_or_the_time_out_not_at_a_fixed_digit(phone):
    call = _phone_question(phone)
    assert "numDigits" not in call.last.gather
    assert call.last.gather["finishOnKey"] == "#"
    assert "puis faites le carré" in call.heard()


# -- what callers hear and what is stored: the new phone number ----------------------------------


@pytest.mark.parametrize("typed", ["18195550123#", "18195550123", "8195550123#", "8195550123"])
def test_a_new_phone_typed_with_or_without_the_1_and_the_pound_is_kept(app, phone, typed):
    call = _phone_question(phone).type(typed)
    heard = call.heard()
    assert "votre numéro sera le (819) 555-0123 à partir du" in heard
    assert REFUSED_FR not in heard and INCOMPLETE_FR not in heard
    assert _stored_phones(app) == ["+18195550123"]


def test_nine_digits_are_called_incomplete_and_no_retry_is_lost_to_a_leftover_key(app, phone):
    call = _phone_question(phone, language="2").type("819555012#")
    heard = call.heard()
    assert INCOMPLETE_EN in heard and REFUSED_EN not in heard
    assert "Enter your new phone number, with the area code, then press the pound key." in heard
    call.type("18195550123#")
    assert "Your new phone number, (819) 555-0123, is pending" in call.heard()
    assert _stored_phones(app) == ["+18195550123"]


def test_eleven_digits_not_starting_with_1_are_too_long_not_refused_for_their_region(app, phone):
    call = _phone_question(phone).type("28195550123#")
    assert INCOMPLETE_FR in call.heard() and REFUSED_FR not in call.heard()
    assert not call.transferred
    assert _stored_phones(app) == []


def test_a_jamaican_number_typed_with_the_1_is_still_refused_for_its_region(app, phone):
    call = _phone_question(phone, language="2").type("18765550100#")
    assert REFUSED_EN in call.heard() and INCOMPLETE_EN not in call.heard()
    assert _stored_phones(app) == []


# -- the callback number typed on hold -----------------------------------------------------------


def _callback_question(phone):
    return on_hold(phone).hold().press("1").press("2")


@pytest.mark.parametrize("typed", ["18195550123#", "8195550123#", "18195550123"])
def test_a_callback_number_typed_with_or_without_the_1_is_kept(app, phone, typed):
    call = _callback_question(phone)
    assert "numDigits" not in call.last.gather and call.last.gather["finishOnKey"] == "#"
    call.type(typed)
    assert "un agent vous rappellera" in call.heard().lower()
    assert "(819) 555-0123" in call.heard()
    with app.app_context():
        assert [c.number for c in db.session().scalars(select(Callback))] == ["+18195550123"]


@pytest.mark.parametrize("typed", ["819555012#", "28195550123#"])
def test_a_callback_number_with_too_few_or_too_many_digits_is_called_incomplete(app, phone, typed):
    call = _callback_question(phone).type(typed)
    heard = call.heard()
    assert INCOMPLETE_FR in heard
    assert "Nous rappelons seulement un téléphone fixe ou cellulaire" not in heard
    assert "Entrez le numéro de téléphone de 10 chiffres" in heard  # another try
    with app.app_context():
        assert db.session().scalars(select(Callback)).all() == []


# -- the rule for content staff -----------------------------------------------------------------


def test_a_phone_question_with_a_fixed_length_is_a_lint_error(tmp_path):
    project = Project(tmp_path)
    flow = """\
        flow: main
        steps:
          phone:
            ask: main.menu
            expect: phone
            length: 10
            into: new_phone
            next: goodbye
          goodbye:
            hangup: main.goodbye
        """
    project.write("flows/main.yaml", flow)
    found = only(project.lint(), "phone-length")
    assert "leading 1" in found.message
    assert found.hint.startswith("remove length:")


@pytest.mark.parametrize("said, language, heard", [
    ("mon numéro est le 819 555 012", "1", INCOMPLETE_FR),
    ("my number is 555 0123", "2", INCOMPLETE_EN),
])
def test_a_number_said_with_too_few_digits_is_called_incomplete_too(phone, said, language, heard):
    call = _phone_question(phone, language=language).say(said)
    assert heard in call.heard()


def test_a_number_said_with_the_1_is_kept(app, phone):
    call = _phone_question(phone, language="2").say("my new number is 1 819 555 0123")
    assert "Your new phone number, (819) 555-0123, is pending" in call.heard()
    assert _stored_phones(app) == ["+18195550123"]
