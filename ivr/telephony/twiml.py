"""The only module that knows Twilio's TwiML: engine turns in, XML out.

Every <Gather> names its action, its recognition language, and is followed by a <Redirect>
so that silence never drops a call. Every document written here keeps to Twilio's documented rules
(`ivr.telephony.twiml_rules`, where each rule cites its page); the tests render them all and check.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr.engine.prompts import Utterance
from ivr.engine.state import Listen, Turn, TurnKind
from ivr.engine.languages import BUILT_IN, Languages
from ivr.telephony.twiml_rules import MAX_HINT_LENGTH, MAX_HINTS

NUMBERS_SPEECH_MODEL = "numbers_and_commands"
NUMBERS_SPEECH_PAUSE_S = 3
"""speechTimeout of a question answered with a number (client number, birth date, civic number,
apartment, phone): Twilio takes only whole seconds with a speechModel (warning 13335), and a caller
reading "1948 ... 05 ... 17" or a 9-digit number pauses between groups, older callers longer. "auto"
ends on about a second of silence; three seconds lets a slow reader finish, at the cost of three
seconds' wait once they have."""


@dataclass(frozen=True)
class Voices:
    """One voice per language, kept for the whole call, and the language to listen in: as
    flows/languages.yaml declares them (with IVR_VOICE_<CODE>, ivr.engine.languages.with_voices)."""

    languages: Languages = BUILT_IN

    def for_language(self, language: str) -> tuple[str, str]:
        """(<Say voice>, <Say language>) of `language`; the default language's for an unknown code."""
        spoken = self.languages.or_default(language)
        return spoken.voice, spoken.say_language

    def recognition(self, language: str | None) -> str:
        """<Gather language>: the speech-recognition code of `language`, the default's when unknown."""
        return self.languages.or_default(language).speech


@dataclass(frozen=True)
class Urls:
    """Where Twilio comes back to; built by the web layer, which knows the routes."""

    step: str
    noinput: str
    hold: str
    queue_done: str
    audio_base: str = "/audio"


def render(turn: Turn, urls: Urls, voices: Voices) -> str:
    response = VoiceResponse()
    if turn.kind is TurnKind.GATHER:
        assert turn.listen is not None
        gather = response.gather(**_gather_attributes(turn.listen, urls.step, voices))
        _speak(gather, turn.prompts, voices, urls.audio_base)
        response.redirect(urls.noinput, method="POST")
    elif turn.kind is TurnKind.TRANSFER:
        _speak(response, turn.prompts, voices, urls.audio_base)
        response.enqueue(
            turn.queue or voices.languages.default.queue,
            wait_url=urls.hold,
            wait_url_method="POST",
            action=urls.queue_done,
            method="POST",
        )
    else:
        _speak(response, turn.prompts, voices, urls.audio_base)
        response.hangup()
    return str(response)


def _gather_attributes(listen: Listen, action: str, voices: Voices) -> dict[str, object]:
    attributes: dict[str, object] = {
        "input": "dtmf speech" if listen.speech else "dtmf",
        "action": action,
        "method": "POST",
        "language": voices.recognition(listen.language),
        "timeout": listen.timeout,
        "finish_on_key": listen.finish_on_key,
        "action_on_empty_result": False,
    }
    if listen.speech:
        attributes["speech_timeout"] = NUMBERS_SPEECH_PAUSE_S if listen.numbers else "auto"
        hints = _hints(listen.hints)
        if hints:
            attributes["hints"] = hints
        if listen.numbers:
            attributes["speech_model"] = NUMBERS_SPEECH_MODEL
    if listen.max_digits:
        attributes["num_digits"] = listen.max_digits
    return attributes


def _hints(words: Iterable[str]) -> str:
    """<Gather hints>: comma-separated entries of 1 to 100 characters, 500 at most (Twilio warning 13330);
    a word with a comma in it is two entries, and a longer one is left out rather than refused."""
    entries = [part.strip() for word in words for part in word.split(",")]
    kept = [entry for entry in dict.fromkeys(entries) if entry and len(entry) <= MAX_HINT_LENGTH]
    return ",".join(kept[:MAX_HINTS])


def _speak(verb: VoiceResponse | Gather, prompts: Iterable[Utterance], voices: Voices, audio_base: str) -> None:
    for utterance in prompts:
        if utterance.audio:
            url = utterance.audio if "://" in utterance.audio else f"{audio_base}/{utterance.language}/{utterance.audio}"
            verb.play(url)
            continue
        _say(verb, utterance.text, utterance.language, voices)


def speakable(text: str) -> str:
    """Text a speech engine reads as written: every Unicode space (CLDR's no-break U+00A0 and narrow
    no-break U+202F in "1 234,56 $", "8 h", "2 minutes") becomes a plain space; format and control
    characters (U+200B zero-width space, U+2060 word joiner, U+202E right-to-left override, U+00AD soft
    hyphen) are dropped; tabs and line breaks become spaces. Polly and Twilio's <Say> read such
    characters as pauses or symbols, or not at all."""
    if text.isprintable():  # the usual case: no separator but the plain space, no control or format
        return text if "  " not in text and text.strip() == text else " ".join(text.split())
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Zs" or ch in "\t\n\r":
            kept.append(" ")
        elif category[0] == "C":  # Cc control, Cf format, Co private use, Cn unassigned, Cs surrogate
            continue
        else:
            kept.append(ch)
    return " ".join("".join(kept).split())


def _say(verb: VoiceResponse | Gather, text: str, language: str, voices: Voices) -> None:
    """Every <Say> goes through here: the language's voice, and words a speech engine can read."""
    voice, recognition = voices.for_language(language)
    verb.say(speakable(text), voice=voice, language=recognition)


def hold_loop(texts: list[tuple[str, str]], language: str, key_action: str, again: str, voices: Voices,
              pause: int = 15) -> str:
    """What a caller in the queue hears: words, a pause, the keypad open, then again."""
    response = VoiceResponse()
    gather = response.gather(input="dtmf", num_digits=1, action=key_action, method="POST", timeout=1,
                             finish_on_key="")
    for lang, text in texts:
        _say(gather, text, lang, voices)
    gather.pause(length=pause)
    response.redirect(again, method="POST")
    return str(response)


def empty() -> str:
    return str(VoiceResponse())


def hangup() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def conference_leg(conference: str, texts: list[tuple[str, str]], voices: Voices, *, starts: bool) -> str:
    """One side of a warm transfer: optional words first (the agent's whisper), then the conference.

    The agent's leg starts the conference; the caller's waits in it (hearing music) until then,
    and either side hanging up ends it.
    """
    response = VoiceResponse()
    for language, text in texts:
        _say(response, text, language, voices)
    dial = response.dial()
    dial.conference(conference, start_conference_on_enter=starts, end_conference_on_exit=True, beep=False)
    return str(response)


def question(texts: list[tuple[str, str]], action: str, again: str, voices: Voices, *, language: str,
             num_digits: int | None = 1, timeout: int = 8, finish_on_key: str = "", speech: bool = False) -> str:
    """A keypad question outside the flows (on hold, after hours); silence goes to `again`. `speech`:
    a spoken answer is taken too (<Gather input="dtmf speech">)."""
    response = VoiceResponse()
    attributes: dict[str, object] = {"input": "dtmf speech" if speech else "dtmf", "action": action,
                                     "method": "POST", "timeout": timeout, "finish_on_key": finish_on_key,
                                     "action_on_empty_result": False, "language": voices.recognition(language)}
    if num_digits:
        attributes["num_digits"] = num_digits
    gather = response.gather(**attributes)
    for lang, text in texts:
        _say(gather, text, lang, voices)
    response.redirect(again, method="POST")
    return str(response)


def say_then(texts: list[tuple[str, str]], voices: Voices, *, leave: bool = False, hangup: bool = False,
             redirect: str | None = None, enqueue: tuple[str, Urls] | None = None, pause: int = 0) -> str:
    """Words (then `pause` seconds of silence), then one way on: leave the queue, hang up, go to a URL,
    or wait for an agent."""
    response = VoiceResponse()
    for language, text in texts:
        _say(response, text, language, voices)
    if pause:
        response.pause(length=pause)
    if leave:
        response.leave()
    elif enqueue is not None:
        queue, urls = enqueue
        response.enqueue(queue, wait_url=urls.hold, wait_url_method="POST", action=urls.queue_done, method="POST")
    elif redirect is not None:
        response.redirect(redirect, method="POST")
    if hangup:
        response.hangup()
    return str(response)
