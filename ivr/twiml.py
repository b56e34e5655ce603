"""The only module that knows Twilio's TwiML: engine turns in, XML out.

Every <Gather> names its action, its recognition language, and is followed by a <Redirect>
so that silence never drops a call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from twilio.twiml.voice_response import Gather, VoiceResponse

from .engine import Listen, Turn, TurnKind, Utterance

RECOGNITION_LANGUAGE = {"fr": "fr-CA", "en": "en-CA"}


@dataclass(frozen=True)
class Voices:
    """One voice per language, kept for the whole call."""

    fr: str = "Polly.Chantal"
    en: str = "Polly.Joanna"

    def for_language(self, language: str) -> tuple[str, str]:
        if language == "en":
            return self.en, "en-US" if self.en.startswith("Polly.") else "en-CA"
        return self.fr, "fr-CA"


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
        gather = response.gather(**_gather_attributes(turn.listen, urls.step))
        _speak(gather, turn.prompts, voices, urls.audio_base)
        response.redirect(urls.noinput, method="POST")
    elif turn.kind is TurnKind.TRANSFER:
        _speak(response, turn.prompts, voices, urls.audio_base)
        response.enqueue(
            turn.queue or "agents-fr",
            wait_url=urls.hold,
            wait_url_method="POST",
            action=urls.queue_done,
            method="POST",
        )
    else:
        _speak(response, turn.prompts, voices, urls.audio_base)
        response.hangup()
    return str(response)


def _gather_attributes(listen: Listen, action: str) -> dict[str, object]:
    attributes: dict[str, object] = {
        "input": "dtmf speech" if listen.speech else "dtmf",
        "action": action,
        "method": "POST",
        "language": RECOGNITION_LANGUAGE.get(listen.language, "fr-CA"),
        "timeout": listen.timeout,
        "finish_on_key": listen.finish_on_key,
        "action_on_empty_result": False,
    }
    if listen.speech:
        attributes["speech_timeout"] = "auto"
        if listen.hints:
            attributes["hints"] = ",".join(listen.hints)
        if listen.numbers:
            attributes["speech_model"] = "numbers_and_commands"
    if listen.max_digits:
        attributes["num_digits"] = listen.max_digits
    return attributes


def _speak(verb: VoiceResponse | Gather, prompts: Iterable[Utterance], voices: Voices, audio_base: str) -> None:
    for utterance in prompts:
        if utterance.audio:
            url = utterance.audio if "://" in utterance.audio else f"{audio_base}/{utterance.language}/{utterance.audio}"
            verb.play(url)
            continue
        voice, language = voices.for_language(utterance.language)
        verb.say(utterance.text, voice=voice, language=language)


def hold_loop(texts: list[tuple[str, str]], language: str, key_action: str, again: str, voices: Voices,
              pause: int = 15) -> str:
    """What a caller in the queue hears: words, a pause, the keypad open, then again."""
    response = VoiceResponse()
    gather = response.gather(input="dtmf", num_digits=1, action=key_action, method="POST", timeout=1,
                             finish_on_key="")
    for lang, text in texts:
        voice, recog = voices.for_language(lang)
        gather.say(text, voice=voice, language=recog)
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
        voice, lang = voices.for_language(language)
        response.say(text, voice=voice, language=lang)
    dial = response.dial()
    dial.conference(conference, start_conference_on_enter=starts, end_conference_on_exit=True, beep=False)
    return str(response)


def question(texts: list[tuple[str, str]], action: str, again: str, voices: Voices, *, language: str,
             num_digits: int | None = 1, timeout: int = 8, finish_on_key: str = "") -> str:
    """A keypad question outside the flows (on hold, after hours); silence goes to `again`."""
    response = VoiceResponse()
    attributes: dict[str, object] = {"input": "dtmf", "action": action, "method": "POST", "timeout": timeout,
                                     "finish_on_key": finish_on_key, "action_on_empty_result": False,
                                     "language": RECOGNITION_LANGUAGE.get(language, "fr-CA")}
    if num_digits:
        attributes["num_digits"] = num_digits
    gather = response.gather(**attributes)
    for lang, text in texts:
        voice, recog = voices.for_language(lang)
        gather.say(text, voice=voice, language=recog)
    response.redirect(again, method="POST")
    return str(response)


def say_then(texts: list[tuple[str, str]], voices: Voices, *, leave: bool = False, hangup: bool = False,
             redirect: str | None = None, enqueue: tuple[str, Urls] | None = None) -> str:
    """Words, then one way on: leave the queue, hang up, go to a URL, or wait for an agent."""
    response = VoiceResponse()
    for language, text in texts:
        voice, lang = voices.for_language(language)
        response.say(text, voice=voice, language=lang)
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
