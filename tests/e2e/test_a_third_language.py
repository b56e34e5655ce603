"""A third language is content, not code (issue 15): a block in flows/languages.yaml and a prompts/<code>/
folder, and a call runs in it through the greeting, the menu, the hold loop and the agents' desktop.

The language here (Spanish, es-MX speech, Twilio's Polly.Mia voice) exists only in a copy of the shipped
flows and prompts; its prompts are the English ones marked "[es]", so what a caller hears shows which
folder it came from.
"""

from __future__ import annotations

import re
import shutil
import textwrap

import pytest

from ivr import calls
from ivr.app import create_app
from ivr.store import db
from ivr.engine.lint import lint
from ivr.lint_context import loader_options
from ivr.telephony.phone import FlaskTransport, PhoneCall, Screen
from ivr.services.demo import seed_demo
from ivr.telephony.twiml_rules import GATHER_LANGUAGES, Document, check

from tests.conftest import TOKEN
from tests.support.desktop_fixtures import agents, quick_password_hashing  # noqa: F401
from tests.support.faultkit import signed_post
from tests.support.journeys import FAULT_EN, FAULT_FR
from tests.support.lint_project import FLOWS, PROMPTS

MARK = "[es] "
SPANISH = textwrap.indent(textwrap.dedent("""\
    - code: es
      name: Español
      locale: es_MX
      speech: es-MX
      voice: Polly.Mia
      queue: agents-es
    """), "  ")


def _with_spanish(tmp_path):
    """A copy of the shipped content that also serves Spanish, as the authoring guide says to add it."""
    flows, prompts = tmp_path / "flows", tmp_path / "prompts"
    shutil.copytree(FLOWS, flows)
    shutil.copytree(PROMPTS, prompts, ignore=shutil.ignore_patterns("glossary.yaml"))
    languages = (flows / "languages.yaml").read_text(encoding="utf-8")
    (flows / "languages.yaml").write_text(languages.replace("unknown_queue:", SPANISH + "unknown_queue:"),
                                          encoding="utf-8")
    main = (flows / "main.yaml").read_text(encoding="utf-8")
    (flows / "main.yaml").write_text(main.replace(
        "      2: {language: en, words: main.english_words, next: welcome}\n",
        "      2: {language: en, words: main.english_words, next: welcome}\n"
        "      3: {language: es, words: main.spanish_words, next: welcome}\n"), encoding="utf-8")
    hours = (flows / "hours.yaml").read_text(encoding="utf-8")
    (flows / "hours.yaml").write_text(hours.replace('en: "Christmas Eve"}', 'en: "Christmas Eve", es: "Nochebuena"}'),
                                      encoding="utf-8")
    shutil.copytree(prompts / "en", prompts / "es")
    for path in (prompts / "es").glob("*.yaml"):  # every sentence marked; the keywords stay English
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r'^(\s*[\w.]+:\s*(?:\{text:\s*)?)"', rf'\1"{MARK}', text, flags=re.M), encoding="utf-8")
    for code in ("fr", "en", "es"):
        with (prompts / code / "main.yaml").open("a", encoding="utf-8") as handle:
            handle.write("spanish_words: [español, Spanish, espagnol]\n")
    greeting = prompts / "es" / "main.yaml"
    greeting.write_text(re.sub(r"^language: .*$", f'language: "{MARK}Para español, marque 3."',
                               greeting.read_text(encoding="utf-8"), count=1, flags=re.M), encoding="utf-8")
    return flows, prompts


@pytest.fixture
def app(database_url, tmp_path):
    flows, prompts = _with_spanish(tmp_path)
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "TWILIO_AUTH_TOKEN": TOKEN,
                      "SECRET_KEY": "test-secret", "PUBLIC_URL": "", "FLOWS_DIR": flows, "PROMPTS_DIR": prompts})
    with db.session_for(app) as session:
        seed_demo(session)
    yield app
    app.extensions["ivr.db.engine"].dispose()


def _checked(call: PhoneCall, document: Document = Document.CALL) -> None:
    """The answer to the caller's last move keeps to Twilio's documented rules (twiml_rules)."""
    assert check(call.last.xml, document) == [], call.last.xml


def test_the_greeting_offers_the_third_language_last_in_its_voice(app):
    call = PhoneCall(FlaskTransport(app.test_client()), TOKEN).dial()
    said = call.heard_now()
    assert [s.voice for s in said] == ["Polly.Chantal", "Polly.Joanna", "Polly.Mia"]
    assert said[-1].text == f"{MARK}Para español, marque 3." and said[-1].language == "es-MX"
    _checked(call)


def test_a_call_in_the_third_language_runs_through_menu_hold_and_the_desktop(app, client, agents):
    call = PhoneCall(FlaskTransport(app.test_client()), TOKEN).dial().press("3")
    assert "es-MX" in GATHER_LANGUAGES  # Twilio's speech-recognition list allows it
    assert call.last.gather["language"] == "es-MX"
    assert call.heard().startswith(f"{MARK}To speak to an agent at any time, press 0.")
    assert all(s.voice == "Polly.Mia" and s.language == "es-MX" for s in call.heard_now())
    _checked(call)

    call.press("0")
    assert call.transferred and call.queue == "agents-es"
    assert f"{MARK}I'm transferring you to an agent." in call.heard()
    _checked(call)

    call.hold(position=1)
    assert call.heard().startswith(f"{MARK}You are number 1 in line.")
    assert all(s.voice == "Polly.Mia" for s in call.heard_now())
    assert "lang=es" in call.last.redirect
    _checked(call, Document.WAIT)

    for lang in ("en", "fr"):  # the desktop has no Spanish words: the language's own name shows
        queue = client.get(f"/agent/api/queue?lang={lang}", headers={"Authorization": "Bearer demo-token"}).json
        [waiting] = queue["waiting"]
        assert waiting["queue"] == "agents-es" and waiting["language"] == "es"
        assert waiting["language_label"] == "Español"


def test_lint_serves_the_third_language_and_warns_that_the_desktop_has_no_words_in_it(tmp_path):
    flows, prompts = _with_spanish(tmp_path)
    findings = lint(flows, prompts, **loader_options())
    assert [f for f in findings if f.severity == "error"] == []
    [warning] = [f for f in findings if f.code == "desktop-words-missing"]
    assert warning.path.endswith("languages.yaml") and warning.line > 0 and "'es'" in warning.message


def test_a_language_without_its_prompts_folder_is_a_lint_error_at_the_folder(tmp_path):
    flows, prompts = _with_spanish(tmp_path)
    shutil.rmtree(prompts / "es")
    codes = {f.code for f in lint(flows, prompts, **loader_options())}
    assert "prompts-folder-missing" in codes


# -- the language in URLs: lang= everywhere, l= still read for calls in progress during an upgrade --------


@pytest.mark.parametrize("query", ["lang=en", "l=en"])
def test_a_step_url_carries_the_language_as_lang_and_the_old_l_is_still_understood(app, query, monkeypatch):
    call = PhoneCall(FlaskTransport(app.test_client()), TOKEN).dial()  # at the greeting: no language yet
    assert "lang=" not in call.last.gather["action"]

    def broken_step(*_args, **_kwargs):
        raise RuntimeError("the step fails")

    monkeypatch.setattr(calls, "plan_step", broken_step)
    answer = signed_post(app.test_client(), f"/voice/step?s=1&{query}", {"CallSid": call.call_sid, "Digits": "1"})
    heard = Screen.parse(answer.get_data(as_text=True)).text
    assert FAULT_EN in heard and FAULT_FR not in heard and "[es]" not in heard  # the URL's language only
