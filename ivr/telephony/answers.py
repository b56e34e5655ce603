"""What a caller hears, as TwiML: a step's Answer rendered, the after-hours choices, the apologies.

Shared by the webhook's views (`ivr.telephony.voice`) and the hold loop's (`ivr.telephony.waiting`),
so neither needs the other's helpers. Every word comes from the prompts of the flows served
(prompts/<lang>/); every URL given to Twilio carries the caller's language as `lang=` when it is
known (`ivr.telephony.requests.LANGUAGE_PARAMETER`), so a fault can apologise in it without the database.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import Response, current_app, request, url_for

from ivr import calls
from ivr.calls import faults, line
from ivr.calls.step import Answer, Next
from ivr.content.flowstore import languages, store
from ivr.engine.languages import with_voices
from ivr.telephony import twiml
from ivr.telephony.requests import LANGUAGE_PARAMETER

log = logging.getLogger(__name__)

INCOMING = "voice.call.incoming"
STEP = "voice.call.step"
HOLD = "voice.call.hold"
HOLD_KEY = "voice.call.hold_key"
QUEUE_DONE = "voice.call.queue_done"
CLOSED = "voice.wait.closed"
CLOSED_KEY = "voice.wait.closed_key"
"""Endpoints of the URLs given to Twilio (Flask's names: blueprint, then view)."""

FAULT_PAUSE_S = 10
"""Seconds between a fault on hold and the hold loop again: a failing loop must not spin."""


def xml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


# -- words -------------------------------------------------------------------------------------


def known(value: str | None) -> str | None:
    """The caller's language when they chose one; None when not (0 or silence at the greeting)."""
    return languages().known(value)


def listening(value: str | None) -> str:
    """The language to listen in (one per <Gather>): the caller's, or the line's default."""
    return languages().or_default(value).code


def speaking(language: str | None) -> tuple[str, ...]:
    """What to speak in: the caller's language, or every language in greeting order when it is not known."""
    return languages().speaking(language)


def lang_query(language: str | None) -> dict[str, str]:
    """The query that carries a known language from URL to URL (none when it is not known)."""
    return {LANGUAGE_PARAMETER: language} if languages().known(language) else {}


def step_query(seq: int | None) -> dict[str, int]:
    """The query that names the step an answer belongs to (`s`; none when not known)."""
    return {"s": seq} if seq is not None else {}


def tries_query(n: int) -> dict[str, int]:
    """The reprompts already given at a question, carried in its URLs (`n`, none when 0)."""
    return {"n": n} if n else {}


def say(keys: list[str], languages: tuple[str, ...], values: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """The prompts `keys` of the flows served, in each of `languages` (`ivr.calls.line.Line.say`)."""
    return line.of(current_app).say(keys, languages, values)


def voices() -> twiml.Voices:
    """The voice of each language of the flows served, with the installation's IVR_VOICE_<CODE>."""
    return twiml.Voices(with_voices(languages(), current_app.config.get("VOICES", {})))


# -- a step's answer -----------------------------------------------------------------------------


_PATHS: dict[tuple[str, str], str] = {}


def path(endpoint: str) -> str:
    """url_for, once per mount point: it costs more than the rest of a step's URLs together."""
    key = (request.script_root, endpoint)
    if key not in _PATHS:
        _PATHS[key] = url_for(endpoint)
    return _PATHS[key]


def urls(seq: int, language: str | None, requeued: int = 0) -> twiml.Urls:
    """The URLs of a step's TwiML. The language rides in the step URL so a fault can apologise in it
    without the database; the hold loop speaks it, or every language for a caller who never chose one.
    The <Enqueue> action carries it too, and how many times a failed queue was tried again (`r`)."""
    lang = f"{LANGUAGE_PARAMETER}={language}" if languages().known(language) else ""
    step = path(STEP)
    done = "&".join(part for part in (lang, f"r={requeued}" if requeued else "") if part)
    return twiml.Urls(
        step=f"{step}?s={seq}{'&' + lang if lang else ''}",
        noinput=f"{step}?s={seq}&timeout=1{'&' + lang if lang else ''}",
        hold=path(HOLD) + (f"?{lang}" if lang else ""),
        queue_done=path(QUEUE_DONE) + (f"?{done}" if done else ""),
        audio_base="/audio",
    )


def render(answer: Answer) -> str:
    """The TwiML of a step's answer (`ivr.calls.step.Render`)."""
    if answer.next is Next.AGAIN:
        return answer.body
    if answer.next is Next.FAULT:
        return fault_twiml(answer.language)
    if answer.next is Next.CLOSED:
        return closed_twiml(answer.language, list(answer.said), answer.at or calls.now_utc(), repeat=0, seq=answer.seq)
    state = answer.state
    return twiml.render(answer.turn, urls(state.seq, state.language), voices())


def respond(answer: Answer) -> Response:
    """The answer as Twilio gets it: its saved document, or rendered now."""
    return xml(answer.body or render(answer))


# -- after hours -----------------------------------------------------------------------------------


def closed_twiml(language: str | None, before: list[tuple[str, str]], now: datetime, repeat: int,
                 seq: int | None = None) -> str:
    """`before`, then that agents are out, why, when they are back, and the choices (1: a callback,
    2: back to self-service); after the second silence (`repeat` 2), when to call back, and goodbye."""
    current = line.of(current_app).hours
    texts = list(before)
    for lang in speaking(language):
        texts += say(["closed.now"], (lang,))
        reason = None
        if current is not None:
            reason = current.closed_reason(now, lang) or current.holiday_name(now.astimezone(current.zone).date(), lang)
        if reason:
            texts += say(["closed.reason"], (lang,), {"reason": reason})
        when = current.describe_next_opening(now, lang, store().current.prompts) if current is not None else None
        texts += say(["closed.back"], (lang,), {"when": when}) if when else say(["closed.back_unknown"], (lang,))
        texts += say(["closed.menu"], (lang,))
    query = {LANGUAGE_PARAMETER: language, **step_query(seq)} if language else step_query(seq)
    if repeat >= 2:  # nobody answered twice: say when to call back, then goodbye
        return twiml.say_then(texts + say(["hold.goodbye"], speaking(language)), voices(), hangup=True)
    return twiml.question(texts, url_for(CLOSED_KEY, **query, **tries_query(repeat)),
                          url_for(CLOSED, n=repeat + 1, **query), voices(), language=listening(language), timeout=8)


# -- faults ----------------------------------------------------------------------------------------


def fault_twiml(language: str | None = None, requeued: int = 0) -> str:
    """A short apology (in the caller's language, or all) and the agent queue; needs no database.

    With no agent in (after hours), the apology comes with the after-hours choices instead.
    `requeued` counts the failed queues before this one; the <Enqueue> action carries it on.
    """
    closed = _after_hours_fault(language)
    if closed is not None:
        return closed
    texts = []
    try:
        flowset = store().current
        key = flowset.settings.fault_prompt
        for lang in flowset.languages.speaking(language):
            entry = flowset.prompts.get(key, lang)
            if entry and entry.text:
                texts.append((lang, entry.text))
    except Exception:  # no words is better than no agent
        log.exception("the fault prompt could not be read")
    return twiml.say_then(texts, voices(), enqueue=(faults.fault_queue(language, languages()),
                                                    urls(0, language, requeued)))


def _after_hours_fault(language: str | None) -> str | None:
    """A fault with no agent in: the apology and the after-hours choices instead of an empty queue."""
    try:
        now = calls.now_utc()
        if line.of(current_app).agents_open(now):
            return None
        return closed_twiml(language, say(["closed.fault"], speaking(language)), now, repeat=0)
    except Exception:  # the fault answer itself must never fail: fall back to the queue
        log.warning("could not build the after-hours answer to a fault")
        return None


def fault_while_waiting(language: str | None) -> Response:
    """A fault while the caller is in the agents' queue: they keep their place. The answer is a wait-URL
    document, so no <Enqueue> (Twilio's waitUrl takes only Play, Say, Pause, Hangup, Redirect, Leave and
    Gather: `telephony.twiml_rules.WAIT_URL_VERBS`): a short apology in the caller's language (all,
    in greeting order, when it is not known), a pause, then the hold loop again."""
    language = known(language)
    try:
        texts = say(["closed.fault", "hold.back_in_line"], speaking(language))
    except Exception:  # the words are not worth the caller's place in line
        log.warning("could not read the words of a fault on hold")
        texts = []
    return xml(twiml.say_then(texts, voices(), pause=FAULT_PAUSE_S, redirect=url_for(HOLD, **lang_query(language))))
