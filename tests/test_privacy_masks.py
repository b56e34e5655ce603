"""How personal values look wherever they must be shown without being given away."""

from __future__ import annotations

import pytest

from ivr.privacy import caller_key, keyed, mask_address, mask_client_number, mask_phone, mask_postal, mask_value


@pytest.mark.parametrize("given, shown", [
    ("100200300", "•••-•••-300"), ("100-200-300", "•••-•••-300"), ("12", "•••"), (None, "•••"),
])
def test_a_client_number_shows_only_its_last_three_digits(given, shown):
    assert mask_client_number(given) == shown


@pytest.mark.parametrize("given, shown", [
    ("+15145550142", "+1 514-•••-••42"), ("514 555-0142", "+1 514-•••-••42"), ("+33142685300", "+33 •••••••00"),
    ("not a number", "•••"), (None, ""),
])
def test_a_phone_shows_its_area_code_and_last_two_digits(given, shown):
    assert mask_phone(given) == shown


def test_an_address_keeps_city_province_and_area_but_not_where_to_knock(monkeypatch):
    monkeypatch.setenv("IVR_SECRET_KEY", "a secret")
    masked = mask_address({"civic_number": "1234", "street": "rue Saint-Denis", "apartment": "5",
                           "city": "Montréal", "province": "QC", "postal_code": "H2X 3K8"})
    assert {k: v for k, v in masked.items() if k != "fingerprint"} == {
        "civic_number": "1•••", "street": "r•• S••••-D••••", "apartment": "•", "city": "Montréal",
        "province": "QC", "postal_code": "H2X •••"}
    assert mask_postal("h2x3k8") == "H2X •••"


def test_the_same_value_has_the_same_fingerprint_so_an_auditor_can_check_it(app):
    with app.app_context():
        phone = mask_value("phone", {"phone": "+15145550142"})
        assert phone["phone"] == "+1 514-•••-••42"
        assert phone["fingerprint"] == mask_value("phone", {"phone": "+15145550142"})["fingerprint"]
        assert phone["fingerprint"] != mask_value("phone", {"phone": "+15145550143"})["fingerprint"]


def test_keyed_hashes_depend_on_the_secret_and_ignore_spacing(app, monkeypatch):
    with app.app_context():
        first = keyed("client", "100 200 300")
        assert first == keyed("client", "100200300") and "100200300" not in first
        assert caller_key("anonymous") == caller_key("") == caller_key("+266696687")
        assert caller_key("+15145550142") == caller_key("514-555-0142")
    monkeypatch.setenv("IVR_SECRET_KEY", "another secret")
    assert keyed("client", "100200300") != first
