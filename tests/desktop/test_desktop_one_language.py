"""Every desktop page speaks the agent's language, and only that one.

A supervisor (the demo admin, who sees every page) walks the whole desktop in French, then in English:
the queue with a waiting caller and a callback, the call context of a rich call (verified, an address
half given, silence, a key not understood, earlier contacts, a pending change), the contact closed with
a note, a suspended caller with the button that lifts the suspension, the callbacks, the Flows page and each flow's page, pending changes, reports and accounts.
What an agent reads on each (text, and the alt, title, placeholder and aria-label attributes) must hold
none of the other language's telltale words, taken from the desktop's two word files.

Some words on a page are rightly in another language, and the page says so: what a French caller
heard, inside an English page, carries lang="fr" (screen readers need it too); the switch to the other
language carries its own lang. Identifiers (flow and step names) are <code>, and machine text
(Mermaid) is <pre>: neither is a language, and a name a page shows as code is a name wherever it
appears on that page (in its title, in an alt text).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from ivr.store import db
from ivr.desktop.words import _catalog
from ivr.store.models.calls import Client, Contact
from ivr.services.demo import DEMO_CLIENTS

from tests.support.desktop_fixtures import agents, csrf_of, quick_password_hashing, sign_in  # noqa: F401
from tests.support.security_helpers import change_address
from tests.support.journeys import fail_once

WORD = re.compile(r"[^\W\d_]+")
NOT_A_LANGUAGE = {"code", "pre", "script", "style"}
ATTRIBUTES_READ = ("alt", "title", "placeholder", "aria-label")


def _strings(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, str):
        yield re.sub(r"\{[^}]*\}|`[^`]*`", " ", node)


def _words_of(texts) -> set[str]:
    return {word for text in texts for word in WORD.findall(text.lower()) if len(word) >= 4}


def telltales() -> dict[str, set[str]]:
    """Words only one word file uses (4 letters or more), less the demo clients' own names and places."""
    used = {language: _words_of(_strings(_catalog(language))) for language in ("fr", "en")}
    data = _words_of(str(value) for entry in DEMO_CLIENTS for value in entry["client"].values())
    return {"fr": used["fr"] - used["en"] - data, "en": used["en"] - used["fr"] - data}


class _Reader(HTMLParser):
    """The words an agent reads on a page in its own language."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page_language = ""
        self.stack: list[tuple[str, bool]] = []  # (tag, is this element read as the page's language)
        self.read: list[str] = []
        self.names: list[str] = []  # <code>: flow, step and result names, file names

    def _reading(self) -> bool:
        return all(reading for _, reading in self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.page_language = attributes.get("lang", "")
        other = "lang" in attributes and attributes["lang"] != self.page_language and tag != "html"
        reading = not other and tag not in NOT_A_LANGUAGE
        if self._reading() and reading:
            self.read.extend(attributes[name] for name in ATTRIBUTES_READ if attributes.get(name))
        if tag not in self.VOID:
            self.stack.append((tag, reading))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if self._reading():
            self.read.append(data)
        elif any(tag == "code" for tag, _ in self.stack):
            self.names.append(data)


def foreign_words(html: str, telltale: dict[str, set[str]], fragment_of: str) -> tuple[str, list[str]]:
    """The page's language and the other language's words on it (a fragment is read as part of its page)."""
    reader = _Reader()
    reader.page_language = fragment_of
    reader.feed(html)
    language = reader.page_language
    other = "en" if language == "fr" else "fr"
    # a name the page shows as <code> is a name wherever it appears (in a title or an alt text too)
    found = sorted(_words_of(reader.read) & telltale[other] - _words_of(reader.names))
    return language, found


@pytest.fixture
def busy_desktop(app, agents, phone):
    """A day on the desktop: callers waiting, a callback, a pending change, a history."""
    with db.session_for(app) as session:
        jeanne = session.scalar(select(Client).where(Client.client_number == "100200300"))
        session.add_all([Contact(client_id=jeanne.id, channel="ivr", subject="status", outcome="resolved_in_ivr"),
                         Contact(client_id=jeanne.id, channel="web", subject="payment", outcome="follow_up",
                                 note="Ref. 4521")])
    # Jeanne, in French: verified, the postal code on file, a new postal code, silence, a key not
    # understood on the street number... then 0.
    rich = (phone().press("1").press("2").press("100200300").press("19480517").say("H2X 3K8")
            .say("H2T 1S6").silence().press("55").say("rue Laval").press("0"))
    # Robert, in English, at the main menu; then someone asks to be called back.
    english = phone(caller="+16135550199").press("2").press("0")
    callback = phone(caller="+18195550111").press("1").press("1").press("400500600").press("19900714").press("0")
    callback.hold().press("1").press("1")
    change_address(phone, number="200300400", born="19611102", on_file="K1P 5K7", caller="+16135550199",
                   language="2")
    # Amélie's number, suspended after three wrong birth dates: her call shows the supervisor's button.
    for caller in ("+15145550001", "+15145550002", "+15145550003"):
        fail_once(phone, "300400500", caller)
    suspended = phone(caller="+14185550123").press("1").press("1").press("300400500").press("19750228")
    assert "Pour votre sécurité" in suspended.heard()
    return {"rich": rich.call_sid, "english": english.call_sid, "callback": callback.call_sid,
            "suspended": suspended.call_sid}


def pages(app, calls) -> list[str]:
    flows = sorted(app.extensions["ivr.flows"].current.flows)
    return (["/agent/", "/agent/live/waiting", f"/agent/calls/{calls['rich']}", f"/agent/calls/{calls['english']}",
             f"/agent/calls/{calls['callback']}", f"/agent/calls/{calls['suspended']}", "/agent/flows"]
            + [f"/agent/flows/{name}" for name in flows]
            + ["/agent/changes", "/agent/reports", "/agent/reports?days=1", "/agent/admin/agents"])


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_desktop_page_reads_in_the_agents_language_only(app, busy_desktop, language):
    telltale = telltales()
    assert {"appelant", "rappel", "parcours"} <= telltale["fr"] and {"caller", "callback", "waiting"} <= telltale["en"]
    problems: dict[str, list[str]] = {}

    def check(where: str, response, status: int = 200) -> str:
        html = response.get_data(as_text=True)
        if response.status_code != status:
            problems[where] = [f"HTTP {response.status_code}"]
            return html
        shown_in, found = foreign_words(html, telltale, fragment_of=language)
        assert shown_in == language, f"{where} is marked lang={shown_in!r}"
        if "`" in html.split("<main>", 1)[-1]:
            found = [*found, "` (a backtick, not code)"]
        if found:
            problems[where] = found
        return html

    signed_out = app.test_client()
    check("/agent/login", signed_out.get(f"/agent/login?lang={language}"))

    desk = sign_in(app.test_client())  # the demo admin: a supervisor who also sees the accounts page
    desk.post(f"/agent/language/{language}", data={"csrf": csrf_of(desk.get("/agent/").get_data(as_text=True))})
    for path in pages(app, busy_desktop):
        page = check(path, desk.get(path))
    for path in ("/agent/calls/CA00000000000000000000000000000000", "/agent/flows/nothing"):
        check(f"{path} (not found)", desk.get(path), status=404)

    # The rich call taken, then closed with a note: the page that follows, with its message.
    rich = f"/agent/calls/{busy_desktop['rich']}"
    page = check(rich, desk.get(rich))
    page = check(f"{rich} (taken)", desk.post(f"{rich}/take", data={"csrf": csrf_of(page)}, follow_redirects=True))
    check(f"{rich} (closed)", desk.post(f"{rich}/close", follow_redirects=True, data={
        "csrf": csrf_of(page), "subject": "address_change", "outcome": "follow_up", "note": "Ref. 4522"}))
    assert problems == {}, "\n".join(f"{where}: {', '.join(words)}" for where, words in problems.items())
