"""Every TwiML document the IVR can send keeps to Twilio's documented rules (`ivr.telephony.twiml_rules`).

Issue 13: the client-number, birth-date, civic-number, apartment and new-phone questions rendered
speechTimeout="auto" with speechModel="numbers_and_commands", which Twilio does not support (warning
13335). Here every question of every shipped flow is rendered in both languages, and every hold,
wait, callback, after-hours and fault document is played through the phone, and each is checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from freezegun import freeze_time

from ivr.telephony import twiml
from ivr.telephony import waiting
from ivr.config import content_folders
from ivr.engine.loader import load_flowset
from ivr.engine.runner import advance
from ivr.engine.state import NoInput, Start, TurnKind, new_call
from ivr.engine.steps import Question
from ivr.telephony.phone import FlaskTransport, Form, PhoneCall
from ivr.telephony.twiml_rules import Document, check

from tests.conftest import TOKEN
from tests.support.lines import line  # noqa: F401  (the shipped flows/hours.yaml in force)

URLS = twiml.Urls(step="/voice/step?s=1&l=fr", noinput="/voice/step?s=1&timeout=1&l=fr", hold="/voice/hold?lang=fr",
                  queue_done="/voice/queue-done")
VOICES = twiml.Voices()
NUMBER_QUESTIONS = {"identify/client_number", "identify/birth_date", "address/civic_number", "address/apartment",
                    "address/phone"}


def codes(xml: str, document: Document = Document.CALL) -> list[str]:
    return [violation.code for violation in check(xml, document)]


def gather(**attributes: str) -> str:
    written = " ".join(f'{name}="{value}"' for name, value in attributes.items())
    return f'<Response><Gather {written}><Say>Bonjour</Say></Gather></Response>'


# -- the checker catches each rule ------------------------------------------------------------------

@pytest.mark.parametrize("xml, code", [
    (gather(input="dtmf speech", speechTimeout="auto", speechModel="numbers_and_commands", language="fr-CA"),
     "gather-speechTimeout-auto-with-model"),
    (gather(input="speech", speechTimeout="soon"), "gather-speechTimeout"),
    (gather(input="speech", speechTimeout="0"), "gather-speechTimeout"),
    (gather(input="voice"), "gather-input"),
    (gather(input="dtmf dtmf"), "gather-input"),
    (gather(method="PUT"), "gather-method"),
    (gather(timeout="0"), "gather-timeout"),
    (gather(timeout="-5"), "gather-timeout"),
    (gather(numDigits="1.5"), "gather-numDigits"),
    (gather(finishOnKey="##"), "gather-finishOnKey"),
    (gather(finishOnKey="A"), "gather-finishOnKey"),
    (gather(actionOnEmptyResult="False"), "gather-actionOnEmptyResult"),
    (gather(speechModel="numbers", speechTimeout="3"), "gather-speechModel"),
    (gather(language="fr"), "gather-language"),
    (gather(language="fr-CA", speechModel="phone_call", speechTimeout="3"), "gather-model-language"),
    (gather(language="en-CA", speechModel="experimental_conversations", speechTimeout="3"), "gather-model-language"),
    (gather(hints=",".join(f"mot{i}" for i in range(501))), "gather-hints"),
    (gather(hints="oui," + "x" * 101), "gather-hints"),
    (gather(hints="oui,,non"), "gather-hints"),
    (gather(speechTimout="3"), "unknown-attribute"),
    ('<Response><Gather><Enqueue>agents-fr</Enqueue></Gather></Response>', "nested-verb"),
    ('<Response><Gather><Redirect>/voice/step</Redirect></Gather></Response>', "nested-verb"),
    ('<Response><Enqueue waitUrl="/voice/hold">' + "q" * 65 + '</Enqueue></Response>', "enqueue-queue-name"),
    ('<Response><Enqueue waitUrlMethod="PATCH">agents-fr</Enqueue></Response>', "enqueue-method"),
    ('<Response><Redirect method="DELETE">/voice/hold</Redirect></Response>', "redirect-method"),
    ('<Response><Pause length="0"/></Response>', "pause-length"),
    ('<Response><Speak>Bonjour</Speak></Response>', "unknown-verb"),
    ('<Gather/>', "response"),
])
def test_the_checker_catches_each_rule(xml, code):
    assert code in codes(xml)


@pytest.mark.parametrize("verb", ["<Enqueue>agents-fr</Enqueue>", "<Dial><Number>+15145550100</Number></Dial>",
                                  "<Record/>"])
def test_a_wait_url_document_may_not_enqueue_dial_or_record(verb):
    xml = f"<Response><Say>Un instant.</Say>{verb}</Response>"
    assert codes(xml, Document.CALL) == []
    assert codes(xml, Document.WAIT) == ["wait-url-verb"]


@pytest.mark.parametrize("verb", ["<Play>https://example.org/a.mp3</Play>", "<Say>Un instant.</Say>", "<Pause length=\"5\"/>",
                                  "<Hangup/>", "<Redirect>/voice/hold</Redirect>", "<Leave/>",
                                  '<Gather input="dtmf" numDigits="1"><Say>1</Say></Gather>'])
def test_a_wait_url_document_may_play_say_pause_hang_up_redirect_leave_and_gather(verb):
    assert codes(f"<Response>{verb}</Response>", Document.WAIT) == []


def test_a_number_of_seconds_with_a_speech_model_and_auto_without_one_are_both_fine():
    assert codes(gather(input="dtmf speech", speechTimeout="3", speechModel="numbers_and_commands",
                        language="fr-CA")) == []
    assert codes(gather(input="dtmf speech", speechTimeout="auto", language="en-CA")) == []


# -- every question of every shipped flow, in both languages -----------------------------------------

def _questions():
    flowset = load_flowset(*content_folders())
    for flow in flowset.flows.values():
        for step_id, step in flow.steps.items():
            if isinstance(step, Question):
                yield flowset, f"{flow.name}/{step_id}"


QUESTIONS = list(_questions())


def test_the_walk_covers_every_question_of_the_shipped_flows():
    positions = {position for _, position in QUESTIONS}
    assert NUMBER_QUESTIONS <= positions and "main/menu" in positions and len(positions) >= 15


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("flowset, position", QUESTIONS, ids=[position for _, position in QUESTIONS])
def test_every_question_renders_twiml_twilio_accepts(flowset, position, language):
    turn, state = advance(flowset, new_call(flowset), Start(at=position, language=language))
    assert turn.kind is TurnKind.GATHER
    asked = twiml.render(turn, URLS, VOICES)
    assert check(asked) == [], asked
    again, _ = advance(flowset, state, NoInput())  # after a silence: the patient time-out, or the next turn
    assert check(twiml.render(again, URLS, VOICES)) == []


@pytest.mark.parametrize("position", sorted(NUMBER_QUESTIONS))
def test_a_number_question_gives_slow_speakers_seconds_to_pause_between_groups(position):
    flowset = QUESTIONS[0][0]
    turn, _ = advance(flowset, new_call(flowset), Start(at=position, language="fr"))
    listened = check_and_gather(twiml.render(turn, URLS, VOICES))
    assert listened["speechModel"] == "numbers_and_commands"
    assert listened["speechTimeout"] == str(twiml.NUMBERS_SPEECH_PAUSE_S) and int(listened["speechTimeout"]) >= 3


def check_and_gather(xml: str) -> dict[str, str]:
    from ivr.telephony.phone import Screen

    assert check(xml) == []
    return Screen.parse(xml).gather or {}


def test_hints_are_kept_within_twilios_limits_whatever_the_word_files_hold():
    from ivr.engine.state import Listen

    words = [f"mot {i}" for i in range(600)] + ["un, deux", "x" * 150, ""]
    xml = twiml.render(twiml_turn(Listen("fr", 8, hints=tuple(words))), URLS, VOICES)
    assert check(xml) == []


def twiml_turn(listen):
    from ivr.engine.state import Turn

    return Turn(TurnKind.GATHER, (), listen=listen)


# -- every document of the hold loop, callbacks, after hours and faults, as the phone meets them -------

@dataclass
class CheckedTransport:
    """Posts through the Flask test client and keeps each answer with the kind of document it is: a
    wait-URL document while the caller is in a queue (Twilio asked the waitUrl, or its <Gather> action)."""

    inner: FlaskTransport
    call: PhoneCall | None = None
    documents: list[tuple[Document, str, str]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.inner.url(path)

    def post(self, path: str, form: Form, signature: str) -> tuple[int, str]:
        status, body = self.inner.post(path, form, signature)
        kind = Document.WAIT if self.call is not None and self.call.waiting is not None else Document.CALL
        self.documents.append((kind, path, body))
        return status, body

    def violations(self) -> list[tuple[str, str]]:
        return [(path, str(v)) for kind, path, body in self.documents for v in check(body, kind)]

    def kinds(self) -> set[Document]:
        return {kind for kind, _, _ in self.documents}


def checked_dial(app, caller: str = "+15145550142") -> tuple[PhoneCall, CheckedTransport]:
    transport = CheckedTransport(FlaskTransport(app.test_client()))
    call = PhoneCall(transport, TOKEN, caller=caller)
    transport.call = call
    return call.dial(), transport


def on_hold(app, caller: str = "+15145550142", language: str = "1"):
    call, documents = checked_dial(app, caller)
    return call.press(language).press("0").hold(), documents


@pytest.mark.parametrize("moves", [
    ["0", "5", "1", "1"],                                # already waiting, keys help, callback on the caller ID
    ["1", "2", "12", "5551234567", "6135550199#"],       # another number: refused twice... then a good one
    ["1", "2", "12", "999"],                             # two bad numbers: back in line
    ["1", "3"],                                          # chose to stay
    ["1", "silence"],                                    # said nothing to the offer
])
@pytest.mark.parametrize("language", ["1", "2"])
def test_every_hold_and_callback_document_is_one_twilio_accepts(app, moves, language):
    call, documents = on_hold(app, language=language)
    for move in moves:
        if call.waiting is None or call.ended:
            break
        call.silence() if move == "silence" else call.press(move)
        if call.waiting is not None and call.last.redirect and call.last.gather is None:
            call.hold()
    assert Document.WAIT in documents.kinds()
    assert documents.violations() == []


def test_a_hidden_caller_id_is_asked_for_a_number_in_a_valid_wait_document(app):
    call, documents = on_hold(app, caller="anonymous")
    call.press("1").press("6135550199#")
    assert documents.violations() == []


def test_a_full_queue_and_another_try_are_documents_twilio_accepts(app):
    call, documents = on_hold(app)
    call.end_wait("queue-full").silence()
    call.end_wait("queue-full").press("1")
    assert call.ended
    assert documents.violations() == []


def hold_music_fails_once(monkeypatch) -> None:
    """The next wait-URL answer fails; the one after works again."""
    working, failures = waiting.hold_response, []

    def fails_once():
        if not failures:
            failures.append(1)
            raise RuntimeError("the hold music failed")
        return working()

    monkeypatch.setattr(waiting, "hold_response", fails_once)


def test_a_fault_on_hold_keeps_the_caller_in_line_with_a_valid_wait_document(app, monkeypatch):
    call, documents = on_hold(app)
    hold_music_fails_once(monkeypatch)
    call.hold()
    assert documents.violations() == []
    fault = call.screens[-2]  # the apology, then the hold loop it redirects to
    assert fault.enqueue is None and fault.redirect.startswith("/voice/hold")
    assert "Vous êtes toujours en attente d'un agent." in fault.text
    assert call.waiting is not None and call.last.gather is not None


def test_a_fault_while_saving_a_callback_on_hold_keeps_the_caller_in_line(app, monkeypatch):
    call, documents = on_hold(app)
    monkeypatch.setattr(waiting, "_save_callback", lambda *args: 1 / 0)
    call.press("1").press("1")
    assert documents.violations() == []
    assert call.waiting is not None and call.last.redirect.startswith("/voice/hold")


def test_a_fault_on_a_question_apologises_and_queues_in_a_valid_document(app, monkeypatch):
    call, documents = checked_dial(app)
    from ivr import calls

    monkeypatch.setattr(calls, "plan_step", lambda *args: 1 / 0)
    call.press("1")
    assert call.transferred and documents.violations() == []


@pytest.mark.parametrize("moves", [["1", "1"], ["1", "2", "6135550199#"], ["2"], ["silence", "silence", "silence"],
                                   ["9"], ["1", "3"]])
def test_every_after_hours_document_is_one_twilio_accepts(line, moves):
    with freeze_time("2026-11-23 23:30"):  # Monday 18:30 in Toronto: agents are gone
        call, documents = checked_dial(line.app)
        call.press("1").press("0")
        for move in moves:
            if call.ended or call.last.gather is None:
                break
            call.silence() if move == "silence" else call.press(move)
    assert documents.violations() == []


def test_the_warm_transfer_legs_and_the_short_answers_are_documents_twilio_accepts():
    whisper = [("fr", "Appel de Jeanne Tremblay, vérifiée.")]
    for xml in (twiml.conference_leg("ivr-CA1", whisper, VOICES, starts=True),
                twiml.conference_leg("ivr-CA1", [], VOICES, starts=False), twiml.empty(), twiml.hangup()):
        assert check(xml) == []


@pytest.mark.parametrize("keys, heard", [
    ("2", ["Sorry, we have a technical problem.", "You are still waiting for an agent."]),
    ("", ["Désolé, nous avons un problème technique.", "Vous êtes toujours en attente d'un agent.",
          "Sorry, we have a technical problem.", "You are still waiting for an agent."]),  # language not chosen
])
def test_a_failing_hold_answer_apologises_in_the_callers_language_or_both_french_first(app, monkeypatch, keys, heard):
    call, documents = checked_dial(app)
    if keys:
        call.press(keys)
    call.press("0").hold()
    hold_music_fails_once(monkeypatch)
    call.hold()
    fault = call.screens[-2]  # the apology, then the hold loop it redirects to
    assert [s.text for s in fault.said] == heard
    assert fault.enqueue is None and documents.violations() == []


@pytest.mark.parametrize("then", ["1", "2", "silence"])
def test_a_queue_that_keeps_failing_gets_documents_twilio_accepts(app, then):
    call, documents = on_hold(app)
    for _ in range(app.config["QUEUE_RETRIES"] + 1):
        call.end_wait("error")
    call.silence() if then == "silence" else call.press(then)
    assert documents.violations() == []
