"""An agent sees at a glance whether the caller is verified: a file the caller only named is a claim,
under a warning, never the page's headline; a suspension is the reason it is. Every state, on the
call page, in the queue and in the JSON API, in both of the agents' languages."""

from __future__ import annotations

import re

import pytest

from tests.support.desktop_fixtures import agents, csrf_of, desk, quick_password_hashing, text  # noqa: F401
from tests.support.desktop_fixtures import context

JEANNE, BORN, WRONG = "100200300", "19480517", ("19480518", "19480519", "19480510")


def headline(page: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", page.split('class="card identity"', 1)[1], re.S)
    assert match, "the identity card has no headline"
    return match.group(1).strip()


def waiting(client, call_sid: str, lang: str) -> dict:
    rows = client.get(f"/agent/api/queue?lang={lang}", headers={"Authorization": "Bearer demo-token"}).json["waiting"]
    return next(row for row in rows if row["call_sid"] == call_sid)


def verified(phone):
    return phone().press("1").press("1").press(JEANNE).press(BORN).press("0")


def claimed_only(phone):
    return phone().press("1").press("1").press(JEANNE).press("0")  # 0 at the birth date: never checked


def failed_once(phone):
    return phone().press("1").press("1").press(JEANNE).press(WRONG[0]).press("0")


def suspended_after_three_failures(phone):
    call = phone().press("1").press("1")
    for birth in WRONG:
        call.press(JEANNE).press(birth)
    return call


def no_claim(phone):
    return phone().press("1").press("0")


def test_a_verified_caller_is_the_headline_with_no_claim(client, agents, phone):
    call = verified(phone)
    data = context(client, call.call_sid)
    assert data["verification_state"] == "verified" and data["verified"] is True
    assert data["client_name"] == "Jeanne Tremblay" and data["client_number"] == JEANNE
    assert data["claimed"] is None and data["headline"] == "Jeanne Tremblay"
    row = waiting(client, call.call_sid, "en")
    assert row["client_name"] == "Jeanne Tremblay" and row["claimed"] is None


@pytest.mark.parametrize("lang, headline_text, claim, warning", [
    ("en", "Caller not verified", "Says they are Jeanne Tremblay (client number 100200300)",
     "Identity not verified: check the person's identity before confirming or giving anything from the file."),
    ("fr", "Appelant non vérifié", "Dit être Jeanne Tremblay (numéro de client 100200300)",
     "Identité non vérifiée : vérifiez l'identité de la personne avant de confirmer ou de donner quoi que ce soit "
     "du dossier."),
])
def test_a_client_number_given_but_never_checked_is_a_claim_in_the_api(client, agents, phone, lang, headline_text,
                                                                        claim, warning):
    call = claimed_only(phone)
    for data in (context(client, call.call_sid, lang), waiting(client, call.call_sid, lang)):
        assert data["verification_state"] == "claimed" and data["verified"] is False
        assert data["client_name"] is None and data["client_number"] is None  # the verified identity: none
        assert data["claimed"] == {"client_number": JEANNE, "client_name": "Jeanne Tremblay", "claim": claim,
                                   "warning": warning}
        assert data["headline"] == headline_text


def test_the_call_page_never_headlines_a_claimed_file(desk, phone):
    call = claimed_only(phone)
    page = text(desk.get(f"/agent/calls/{call.call_sid}"))
    assert headline(page) == "Appelant non vérifié"
    assert "Jeanne Tremblay" not in headline(page)
    assert "Identité non vérifiée : vérifiez l'identité de la personne" in page
    assert "Dit être Jeanne Tremblay (numéro de client 100200300)" in page
    assert "Non vérifié" in page


def test_a_failed_verification_is_the_headline_and_the_file_a_claim(client, desk, phone):
    call = failed_once(phone)
    data = context(client, call.call_sid)
    assert data["verification_state"] == "failed"
    assert data["headline"] == "Caller not verified: verification failed"
    assert data["verification"] == "Not verified: the details did not match (1 attempt)"
    assert data["claimed"]["client_name"] == "Jeanne Tremblay" and data["client_name"] is None
    page = text(desk.get(f"/agent/calls/{call.call_sid}"))
    assert headline(page) == "Appelant non vérifié : la vérification a échoué"
    assert "Dit être Jeanne Tremblay" in page


def test_a_client_number_on_no_file_is_a_claim_without_a_name(client, agents, phone):
    call = phone().press("2").press("1").press("999888777").press(BORN).press("0")
    data = context(client, call.call_sid)
    assert data["verification_state"] == "failed"
    assert data["claimed"]["client_name"] is None
    assert data["claimed"]["claim"] == "Gave client number 999888777, which is on no file"


@pytest.mark.parametrize("lang, reason, verification, headline_text, whisper", [
    ("en", "Self-service verification suspended while checking the status of an application",
     "Not verified: self-service verification suspended after 3 failed attempts",
     "Caller not verified: verification suspended", "Client not verified, verification suspended"),
    ("fr", "Vérification libre-service suspendue en vérifiant l'état d'une demande",
     "Non vérifié : vérification libre-service suspendue après 3 essais ratés",
     "Appelant non vérifié : vérification suspendue", "Client non vérifié, vérification suspendue"),
])
def test_three_failures_that_suspend_verification_give_the_suspension_as_the_reason(
        client, agents, phone, lang, reason, verification, headline_text, whisper):
    call = suspended_after_three_failures(phone)
    assert call.transferred
    for data in (context(client, call.call_sid, lang), waiting(client, call.call_sid, lang)):
        assert data["verification_state"] == "suspended"
        assert data["reason"] == reason
        assert data["headline"] == headline_text
        assert data["whisper"].startswith(whisper)
        assert data["claimed"]["client_name"] == "Jeanne Tremblay" and data["client_name"] is None
    assert context(client, call.call_sid, lang)["verification"] == verification
    assert "menu" not in context(client, call.call_sid, lang)["reason"]


def test_a_call_refused_because_the_file_is_already_suspended_says_so(client, desk, phone):
    suspended_after_three_failures(phone)
    call = phone(caller="+15145550143").press("1").press("1").press(JEANNE).press(BORN)
    assert call.transferred
    data = context(client, call.call_sid)
    assert data["verification_state"] == "suspended"
    assert data["verification"] == "Not verified: self-service verification suspended (too many failed attempts)"
    assert data["reason"].startswith("Self-service verification suspended")
    page = text(desk.get(f"/agent/calls/{call.call_sid}"))
    assert headline(page) == "Appelant non vérifié : vérification suspendue"
    assert "Dit être Jeanne Tremblay" in page


@pytest.mark.parametrize("lang, shown", [("en", "Not identified"), ("fr", "Non identifié")])
def test_a_caller_who_gave_nothing_is_not_identified_with_no_claim(client, agents, phone, lang, shown):
    call = no_claim(phone)
    data = context(client, call.call_sid, lang)
    assert data["verification_state"] == "none" and data["claimed"] is None
    assert data["headline"] == shown and data["client_name"] is None


def test_the_queue_shows_a_claim_as_not_verified_and_a_verified_client_by_name(desk, phone):
    suspended_after_three_failures(phone)
    phone(caller="+15145550143").press("1").press("1").press("300400500").press("19750228").press("0")
    page = text(desk.get("/agent/live/waiting"))
    rows = re.findall(r'<tr class="caller".*?</tr>', page, re.S)
    assert len(rows) == 2
    suspended_row = next(row for row in rows if "suspendue" in row)
    identity_cell = re.search(r'<td class="identity">(.*?)</td>', suspended_row, re.S).group(1)
    assert identity_cell.startswith('<span class="warn">Appelant non vérifié : vérification suspendue</span>')
    assert "Dit être Jeanne Tremblay" in identity_cell
    assert "Envoyé à un agent par le menu" not in page
    verified_row = next(row for row in rows if row is not suspended_row)
    assert "Amélie Nguyen ✔" in verified_row


def test_a_callback_asked_after_a_failed_verification_lists_the_file_as_a_claim(client, desk, phone):
    call = failed_once(phone).hold().press("1").press("1")  # on hold: call me back, on this number
    assert call.ended
    api = client.get("/agent/api/queue?lang=en", headers={"Authorization": "Bearer demo-token"}).json
    row = next(cb for cb in api["callbacks"] if cb["call_sid"] == call.call_sid)
    assert row["client_name"] is None and row["verification_state"] == "failed"
    assert row["claimed"]["client_name"] == "Jeanne Tremblay"
    page = text(desk.get("/agent/live/waiting"))
    cell = re.search(r'<tr class="callback".*?<td class="identity">(.*?)</td>', page, re.S).group(1)
    assert cell.startswith('<span class="warn">Appelant non vérifié : la vérification a échoué</span>')
    assert "Dit être Jeanne Tremblay" in cell


def test_a_step_up_failure_that_suspends_verification_gives_the_suspension_as_the_reason(client, agents, phone):
    call = phone().press("1").press("2").press(JEANNE).press(WRONG[0]).press(JEANNE).press(BORN)
    call.say("H 2 T 1 S 6").say("H 2 T 1 S 6")  # not the postal code on file: the third failure today
    assert call.transferred
    data = context(client, call.call_sid)
    assert data["verification_state"] == "verified" and data["client_name"] == "Jeanne Tremblay"
    assert data["reason"].startswith("Self-service verification suspended"), data["reason"]
