"""Find a call or a client (issue 16): by confirmation number, client number, caller number or CallSid.

Every role searches; what is listed follows the claimed-call policy (ivr/desktop/roles.py); a search that
found only calls closed to the agent is refused (403, logged without values); every search writes one
audit row with the kind of key and a keyed hash, never the key; the key travels in a POST body, not a URL.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from ivr.desktop.accounts import add_agent, issue_token
from ivr.logs import scrub
from ivr.privacy import caller_key, keyed
from ivr.store import db
from ivr.store.search import LIMIT
from ivr.services.audit import trail
from ivr.store.models.calls import Call, ChangeRequest, Client
from ivr.store.models.security import AuditEvent
from ivr.config import ROOT
from ivr.telephony.phone import HttpTransport, PhoneCall
from tests.conftest import TOKEN
from tests.support.browser import browser, server  # noqa: F401 - a real server and chromium
from tests.support.desktop_fixtures import agents, csrf_of, quick_password_hashing, sign_in, text  # noqa: F401
from tests.support.journeys import give_address, start_address_change

JEANNE = "100200300"


@pytest.fixture
def team(app, agents):
    """Ana and Ben are agents, Sue a supervisor (who works in English); browsers signed in, and API tokens."""
    people = {}
    with db.session_for(app) as s:
        for name, role, language in (("ana", "agent", "fr"), ("ben", "agent", "fr"), ("sue", "supervisor", "en")):
            agent = add_agent(s, name, f"{name}-password", role=role, language=language)
            people[f"{name}_token"] = issue_token(s, agent)
    for name in ("ana", "ben", "sue"):
        people[name] = sign_in(app.test_client(), name, f"{name}-password")
    return people


def search(browser, kind: str, key: str, lang: str | None = None):
    """Fill in the search form as a browser does (its form token, POST) and send it."""
    form = browser.get("/agent/search" + (f"?lang={lang}" if lang else "")).get_data(as_text=True)
    return browser.post("/agent/search" + (f"?lang={lang}" if lang else ""),
                        data={"csrf": csrf_of(form), "kind": kind, "key": key})


def api_search(app, token: str, kind: str, key: str):
    return app.test_client().post("/agent/api/search", json={"kind": kind, "key": key},
                                  headers={"Authorization": f"Bearer {token}"})


def waiting_call(phone, caller: str = "+15145550142"):
    """Jeanne, verified, presses 0: a call sent to agents, open to every agent until one takes it."""
    return phone(caller).press("1").press("1").press(JEANNE).press("19480517").press("0")


def self_service_call(phone, caller: str = "+15145550142"):
    """Jeanne hears her status and hangs up: a call that never reached an agent (supervisors only)."""
    call = phone(caller).press("1").press("1").press(JEANNE).press("19480517")
    call.hang_up()
    return call


def take(browser, call_sid: str):
    token = csrf_of(browser.get(f"/agent/calls/{call_sid}").get_data(as_text=True))
    return browser.post(f"/agent/calls/{call_sid}/take", data={"csrf": token})


def found_calls(response) -> list[str]:
    return re.findall(r'<tr data-call="([^"]+)"', response.get_data(as_text=True))


def searches(app) -> list[AuditEvent]:
    with db.session_for(app) as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == "desk_search").order_by(AuditEvent.id)))


# -- each kind of key finds the right call or client ------------------------------------------------


@pytest.mark.parametrize("typed", [JEANNE, "100 200 300", "100-200-300"])
def test_a_client_number_finds_the_file_and_its_calls_however_it_is_spaced(team, phone, typed):
    call = waiting_call(phone)
    waiting_call(phone, "+16135550199")  # another caller, same file: found by the file, not by the number
    page = search(team["ana"], "client_number", typed)
    assert page.status_code == 200
    assert "Dossier du client" in text(page) and "Jeanne Tremblay" in text(page)
    assert call.call_sid in found_calls(page) and len(found_calls(page)) == 2
    assert "2 appels trouvés." in text(page)
    assert f'href="/agent/api/clients/{JEANNE}/contacts"' in page.get_data(as_text=True)  # the file the desktop has


def test_another_clients_number_finds_only_that_client(team, phone):
    waiting_call(phone)
    page = search(team["ana"], "client_number", "200300400")
    assert "Robert Smith" in text(page) and "Jeanne" not in text(page) and found_calls(page) == []


@pytest.mark.parametrize("typed", ["(514) 555-0142", "514 555 0142", "1 514 555 0142", "+1 514.555.0142",
                                   "5145550142", "+15145550142"])
def test_a_caller_number_typed_any_way_finds_that_numbers_calls(team, phone, typed):
    mine = waiting_call(phone, "+15145550142")
    other = waiting_call(phone, "+15145550143")
    page = search(team["ana"], "caller", typed)
    assert found_calls(page) == [mine.call_sid] and other.call_sid not in page.get_data(as_text=True)
    assert "1 appel trouvé." in text(page)


def test_a_number_from_abroad_is_found_when_typed_with_its_country_code(team, phone):
    call = waiting_call(phone, "+33123456789")
    assert found_calls(search(team["ana"], "caller", "+33 1 23 45 67 89")) == [call.call_sid]


def test_only_the_most_recent_calls_are_listed_and_the_page_says_so(app, team):
    with db.session_for(app) as s:
        s.add_all([Call(call_sid=f"CA{n:032x}", caller="+14185550123", state={}, status="callback",
                        started_at=datetime(2026, 11, 1, tzinfo=timezone.utc) + timedelta(hours=n))
                   for n in range(LIMIT + 1)])
    page = search(team["ana"], "caller", "418 555-0123")
    assert len(found_calls(page)) == LIMIT and found_calls(page)[0] == f"CA{LIMIT:032x}"  # the oldest is left out
    assert f"Seuls les {LIMIT} appels les plus récents sont affichés." in text(page)
    assert f"{LIMIT} appels trouvés." in text(page)


def test_a_call_sid_finds_that_call(team, phone):
    call, other = waiting_call(phone), waiting_call(phone)
    page = search(team["ana"], "call_sid", f"  {call.call_sid} ")
    assert found_calls(page) == [call.call_sid] and other.call_sid not in page.get_data(as_text=True)


def test_a_confirmation_number_finds_the_file_and_the_call_that_made_the_change(app, team, phone):
    call = give_address(start_address_change(phone)).press("1")
    with db.session_for(app) as s:
        confirmation = s.scalar(select(ChangeRequest.confirmation))
    page = search(team["sue"], "confirmation", f"{confirmation[:4]} {confirmation[4:]}")
    assert "Jeanne Tremblay" in text(page) and found_calls(page) == [call.call_sid]
    assert "1 call found." in text(page)


def test_calls_are_listed_newest_first_with_the_time_in_the_centres_zone_and_the_agents_words(team, phone):
    with freeze_time(datetime(2026, 11, 30, 14, 5, tzinfo=timezone.utc)):
        older = waiting_call(phone)
    with freeze_time(datetime(2026, 11, 30, 21, 42, tzinfo=timezone.utc)):
        newer = phone().press("2").press("1").press(JEANNE).press("19480517").press("0")  # in English
    french, english = search(team["ana"], "client_number", JEANNE), search(team["sue"], "client_number", JEANNE)
    assert found_calls(french) == [newer.call_sid, older.call_sid]
    rows = re.findall(r'<tr data-call="[^"]+">\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>',
                      french.get_data(as_text=True))
    assert [(when, language) for when, language, _ in rows] == [("30 nov. 2026, 16 h 42", "Anglais"),
                                                                 ("30 nov. 2026, 09 h 05", "Français")]
    assert all(status == "En attente" for _, _, status in rows)
    assert "Nov 30, 2026, 4:42\u202fp.m." in text(english) and "English" in text(english)


# -- what is not a key, and what matches nothing ------------------------------------------------------


def test_a_number_that_matches_nothing_says_so_plainly(team):
    page = search(team["ana"], "client_number", "999888777")
    assert page.status_code == 200 and found_calls(page) == []
    assert "Aucun résultat : rien ne correspond à ce numéro." in text(page)


@pytest.mark.parametrize("kind, typed, said", [
    ("client_number", "100200", "Un numéro de client a 9 chiffres."),  # never a partial match
    ("client_number", "1002003001", "Un numéro de client a 9 chiffres."),
    ("confirmation", "1234", "Un numéro de confirmation a 8 chiffres."),
    ("caller", "555-0142", "Ce n'est pas un numéro de téléphone valide."),
    ("call_sid", "CA123", "Un CallSid est CA suivi de 32 lettres et chiffres"),
    ("name", "Jeanne", "Choisissez par quoi chercher."),
])
def test_what_cannot_be_a_key_of_that_kind_is_explained_and_finds_nothing(team, phone, kind, typed, said):
    waiting_call(phone)
    page = search(team["ana"], kind, typed)
    assert page.status_code == 400 and said in text(page) and found_calls(page) == []
    assert 'aria-describedby="search-error search-hint" aria-invalid="true"' in page.get_data(as_text=True)
    assert "Jeanne Tremblay" not in text(page)


# -- rights ---------------------------------------------------------------------------------------------


def test_an_agent_searching_a_call_another_agent_took_is_refused_and_the_refusal_logged(app, team, phone, caplog):
    call = waiting_call(phone)
    assert take(team["ana"], call.call_sid).status_code == 302
    with caplog.at_level(logging.WARNING, logger="ivr.desktop.access"):
        page = search(team["ben"], "call_sid", call.call_sid)
        api = api_search(app, team["ben_token"], "caller", "514 555-0142")
    assert page.status_code == 403 and "Jeanne" not in text(page)
    assert api.status_code == 403 and api.json["error"] == "forbidden" and "Jeanne" not in api.get_data(as_text=True)
    refusals = [r.getMessage() for r in caplog.records if r.name == "ivr.desktop.access"]
    assert len(refusals) == 2
    assert all("reason=search_found_only_calls_closed_to_role" in line and "role=agent" in line for line in refusals)
    assert not any(value in " ".join(refusals) for value in (call.call_sid, "5550142", "555-0142", JEANNE))
    assert [event.outcome for event in searches(app)] == ["refused", "refused"]
    # The agent who took it, and a supervisor, find it.
    assert found_calls(search(team["ana"], "call_sid", call.call_sid)) == [call.call_sid]
    assert found_calls(search(team["sue"], "call_sid", call.call_sid)) == [call.call_sid]


def test_an_agent_sees_the_file_but_not_the_self_service_calls_only_supervisors_open(team, phone):
    call = self_service_call(phone)
    agent_page = search(team["ana"], "client_number", JEANNE)
    assert agent_page.status_code == 200 and "Jeanne Tremblay" in text(agent_page)
    assert found_calls(agent_page) == [] and call.call_sid not in agent_page.get_data(as_text=True)
    assert "1 autre appel n'est pas affiché : votre rôle ne l'ouvre pas" in text(agent_page)
    assert found_calls(search(team["sue"], "client_number", JEANNE)) == [call.call_sid]


def test_signed_out_nobody_searches(app, team):
    anonymous = app.test_client()
    assert anonymous.get("/agent/search").status_code == 302
    assert anonymous.post("/agent/api/search", json={"kind": "client_number", "key": JEANNE}).status_code == 401


# -- audit and privacy --------------------------------------------------------------------------------


def test_a_search_writes_one_audit_row_with_the_kind_of_key_and_never_the_value(app, team, phone):
    call = waiting_call(phone)
    search(team["ana"], "client_number", "100 200 300")
    search(team["ana"], "caller", "(514) 555-0142")
    search(team["ana"], "call_sid", call.call_sid)
    search(team["ana"], "client_number", "12345")
    rows = searches(app)
    assert [(e.detail["key_kind"], e.outcome) for e in rows] == [
        ("client_number", "found"), ("caller", "found"), ("call_sid", "found"), ("client_number", "invalid")]
    assert all(e.actor_kind == "agent" and e.actor.startswith("agent:") for e in rows)
    everything = " ".join(str([e.subject_key, e.caller_key, e.caller, e.call_sid, e.detail, e.old_value, e.new_value])
                          for e in rows)
    for value in (JEANNE, "5145550142", "555-0142", call.call_sid, "12345"):
        assert value not in everything
    with app.app_context():
        assert rows[0].subject_key == keyed("client", JEANNE)  # so the file's audit trail lists the search
        assert rows[1].caller_key == caller_key("+15145550142")
    assert rows[0].client_id is not None and rows[0].detail["shown"] == 1
    with app.app_context(), db.session_for(app) as s:
        jeanne = s.scalar(select(Client).where(Client.client_number == JEANNE))
        assert [e.outcome for e in trail(s, jeanne) if e.action == "desk_search"] == ["found"]  # `ivr audit` shows it


def test_the_key_travels_in_the_form_body_never_in_the_address(team, phone):
    waiting_call(phone)
    form = team["ana"].get("/agent/search").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/agent/search"', form)
    page = search(team["ana"], "caller", "514 555-0142")
    links = re.findall(r'(?:href|action)="([^"]+)"', page.get_data(as_text=True))
    assert not any(value in link for link in links for value in ("5145550142", "555-0142", JEANNE))


def test_a_search_without_the_forms_token_is_refused_and_searches_nothing(app, team):
    response = team["ana"].post("/agent/search", data={"kind": "client_number", "key": JEANNE})
    assert response.status_code == 400 and "Jeanne" not in text(response)
    assert searches(app) == []


def test_why_a_post_the_logs_mask_phone_and_client_numbers_in_a_url_but_not_a_confirmation_or_a_call_sid():
    line = 'GET /agent/search?kind={kind}&key={key} HTTP/1.1" 200'
    assert "5145550142" not in scrub(line.format(kind="caller", key="5145550142"))
    assert JEANNE not in scrub(line.format(kind="client_number", key=JEANNE))
    assert "48213657" in scrub(line.format(kind="confirmation", key="48213657"))
    sid = "CA" + "0123456789abcdef" * 2
    assert sid in scrub(line.format(kind="call_sid", key=sid))


def test_a_client_number_is_put_in_a_link_only_when_it_is_what_the_agent_typed(team, phone):
    waiting_call(phone)
    page = search(team["ana"], "caller", "514 555-0142")
    assert "Jeanne Tremblay" in text(page) and "/agent/api/clients/" not in page.get_data(as_text=True)


# -- both languages, accessible -------------------------------------------------------------------------


def test_the_page_speaks_french_and_english_with_a_label_for_each_field_and_table_headers(team, phone):
    waiting_call(phone)
    french, english = search(team["ana"], "client_number", JEANNE), search(team["sue"], "client_number", JEANNE)
    assert "Trouver un appel ou un client" in text(french) and "Find a call or a client" in text(english)
    assert "1 appel trouvé." in text(french) and "1 call found." in text(english)
    for page in (french, english):
        html = page.get_data(as_text=True)
        assert '<label for="search-kind">' in html and '<label for="search-key">' in html
        assert html.count('<th scope="col">') == 5 and "<caption>" in html
    assert "Français" in text(english) and "Date et heure" in text(french) and "Date and time" in text(english)
    nothing = search(team["sue"], "client_number", "999888777")
    assert "No result: nothing matches this number." in text(nothing)


# -- the JSON API -----------------------------------------------------------------------------------------


def test_the_api_finds_the_same_with_a_token(app, team, phone):
    call = waiting_call(phone)
    answer = api_search(app, team["ana_token"], "client_number", "100 200 300")
    assert answer.status_code == 200
    assert answer.json["client"]["name"] == "Jeanne Tremblay"
    assert answer.json["client"]["contacts_url"] == f"/agent/api/clients/{JEANNE}/contacts"
    assert [c["call_sid"] for c in answer.json["calls"]] == [call.call_sid]
    assert answer.json["calls"][0]["url"] == f"/agent/calls/{call.call_sid}" and answer.json["withheld"] == 0
    bad = api_search(app, team["ana_token"], "client_number", "1002")
    assert bad.status_code == 400 and bad.json["error"] == "invalid_key" and "9 digits" in bad.json["message"]
    assert [e.outcome for e in searches(app)] == ["found", "invalid"]


# -- in a browser ------------------------------------------------------------------------------------------


def test_in_a_browser_an_agent_types_a_client_number_and_sees_the_file_and_the_call(server, browser):
    app, base = server
    from playwright.sync_api import expect

    call = PhoneCall(HttpTransport(base), TOKEN).dial()
    call.press("1").press("1").press(JEANNE).press("19480517").press("0")
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-CA")
    page.set_default_timeout(15000)  # generous on a busy CI machine
    page.goto(f"{base}/agent/search")
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.get_by_label("Chercher par").select_option(label="Numéro de client")
    page.get_by_label("Numéro", exact=True).fill("100 200 300")
    page.get_by_label("Numéro", exact=True).press("Enter")
    expect(page.locator("p.client-file")).to_contain_text("Jeanne Tremblay")
    row = page.get_by_role("table").locator(f"tr[data-call='{call.call_sid}']")
    expect(row).to_contain_text("Français")
    expect(page.get_by_role("status").first).to_contain_text("1 appel trouvé.")
    assert page.url == f"{base}/agent/search"  # the number is in no address
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "test-artifacts" / "search.png"), full_page=True)
    row.get_by_role("link").click()
    page.wait_for_selector("h1:has-text('Jeanne Tremblay')")
