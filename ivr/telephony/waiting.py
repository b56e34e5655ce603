"""Waiting for a person, the views: the hold loop, callback requests, and the after-hours choices.

What they decide (are agents in, who is waiting, callbacks, back to self-service) is
`ivr.calls.waiting`'s; what the caller hears is rendered here and in `ivr.telephony.answers`.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

from flask import Blueprint, Flask, Response, current_app, request, url_for

from ivr import calls
from ivr.calls import faults, line
from ivr.calls import waiting as wait
from ivr.content.flowstore import store
from ivr.engine.phones import NumberCheck, Refusal, callable_number, check_number
from ivr.telephony import answers, signed, twiml
from ivr.telephony.answers import (known, lang_query, listening, say, speaking, step_query, tries_query, voices,
                                   xml)

log = logging.getLogger(__name__)

bp = Blueprint("wait", __name__, url_prefix="/wait")
"""Served under the parent /voice blueprint (`ivr.telephony`), which declares the policy of every /voice
URL: only Twilio's signed requests, the step's budget, the apology-and-queue answer to a fault."""

CONFIRM = "voice.wait.confirm"
NUMBER = "voice.wait.number"
BUSY = "voice.wait.busy"
FAILING = "voice.wait.failing"
SURVEY = "voice.call.survey"

MAX_NUMBER_TRIES = 2



def in_queue() -> bool:
    """Is this request's answer a wait-URL document? The hold loop's are, and a callback offer's made on
    hold: the caller is in the agents' queue, so a fault must keep their place (no <Enqueue>)."""
    endpoint = request.endpoint
    return endpoint in (answers.HOLD, answers.HOLD_KEY) or (endpoint in (CONFIRM, NUMBER) and _mode() == "hold")


# -- hours -------------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Serve the hold loop's URLs and load the agents' hours once (`ivr.calls.waiting.load_hours`)."""
    app.register_blueprint(bp)
    app.extensions["ivr.hours"] = wait.load_hours(app.config)


def _line() -> line.Line:
    return line.of(current_app)


# -- words -------------------------------------------------------------------------------------


def _wait_minutes(position: int, average: int) -> int:
    """Rounded, never zero: "about N minutes"."""
    return max(1, round(max(average, 60 * position) / 60))


# -- the hold loop (Enqueue's waitUrl) --------------------------------------------------------------


def hold_response() -> Response:
    """The words on hold, in the caller's language, or in French then English when it is not known.

    Twilio asks this URL only for a caller in an agents' queue, again and again while they wait, so
    each request also makes sure the desktop lists them (`note_waiting`)."""
    language = known(request.args.get("lang"))
    note_waiting(language)
    twilio = signed.current()
    position = twilio.queue_position or 1
    average = twilio.average_queue_time or 0
    minutes = _wait_minutes(position, average)
    keys = ["hold.position", "hold.wait_one" if minutes == 1 else "hold.wait_many", "hold.callback_offer",
            "hold.stay"]
    texts = say(keys, speaking(language), {"position": position, "minutes": minutes})
    return xml(twiml.hold_loop(texts, listening(language), url_for(answers.HOLD_KEY, **lang_query(language)),
                               url_for(answers.HOLD, **lang_query(language)), voices()))


def hold_key_response() -> Response:
    """1 asks for a callback; 0 is answered (they are already waiting); any other key explains."""
    language = known(request.args.get("lang"))
    digits = signed.current().digits or ""
    if digits == "1":
        return _offer_callback(language, "hold", _current_seq())
    key = "hold.already_waiting" if digits == "0" else "hold.keys_help"
    return xml(twiml.hold_loop(say([key], speaking(language)), listening(language),
                               url_for(answers.HOLD_KEY, **lang_query(language)),
                               url_for(answers.HOLD, **lang_query(language)), voices(), pause=5))


def note_waiting(language: str | None) -> None:
    """Record the caller of this wait-URL request as waiting (`ivr.calls.waiting.note_waiting`)."""
    twilio = signed.current()
    wait.note_waiting(_line(), twilio.call_sid, twilio.caller, twilio.called, language)


# -- callback requests (on hold, or after hours) ----------------------------------------------------


def _phone_regions() -> tuple[str, ...]:
    """The regions whose numbers this line calls back (flows/global.yaml `phone_numbers`)."""
    return store().current.settings.phone_regions


def _caller_number() -> str | None:
    """The caller ID as E.164 when it is a number the agency calls (ivr/engine/phones.py)."""
    caller = signed.current().caller  # E.164 or None
    return callable_number(caller, _phone_regions()) if caller else None


def parse_callback_number(digits: str) -> str | None:
    """A number typed on the keypad (10 digits, or 11 with the leading 1), in E.164 when the agency
    calls it, else None: the one rule of ivr/engine/phones.py with this line's regions."""
    return check_callback_number(digits).number


def check_callback_number(digits: str) -> NumberCheck:
    """`check_number` of a callback number typed on the keypad, with this line's regions: its number
    in E.164 when accepted, else why not (too few or too many digits is `Refusal.LENGTH`)."""
    return check_number(digits.strip(), _phone_regions())


def _refused_number_prompt(check: NumberCheck) -> str:
    """What a caller is told of a refused callback number: an incomplete entry is not a refused number."""
    return "hold.callback_length" if check.refusal is Refusal.LENGTH else "hold.callback_invalid"


class _Offer(NamedTuple):
    """Where a callback was offered: the way back for a caller who does not want one, the prompt
    that confirms the number, and the reason the agents see on the callback."""

    way_back: str
    confirm_key: str
    reason: str


_OFFERS = {
    "hold": _Offer(answers.HOLD, "hold.callback_confirm", "on_hold"),
    "closed": _Offer(answers.CLOSED, "closed.callback_confirm", "after_hours"),
    "busy": _Offer(BUSY, "hold.busy_confirm", "queue_full"),  # not "stay in line": it is full
    "failing": _Offer(FAILING, "hold.failing_confirm", "queue_error"),
}


_ENDS_THE_CALL = frozenset({"failing"})
"""Offers whose "no callback after all" is a goodbye: a wrong key or silence there first gets the usual
reprompt once (as every menu does: `MAX_REPROMPTS`), never the goodbye at once."""
MAX_REPROMPTS = 1


def _back(language: str | None, mode: str, seq: int | None, n: int = 0) -> str:
    if mode == "hold":  # the hold loop changes nothing: it needs no step number
        return url_for(_OFFERS[mode].way_back, **lang_query(language))
    return url_for(_OFFERS[mode].way_back, **lang_query(language), **step_query(seq), **tries_query(n))


def _reprompts() -> int:
    return request.args.get("n", default=0, type=int)


def _again_or_stay(language: str | None, mode: str, seq: int | None, sorry: str) -> Response:
    """A wrong key (`sorry` = common.nomatch_1) or silence (common.noinput_1) at a callback offer:
    where staying would end the call, the offer again once, with the usual words first; then `_stay`."""
    n = _reprompts()
    if mode in _ENDS_THE_CALL and n < MAX_REPROMPTS:
        return _offer_callback(language, mode, seq, before=[sorry], n=n + 1)
    return _stay(language, mode, seq)


# -- the step each answer belongs to -----------------------------------------------------------------
# Every URL below that can change something carries `s`, the call's step (`Call.last_seq`) when it was
# asked, as /voice/step's URLs do; a request whose `s` is not the call's step now is a retry or a late
# copy, and gets the newest answer again (`Call.last_twiml`) without changing anything. A request with
# no `s` (a URL given before this rule) is taken as it comes.


def _asked_at() -> int | None:
    return request.args.get("s", type=int)


def _current_seq() -> int | None:
    """The call's step now (`ivr.calls.waiting.current_seq`); None when unknown (its URLs then carry no step)."""
    return wait.current_seq(signed.current().call_sid)


def _answered_before(seq: int | None) -> Response | None:
    """The newest answer again when this request is a retry or a late copy; None otherwise."""
    body = wait.answered_before(signed.current().call_sid, seq)
    return xml(body) if body is not None else None


# -- the agents' queue is full -----------------------------------------------------------------------


def queue_full_response(language: str | None) -> Response:
    """The queue refused the caller: say so and offer a callback; silence or 3 tries the queue again."""
    return _offer_callback(known(language), "busy", _current_seq(), before=["hold.busy"])


def queue_failing_response(language: str | None) -> Response:
    """The queue failed again and again (config.QUEUE_RETRIES): offer a callback; staying in line is
    not offered, since the line is what fails; no callback after all ends the call with a goodbye."""
    return _offer_callback(known(language), "failing", _current_seq(), before=["hold.queue_failing"])


@bp.post("/failing")
def failing() -> Response:
    """Silence at the callback offer of a failing queue: the offer again once, then "call us again
    later" and goodbye."""
    return _answered_before(_asked_at()) or _again_or_stay(known(request.args.get("lang")), "failing", _asked_at(),
                                                           "common.noinput_1")


@bp.post("/busy")
def busy() -> Response:
    """Another try at the agents' queue, after it was full and the caller chose to wait."""
    return _answered_before(_asked_at()) or _line_again(known(request.args.get("lang")), [])


def _line_again(language: str | None, before: list[str]) -> Response:
    urls = twiml.Urls(step="", noinput="", hold=url_for(answers.HOLD, **lang_query(language)),
                      queue_done=url_for(answers.QUEUE_DONE, **lang_query(language)))
    texts = say(before + ["hold.try_again"], speaking(language))
    return xml(twiml.say_then(texts, voices(), enqueue=(faults.fault_queue(language, store().current.languages), urls)))


def _offer_callback(language: str | None, mode: str, seq: int | None, before: list[str] | None = None,
                    n: int = 0) -> Response:
    """Confirm the caller ID as the number to call back, or ask for one; a caller ID past its hourly
    rate of requests hears that theirs are recorded and stays in line (or at the after-hours choices)."""
    if wait.over_rate(_line(), signed.current().caller, calls.now_utc()):
        return _over_rate(language, mode, seq, before or [])
    number = _caller_number()
    if number is None:
        return _ask_number(language, mode, seq, tries=0, before=before or [], n=n)
    texts = say([*(before or []), _OFFERS[mode].confirm_key], speaking(language), {"number": number})
    return xml(twiml.question(texts, url_for(CONFIRM, mode=mode, **lang_query(language), **step_query(seq),
                                             **tries_query(n)),
                              _back(language, mode, seq, n), voices(), language=listening(language), timeout=8))


def _over_rate(language: str | None, mode: str, seq: int | None, before: list[str]) -> Response:
    log.info("call %s: callback refused, its caller ID made %s requests within the hour",
             signed.current().call_sid or "?", _line().budgets.callbacks_per_hour)
    return _stay(language, mode, seq, before=before + ["hold.callback_limit"])


def _ask_number(language: str | None, mode: str, seq: int | None, tries: int, before: list[str],
                n: int = 0) -> Response:
    texts = say(before + ["hold.callback_number"], speaking(language))
    return xml(twiml.question(texts, url_for(NUMBER, mode=mode, tries=tries, **lang_query(language),
                                             **step_query(seq), **tries_query(n)),
                              _back(language, mode, seq, n), voices(), language=listening(language), num_digits=None,
                              timeout=12, finish_on_key="#"))


@bp.post("/callback/confirm")
def confirm() -> Response:
    language, mode, seq = known(request.args.get("lang")), _mode(), _asked_at()
    answered = _answered_before(seq)
    if answered is not None:
        return answered
    digits = signed.current().digits or ""
    if digits == "1" and _caller_number() is not None:
        return _save_callback(language, mode, _caller_number() or "", seq)
    if digits == "2":
        return _ask_number(language, mode, seq, tries=0, before=[], n=_reprompts())
    return _again_or_stay(language, mode, seq, "common.nomatch_1")


@bp.post("/callback/number")
def number() -> Response:
    language, mode, seq = known(request.args.get("lang")), _mode(), _asked_at()
    answered = _answered_before(seq)
    if answered is not None:
        return answered
    tries = request.args.get("tries", default=0, type=int)
    check = check_callback_number(signed.current().digits or "")
    if check.number is not None:
        return _save_callback(language, mode, check.number, seq)
    refused = _refused_number_prompt(check)
    if tries + 1 >= MAX_NUMBER_TRIES:
        return _stay(language, mode, seq, before=[refused])
    return _ask_number(language, mode, seq, tries=tries + 1, before=[refused], n=_reprompts())


def _mode() -> str:
    mode = request.args.get("mode") or "hold"
    return mode if mode in _OFFERS else "hold"


def _stay(language: str | None, mode: str, seq: int | None, before: list[str] | None = None) -> Response:
    """No callback after all: back in line on hold, to the queue again, or to the after-hours choices."""
    if mode == "busy":
        return _line_again(language, before or [])
    if mode == "failing":
        return xml(twiml.say_then(say([*(before or []), "hold.failing_goodbye"], speaking(language)), voices(),
                                  hangup=True))
    if mode == "closed":
        return xml(answers.closed_twiml(language, say(before or [], speaking(language)), calls.now_utc(), repeat=0,
                                        seq=seq))
    keys = (before or []) + ["hold.back_in_line"]
    return xml(twiml.say_then(say(keys, speaking(language)), voices(), redirect=_back(language, mode, seq)))


def _save_callback(language: str | None, mode: str, number: str, seq: int | None) -> Response:
    """Store the request and move the call one step on (`ivr.calls.waiting.save_callback`): on hold the
    caller then leaves the queue, elsewhere the call ends."""
    saved = wait.save_callback(
        _line(), signed.current().call_sid, number, language, _OFFERS[mode].reason, mode, seq,
        speaking(language),
        lambda texts: twiml.say_then(texts, voices(), leave=mode == "hold", hangup=mode != "hold"))
    if saved.unknown:
        return _unknown_call(language, mode)
    if saved.over_rate:
        return _over_rate(language, mode, seq, [])
    return xml(saved.body)


def _unknown_call(language: str | None, mode: str) -> Response:
    """An answer on hold or after hours for a call the database does not know (it could not record
    it): on hold the caller keeps their place; elsewhere an apology and a goodbye, never "I'm
    transferring you" before a hang-up."""
    log.warning("call %s is unknown to the database (%s)", signed.current().call_sid or "?", mode)
    if mode == "hold":
        return answers.fault_while_waiting(language)
    return xml(twiml.say_then(say(["closed.fault", "hold.failing_goodbye"], speaking(language)), voices(),
                              hangup=True))


# -- after hours ------------------------------------------------------------------------------------


@bp.post("/closed")
def closed() -> Response:
    """The after-hours message again after silence, with the usual words first; goodbye after a second
    silence or wrong key (`answers.closed_twiml`)."""
    language, seq, n = known(request.args.get("lang")), _asked_at(), _reprompts()
    sorry = say(["common.noinput_1"], speaking(language)) if 0 < n <= MAX_REPROMPTS else []
    return _answered_before(seq) or xml(answers.closed_twiml(language, sorry, calls.now_utc(), repeat=n, seq=seq))


@bp.post("/closed/key")
def closed_key() -> Response:
    """1: leave a callback request; 2: back to self-service; star: hear it again; any other key counts
    as silence does (the usual words, the choices again once, then goodbye)."""
    raw, seq = request.args.get("lang"), _asked_at()
    language = known(raw)
    answered = _answered_before(seq)
    if answered is not None:
        return answered
    digits = signed.current().digits or ""
    if digits == "1":
        return _offer_callback(language, "closed", seq)
    if digits == "2":
        return _back_to_self_service(language, seq)
    n = _reprompts()
    if digits == "*":
        return xml(answers.closed_twiml(language, [], calls.now_utc(), repeat=n, seq=seq))
    sorry = say(["common.nomatch_1"], speaking(language)) if n < MAX_REPROMPTS else []
    return xml(answers.closed_twiml(language, sorry, calls.now_utc(), repeat=n + 1, seq=seq))


def _back_to_self_service(language: str | None, seq: int | None) -> Response:
    answer = wait.back_to_self_service(_line(), signed.current().call_sid, seq, answers.render)
    if answer is None:
        return _unknown_call(language, "closed")
    return answers.respond(answer)


def survey_response(language: str | None) -> Response:
    """After an agent call: the one optional question, 1 to 5 by keypad or speech. Silence, # or
    any other answer ends the call politely; 0 is not a way back to the queue here (a second person
    would be a repeat contact: the caller calls again if they need one), it skips the question."""
    language = known(language)
    texts = say(["survey.question"], speaking(language))
    goodbye = url_for(SURVEY, **lang_query(language))
    return xml(twiml.question(texts, goodbye, goodbye, voices(), language=listening(language), timeout=6,
                              speech=True))


def survey_answer_response() -> Response:
    """The answer after an agent call: a score (1 to 5, pressed or said) is kept and thanked; anything
    else, or nothing, is kept as skipped and ends with a goodbye."""
    twilio = signed.current()
    language = known(request.args.get("lang"))
    key = twilio.digits
    if not key and twilio.speech:
        key = store().current.vocabulary(speaking(language)).keys_said(twilio.speech)
    score = int(key) if key and key.isdigit() and int(key) in range(1, 6) else None
    wait.survey_answered(_line(), twilio.call_sid, score)
    ending = "survey.thanks" if score is not None else "hold.goodbye"
    return xml(twiml.say_then(say([ending], speaking(language)), voices(), hangup=True))
