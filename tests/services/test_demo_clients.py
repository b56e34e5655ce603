"""The demo clients the README lists are the ones `ivr seed --demo` loads, and no prompt gives their facts away.

The README's table (client number, birth date, postal code, phone, language, what each shows) is
checked against ivr.services.demo, so it cannot drift. The examples prompts give callers ("for
example, 1952 08 24") must not be a demo client's own birth date, postal code, phone or number: a
tester who types the example would verify as that client.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from babel.dates import format_date
from sqlalchemy import select

from ivr.app import create_app
from ivr.config import ROOT
from ivr.desktop import accounts
from ivr.desktop.context import caller_display
from ivr.engine.languages import BUILT_IN
from ivr.engine.prompts import load_prompts
from ivr.services.demo import (DEMO_CLIENTS, FICTIONAL_NAMES, FICTIONAL_PREFIX, FICTIONAL_STREETS, fictional_client,
                               seed_demo, seed_fictional)
from ivr.store import db
from ivr.store.models.calls import Application, Client
from ivr.store.models.desktop import Agent, AgentToken

LANGUAGES, LOCALES = BUILT_IN.codes, {language.code: language.locale for language in BUILT_IN}

STATUS_WORDS = {"approved": "**approved**", "in_review": "**in review**", "refused": "**refused**",
                None: "**no application**"}
LANGUAGE_NAMES = {"fr": "French", "en": "English"}


def readme_rows() -> dict[str, list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Demo clients\n", 1)[1].split("\n## ", 1)[0]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in section.splitlines()
            if re.match(r"\| \d{9} \|", line)]
    return {row[0]: row for row in rows}


def test_the_readme_lists_every_demo_client_with_the_facts_that_verify_them():
    rows = readme_rows()
    assert set(rows) == {entry["client"]["client_number"] for entry in DEMO_CLIENTS}
    for entry in DEMO_CLIENTS:
        client, application = entry["client"], entry["application"]
        number, born, postal, phone, language, shows = rows[client["client_number"]]
        assert born == f"{client['birth_date'].isoformat()} (`{client['birth_date']:%Y%m%d}`)"
        assert postal == client["postal_code"]
        assert phone == (caller_display(client["phone"]) if client["phone"] else "—")
        assert language == LANGUAGE_NAMES[client["language"]]
        assert shows.startswith(client["name"] + ":")
        assert STATUS_WORDS[application["status"] if application else None] in shows


def demo_facts() -> dict[str, str]:
    """Every demo value a caller types or says, compacted to letters and digits, with where it comes from."""
    facts = {}
    for entry in DEMO_CLIENTS:
        client = entry["client"]
        facts[client["client_number"]] = f"client number of {client['name']}"
        facts[f"{client['birth_date']:%Y%m%d}"] = f"birth date of {client['name']}"
        facts[client["postal_code"].replace(" ", "").upper()] = f"postal code of {client['name']}"
        if client["phone"]:
            facts[client["phone"][-10:]] = f"phone of {client['name']}"
    return facts


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_prompt_example_is_a_demo_clients_own_value(language):
    prompts, _ = load_prompts(ROOT / "prompts")
    facts = demo_facts()
    spoken_dates = {format_date(entry["client"]["birth_date"], "long", locale=LOCALES[language]).lower(): entry
                    for entry in DEMO_CLIENTS}
    found = []
    for key in sorted(prompts.keys(language)):
        text = prompts.get(key, language).text or ""
        compact = re.sub(r"[\W_]", "", text).upper()
        found += [f"{key}: {where}" for value, where in facts.items() if value in compact]
        found += [f"{key}: the spoken birth date {date}" for date in spoken_dates if date in text.lower()]
    assert found == []
    assert "1952 08 24" in prompts.get("identify.birth_date", language).text  # the example, on no demo file


FICTIONAL_PHONE = re.compile(r"^\+1\d{3}55501\d\d$")


def test_the_fictional_register_is_plainly_invented_and_apart_from_the_demo_clients():
    register = [fictional_client(index)["client"] for index in (1, 2, 3, 10, 999, 999_999)]
    demo = {entry["client"]["client_number"] for entry in DEMO_CLIENTS}
    for client in register:
        assert client["client_number"].startswith(FICTIONAL_PREFIX) and len(client["client_number"]) == 9
        assert client["client_number"] not in demo
        assert client["name"] in FICTIONAL_NAMES
        assert client["phone"] is None or FICTIONAL_PHONE.match(client["phone"])
        assert (client["birth_date"].month, client["birth_date"].day) == (1, 1)
        assert client["postal_code"].startswith("X0X ")
        assert client["street"] in {street for street, *_ in FICTIONAL_STREETS}
    assert fictional_client(10) == fictional_client(10) != fictional_client(11)
    with pytest.raises(ValueError, match="1 to 999999"):
        fictional_client(1_000_000)


def test_seeding_the_register_adds_only_the_missing_clients_and_keeps_a_changed_one(app):
    with db.session_for(app) as session:
        assert seed_fictional(session, 5) == 5
        moved = session.scalar(select(Client).where(Client.client_number == "000000002"))
        moved.postal_code = "H3B 2Y5"
    with db.session_for(app) as session:
        assert seed_fictional(session, 8) == 3
        numbers = set(session.scalars(select(Client.client_number).where(Client.client_number.startswith("000"))))
        assert numbers == {fictional_client(index)["client"]["client_number"] for index in range(1, 9)}
        assert session.scalar(select(Client.postal_code).where(Client.client_number == "000000002")) == "H3B 2Y5"


def test_two_demo_seedings_at_once_add_each_client_and_the_demo_agent_once_and_count_truly(database_url,
                                                                                           monkeypatch):
    """`ivr seed --demo` twice at once (or `ivr serve --demo` beside `ivr call --in-process`) on an empty
    database: the second waits for the first instead of failing on a client number both found missing."""
    monkeypatch.setattr(accounts, "HASH_METHOD", "pbkdf2:sha256:1000")
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "TWILIO_AUTH_TOKEN": "t", "SECRET_KEY": "s"})

    def seed_beside() -> int:
        with db.session_for(app, writes=True) as session:
            added = seed_demo(session)
            accounts.ensure_demo_agent(session)
            return added

    with ThreadPoolExecutor(1) as other, db.session_for(app, writes=True) as first:
        added_first = seed_demo(first)
        accounts.ensure_demo_agent(first)
        second = other.submit(seed_beside)
        time.sleep(0.5)  # it now waits on the first one's rows (PostgreSQL) or write lock (SQLite)
    assert (added_first, second.result(timeout=30)) == (len(DEMO_CLIENTS), 0)
    with db.session_for(app) as session:
        numbers = list(session.scalars(select(Client.client_number)))
        assert sorted(numbers) == sorted(entry["client"]["client_number"] for entry in DEMO_CLIENTS)
        assert len(session.scalars(select(Application)).all()) == sum(1 for e in DEMO_CLIENTS if e["application"])
        assert [agent.username for agent in session.scalars(select(Agent))] == [accounts.DEMO_USERNAME]
        assert len(session.scalars(select(AgentToken)).all()) == 1
    app.extensions["ivr.db.engine"].dispose()
