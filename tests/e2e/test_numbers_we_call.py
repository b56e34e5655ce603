"""A number is accepted only if the agency can and should call it (issue 13, item 9): one rule,
ivr/engine/phones.py, by phonenumbers' region and number type, Canadian fixed-line or mobile
numbers by default (flows/global.yaml `phone_numbers`), for callback numbers, the caller ID offered
for a callback and a new phone number on file. Refusals say why and ask again, then a person."""

from __future__ import annotations

import shutil

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType
from sqlalchemy import select

from ivr.store import db
from ivr.config import ROOT
from ivr.store.models.desktop import Callback
from ivr.engine.loader import load_flowset
from ivr.engine.findings import FlowsInvalid
from ivr.engine.phones import CALLABLE_TYPES, Refusal, check_number
from ivr.store.models.calls import ChangeRequest

from tests.support.desktop_fixtures import agents, quick_password_hashing, desk, text  # noqa: F401
from tests.support.journeys import on_hold
from tests.support.journeys import phone_question as _phone_question

JAMAICA = "8765550100"  # the example: (876) shares +1 with Canada


def _e164(number) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _examples(regions, types):
    found = []
    for region in regions:
        for kind in types:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None and phonenumbers.region_code_for_number(example) == region:
                found.append((region, kind, _e164(example)))
    return found


OTHER_NANP = sorted(set(phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1]) - {"CA"})
ALL_TYPES = [t for t in vars(PhoneNumberType).values() if isinstance(t, int)]
NOT_CALLED_TYPES = [t for t in ALL_TYPES if t not in CALLABLE_TYPES]


# -- the rule ------------------------------------------------------------------------------------


def test_the_jamaican_example_is_a_valid_plus_one_number_and_is_refused_for_its_region():
    checked = check_number(JAMAICA)
    assert (checked.number, checked.region, checked.refusal) == (None, "JM", Refusal.REGION)


@pytest.mark.parametrize("typed,region,refusal", [
    ("2423591234", "BS", Refusal.REGION),  # Bahamas mobile
    ("2125550100", "US", Refusal.REGION),  # New York, while only Canada is called
    ("9005550100", "US", Refusal.REGION),  # premium rate: non-geographic +1, never Canadian
    ("8005550100", "US", Refusal.REGION),  # toll-free
    ("5005550100", "US", Refusal.REGION),  # personal
    ("6005550100", "CA", Refusal.KIND),  # Canadian VoIP / non-geographic
    ("6225550100", "CA", Refusal.KIND),  # Canadian personal number range
    ("1234567890", None, Refusal.NOT_A_NUMBER),
    ("514555014", None, Refusal.LENGTH),  # 9 digits: incomplete, said apart from a refused number
    ("51455501４2", None, Refusal.NOT_A_NUMBER),  # a full-width digit is not a keypad digit
])
def test_siblings_of_the_example_are_refused_with_their_reason(typed, region, refusal):
    checked = check_number(typed)
    assert (checked.number, checked.region, checked.refusal) == (None, region, refusal)


@pytest.mark.parametrize("typed", ["8195550111", "18195550111", "+18195550111", "5145550142#"])
def test_canadian_numbers_are_accepted_in_every_way_they_are_typed(typed):
    assert check_number(typed).number in ("+18195550111", "+15145550142")


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(_examples(OTHER_NANP, ALL_TYPES)))
def test_no_number_of_another_plus_one_country_is_accepted(example):
    region, _, e164 = example
    assert check_number(e164).refusal is Refusal.REGION
    assert check_number(e164[2:]).refusal is Refusal.REGION  # typed without +1, as on a keypad


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(_examples(["CA", "US", "FR", "GB"], NOT_CALLED_TYPES)))
def test_a_number_type_a_person_may_not_answer_or_that_costs_is_refused_even_in_a_called_region(example):
    region, kind, e164 = example
    assert check_number(e164, (region,)).refusal is Refusal.KIND


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(_examples(["CA", "US", "FR", "JM"], sorted(CALLABLE_TYPES))))
def test_fixed_and_mobile_numbers_of_a_listed_region_are_accepted(example):
    region, _, e164 = example
    assert check_number(e164, (region,)).number == e164
    assert check_number(e164, ("CA",)).accepted is (region == "CA")


def test_the_regions_called_are_configured_in_global_yaml(tmp_path):
    shutil.copytree(ROOT / "flows", tmp_path / "flows", ignore=shutil.ignore_patterns("tests"))
    path = tmp_path / "flows" / "global.yaml"
    path.write_text(path.read_text().replace("regions: [CA]", "regions: [CA, US]"))
    assert load_flowset(tmp_path / "flows", ROOT / "prompts").settings.phone_regions == ("CA", "US")
    path.write_text(path.read_text().replace("regions: [CA, US]", "regions: [CAN]"))
    with pytest.raises(FlowsInvalid) as refused:
        load_flowset(tmp_path / "flows", ROOT / "prompts")
    [finding] = [f for f in refused.value.findings if f.code == "bad-phone-regions"]
    assert "CAN" in finding.message and finding.path.endswith("global.yaml") and finding.line > 0


# -- what callers hear ---------------------------------------------------------------------------


def test_a_jamaican_new_phone_number_is_refused_with_the_reason_and_asked_again(app, phone):
    call = _phone_question(phone).press(JAMAICA)
    heard = call.heard()
    assert "Désolé, nous ne pouvons pas enregistrer ce numéro. Il faut un téléphone fixe ou cellulaire." in heard
    assert "Pays acceptés : Canada." in heard
    assert "Entrez votre nouveau numéro de téléphone" in heard
    call.press("9005550100")
    assert call.transferred
    with app.app_context():
        assert db.session().scalars(select(ChangeRequest).where(ChangeRequest.kind == "phone")).all() == []


def test_an_english_caller_hears_the_reason_in_english_and_a_canadian_number_is_then_kept(app, phone):
    call = _phone_question(phone, language="2").press("2423591234")
    assert "We need a landline or cell phone. Countries accepted: Canada." in call.heard()
    call.press("8195550111")
    assert "is pending. It takes effect on" in call.heard()


def test_a_jamaican_callback_number_is_refused_with_the_reason_then_the_caller_stays_in_line(app, phone):
    call = on_hold(phone).hold().press("1").press("2").press(JAMAICA + "#")
    heard = call.heard()
    assert "nous ne pouvons pas appeler ce numéro" in heard
    assert "Il faut un téléphone fixe ou cellulaire. Pays acceptés : Canada." in heard
    assert "Entrez le numéro de téléphone de 10 chiffres" in heard  # another try
    call.press("2125550100#")
    assert "Vous êtes toujours en attente d'un agent." in call.heard()
    with app.app_context():
        assert db.session().scalars(select(Callback)).all() == []


def test_a_jamaican_caller_id_is_not_offered_for_a_callback(app, phone):
    call = on_hold(phone, caller="+18765550100").hold().press("1")
    assert "Nous pouvons vous rappeler au" not in call.heard()
    assert "Entrez le numéro de téléphone de 10 chiffres" in call.heard()


# -- what agents see -----------------------------------------------------------------------------


def test_agents_see_the_country_of_the_callers_number_and_of_a_callback_number(app, desk, phone):
    call = phone(caller="+12125550100").press("1").press("1").press("100200300").press("19480517").press("0")
    page = text(desk.get(f"/agent/calls/{call.call_sid}"))
    assert "Pays ou territoire du numéro" in page and "États-Unis" in page
    context = desk.get(f"/agent/api/calls/{call.call_sid}?lang=en").json
    assert context["caller_region"] == {"region": "US", "label": "United States"}
    on_hold(phone).hold().press("1").press("1")
    assert '(514) 555-0142 <span class="region">(Canada)</span>' in text(desk.get("/agent/"))
