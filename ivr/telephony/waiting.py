"""Waiting for a person: the hold loop, callback requests, and what 0 does after hours.

The engine only says "transfer"; whether agents are in is decided here, at the edge, from
flows/hours.yaml and the clock, so the engine stays pure and the same flows run at any hour.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from functools import wraps
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from flask import Blueprint, Flask, Response, current_app, request, url_for

from ivr import calls, deadline
from ivr.store import calls as callstore
from ivr.store import db
from ivr.calls import faults, line
from ivr.calls import step as call_step
from ivr.telephony import answers, twiml
from ivr import config
from ivr.config import ConfigError
from ivr.engine import CallState, FlowSet, NoInput, Turn, TurnKind, new_call
from ivr.engine.languages import with_voices
from ivr.engine.phones import NumberCheck, Refusal, callable_number, check_number
from ivr.content.flowstore import languages, store
from ivr.engine.hours import Hours, HoursError
from ivr.store.models.calls import Call, JourneyEvent
from ivr.services import callbacks
from ivr.services.changes import local_zone
from ivr.telephony import signed

log = logging.getLogger(__name__)

bp = Blueprint("waiting", __name__, url_prefix="/voice/wait")
bp.before_request(signed.verify)  # the same rule as every /voice URL: only Twilio's signed requests

SELF_SERVICE_RETURN = "main/menu"  # where "back to the automated service" lands once a language is chosen
MAX_NUMBER_TRIES = 2
CALLBACK_REQUESTS_PER_HOUR = config.CALLBACK_REQUESTS_PER_HOUR



def _never_fail(view):
    """A fault here still ends with a person: the voice webhook's apology and queue."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except Exception as error:  # the caller must reach a person whatever broke
            log.exception("fault on call %s in %s: %s", signed.current().call_sid or "?", view.__name__,
                          type(error).__name__)
            db.session().rollback()
            if view.__name__ in ("confirm", "number") and _mode() == "hold":  # asked while in the queue
                return answers.fault_while_waiting(request.args.get("lang"))
            return answers.xml(answers.fault_twiml())

    return wrapper


# -- hours -------------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Load agent hours once (flows/hours.yaml, or IVR_HOURS_FILE).

    The demo and the tests have agents at any hour, so a transfer can be tried day and night,
    unless they name an hours file (HOURS_FILE in the config, or IVR_HOURS_FILE).
    """
    app.register_blueprint(bp)
    path = app.config.get("HOURS_FILE") or None
    if path is None and not (app.config.get("TESTING") or app.config.get("DEMO")):
        path = Path(app.config["FLOWS_DIR"]) / "hours.yaml"
    hours = None
    if path is not None and Path(path).exists():
        try:
            hours = Hours.from_file(path)
        except HoursError as error:
            raise ConfigError(f"the agent hours cannot be used:\n{error}") from None
    elif path is not None:
        log.warning("no %s: agents are treated as always available", path)
    app.extensions["ivr.hours"] = hours


def hours() -> Hours | None:
    return current_app.extensions.get("ivr.hours")


def agents_open(now: datetime) -> bool:
    current = hours()
    return current is None or current.is_open(now)


def callback_due(now: datetime) -> date:
    """The day an agent is expected to call back: today while open, else the next business day.
    "Today" is the contact centre's day (services.changes.local_zone), the one the caller is told,
    also when agents are treated as always available (demo, tests: no hours loaded)."""
    current = hours()
    if current is None:
        return now.astimezone(local_zone()).date()
    if current.is_open(now):
        return now.astimezone(current.zone).date()
    opening = current.next_opening(now)
    if opening is not None:
        return opening.astimezone(current.zone).date()
    return current.next_business_day(now)


# -- words -------------------------------------------------------------------------------------


def _wait_minutes(position: int, average: int) -> int:
    """Rounded, never zero: "about N minutes"."""
    return max(1, round(max(average, 60 * position) / 60))


# -- the hold loop (Enqueue's waitUrl) --------------------------------------------------------------


def hold_response() -> Response:
    """The words on hold, in the caller's language, or in French then English when it is not known.

    Twilio asks this URL only for a caller in an agents' queue, again and again while they wait, so
    each request also makes sure the desktop lists them (`note_waiting`)."""
    language = answers.known(request.args.get("lang"))
    note_waiting(language)
    twilio = signed.current()
    position = twilio.queue_position or 1
    average = twilio.average_queue_time or 0
    minutes = _wait_minutes(position, average)
    keys = ["hold.position", "hold.wait_one" if minutes == 1 else "hold.wait_many", "hold.callback_offer",
            "hold.stay"]
    texts = answers.say(keys, answers.speaking(language), {"position": position, "minutes": minutes})
    return answers.xml(twiml.hold_loop(texts, answers.listening(language), url_for("voice.hold_key", **answers.lang_query(language)),
                                url_for("voice.hold", **answers.lang_query(language)), answers.voices()))


def hold_key_response() -> Response:
    """1 asks for a callback; 0 is answered (they are already waiting); any other key explains."""
    language = answers.known(request.args.get("lang"))
    digits = signed.current().digits or ""
    if digits == "1":
        return _offer_callback(language, "hold", _current_seq())
    key = "hold.already_waiting" if digits == "0" else "hold.keys_help"
    return answers.xml(twiml.hold_loop(answers.say([key], answers.speaking(language)), answers.listening(language),
                                url_for("voice.hold_key", **answers.lang_query(language)), url_for("voice.hold", **answers.lang_query(language)),
                                answers.voices(), pause=5))


def note_waiting(language: str | None) -> None:
    """Record the caller of this wait-URL request as waiting (`callstore.note_waiting`), so who is
    waiting does not depend on the one write that just failed: created with what is known (caller
    ID, language, queue, reached through a fault) when the call is unknown. Within a budget of its
    own; a failure is logged and the caller hears the hold loop all the same."""
    twilio = signed.current()
    if not twilio.call_sid:
        return
    waiting = callstore.Waiting(twilio.call_sid, twilio.caller, twilio.called, language,
                                faults.fault_queue(language, languages()))
    try:
        with deadline.within(faults.RECORD_BUDGET_S):
            flowset = store().current
            state = replace(new_call(flowset), language=language).to_dict()
            callstore.note_waiting(db.connection(), waiting, flowset.version, state, calls.now_utc())
    except Exception as error:  # the database may still be down: the next request of the loop tries again
        log.warning("could not record call %s as waiting: %s", twilio.call_sid, type(error).__name__)
        db.discard_session()


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
    "hold": _Offer("voice.hold", "hold.callback_confirm", "on_hold"),
    "closed": _Offer("waiting.closed", "closed.callback_confirm", "after_hours"),
    "busy": _Offer("waiting.busy", "hold.busy_confirm", "queue_full"),  # not "stay in line": it is full
    "failing": _Offer("waiting.failing", "hold.failing_confirm", "queue_error"),
}


_ENDS_THE_CALL = frozenset({"failing"})
"""Offers whose "no callback after all" is a goodbye: a wrong key or silence there first gets the usual
reprompt once (as every menu does: `MAX_REPROMPTS`), never the goodbye at once."""
MAX_REPROMPTS = 1


def _back(language: str | None, mode: str, seq: int | None, n: int = 0) -> str:
    if mode == "hold":  # the hold loop changes nothing: it needs no step number
        return url_for(_OFFERS[mode].way_back, **answers.lang_query(language))
    return url_for(_OFFERS[mode].way_back, **answers.lang_query(language), **answers.step_query(seq), **answers.tries_query(n))


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
    """The call's step now, for the URLs of an answer that a URL without `s` asked for (a key on hold,
    a full queue); None when the call is unknown or cannot be read (its URLs then carry no step)."""
    try:
        seen = callstore.read(db.connection(), signed.current().call_sid)
    except Exception:  # the offer must not fail for want of a step number
        log.warning("could not read the step of call %s", signed.current().call_sid or "?")
        db.discard_session()
        return None
    return seen.last_seq if seen is not None else None


def _answered_before(seq: int | None) -> Response | None:
    """The newest answer again when this request is a retry or a late copy; None otherwise."""
    if seq is None:
        return None
    seen = callstore.read(db.connection(), signed.current().call_sid)
    if seen is not None and callstore.answered_already(seen, seq):
        return answers.xml(seen.last_twiml or "")
    return None


# -- the agents' queue is full -----------------------------------------------------------------------


def queue_full_response(language: str | None) -> Response:
    """The queue refused the caller: say so and offer a callback; silence or 3 tries the queue again."""
    return _offer_callback(answers.known(language), "busy", _current_seq(), before=["hold.busy"])


def queue_failing_response(language: str | None) -> Response:
    """The queue failed again and again (config.QUEUE_RETRIES): offer a callback; staying in line is
    not offered, since the line is what fails; no callback after all ends the call with a goodbye."""
    return _offer_callback(answers.known(language), "failing", _current_seq(), before=["hold.queue_failing"])


@bp.post("/failing")
@_never_fail
def failing() -> Response:
    """Silence at the callback offer of a failing queue: the offer again once, then "call us again
    later" and goodbye."""
    return _answered_before(_asked_at()) or _again_or_stay(answers.known(request.args.get("lang")), "failing", _asked_at(),
                                                           "common.noinput_1")


@bp.post("/busy")
@_never_fail
def busy() -> Response:
    """Another try at the agents' queue, after it was full and the caller chose to wait."""
    return _answered_before(_asked_at()) or _line_again(answers.known(request.args.get("lang")), [])


def _line_again(language: str | None, before: list[str]) -> Response:
    urls = twiml.Urls(step="", noinput="", hold=url_for("voice.hold", **answers.lang_query(language)),
                      queue_done=url_for("voice.queue_done", **answers.lang_query(language)))
    texts = answers.say(before + ["hold.try_again"], answers.speaking(language))
    return answers.xml(twiml.say_then(texts, answers.voices(), enqueue=(faults.fault_queue(language, languages()), urls)))


def _offer_callback(language: str | None, mode: str, seq: int | None, before: list[str] | None = None,
                    n: int = 0) -> Response:
    """Confirm the caller ID as the number to call back, or ask for one; a caller ID past its hourly
    rate of requests hears that theirs are recorded and stays in line (or at the after-hours choices)."""
    if callbacks.over_rate(db.session(), signed.current().caller, _rate(), calls.now_utc()):
        return _over_rate(language, mode, seq, before or [])
    number = _caller_number()
    if number is None:
        return _ask_number(language, mode, seq, tries=0, before=before or [], n=n)
    texts = answers.say([*(before or []), _OFFERS[mode].confirm_key], answers.speaking(language), {"number": number})
    return answers.xml(twiml.question(texts, url_for("waiting.confirm", mode=mode, **answers.lang_query(language), **answers.step_query(seq),
                                              **answers.tries_query(n)),
                               _back(language, mode, seq, n), answers.voices(), language=answers.listening(language), timeout=8))


def _rate() -> int:
    return int(current_app.config.get("CALLBACK_REQUESTS_PER_HOUR") or CALLBACK_REQUESTS_PER_HOUR)


def _over_rate(language: str | None, mode: str, seq: int | None, before: list[str]) -> Response:
    log.info("call %s: callback refused, its caller ID made %s requests within the hour",
             signed.current().call_sid or "?", _rate())
    return _stay(language, mode, seq, before=before + ["hold.callback_limit"])


def _ask_number(language: str | None, mode: str, seq: int | None, tries: int, before: list[str],
                n: int = 0) -> Response:
    texts = answers.say(before + ["hold.callback_number"], answers.speaking(language))
    return answers.xml(twiml.question(texts, url_for("waiting.number", mode=mode, tries=tries, **answers.lang_query(language),
                                              **answers.step_query(seq), **answers.tries_query(n)),
                               _back(language, mode, seq, n), answers.voices(), language=answers.listening(language), num_digits=None,
                               timeout=12, finish_on_key="#"))


@bp.post("/callback/confirm")
@_never_fail
def confirm() -> Response:
    language, mode, seq = answers.known(request.args.get("lang")), _mode(), _asked_at()
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
@_never_fail
def number() -> Response:
    language, mode, seq = answers.known(request.args.get("lang")), _mode(), _asked_at()
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
        return answers.xml(twiml.say_then(answers.say([*(before or []), "hold.failing_goodbye"], answers.speaking(language)), answers.voices(),
                                   hangup=True))
    if mode == "closed":
        return answers.xml(answers.closed_twiml(language, answers.say(before or [], answers.speaking(language)), calls.now_utc(), repeat=0,
                                  seq=seq))
    keys = (before or []) + ["hold.back_in_line"]
    return answers.xml(twiml.say_then(answers.say(keys, answers.speaking(language)), answers.voices(), redirect=_back(language, mode, seq)))


def _save_callback(language: str | None, mode: str, number: str, seq: int | None) -> Response:
    """Store the request (one open callback per number), count it against the caller ID's rate,
    and move the call one step on, with its answer kept for retries; all in one transaction."""
    session = db.session()
    now = calls.now_utc()
    call = calls.load_call(session, signed.current().call_sid)
    if call is None:
        return _unknown_call(language, mode)
    if seq is not None and callstore.answered_already(call, seq):  # another copy got the lock first
        session.rollback()
        return answers.xml(call.last_twiml or "")
    if not callbacks.take_from_rate(session, call.caller, _rate(), now):
        session.rollback()
        return _over_rate(language, mode, seq, [])
    step = call.last_seq + 1
    callbacks.request_callback(session, call, number=number, language=language or "", reason=_OFFERS[mode].reason,
                               due=callback_due(now), now=now, seq=step, position=_position(call),
                               detail={"mode": mode})
    texts = []
    for lang in answers.speaking(language):
        texts += answers.say([_when_key(now)], (lang,), {"number": number, "when": _when(now, lang)})
    texts += answers.say(["hold.goodbye"], answers.speaking(language))
    body = twiml.say_then(texts, answers.voices(), leave=mode == "hold", hangup=mode != "hold")
    call.status = "callback"
    call.state = {**(call.state or {}), "seq": step}
    call.last_seq, call.last_twiml, call.updated_at = step, body, now
    session.commit()
    log.info("call %s asked to be called back (%s)", call.call_sid, mode)
    return answers.xml(body)


def _unknown_call(language: str | None, mode: str) -> Response:
    """An answer on hold or after hours for a call the database does not know (it could not record
    it): on hold the caller keeps their place; elsewhere an apology and a goodbye, never "I'm
    transferring you" before a hang-up."""
    log.warning("call %s is unknown to the database (%s)", signed.current().call_sid or "?", mode)
    if mode == "hold":
        return answers.fault_while_waiting(language)
    return answers.xml(twiml.say_then(answers.say(["closed.fault", "hold.failing_goodbye"], answers.speaking(language)), answers.voices(),
                               hangup=True))


def _position(call: Call) -> str:
    return str((call.state or {}).get("position", ""))


def _when_key(now: datetime) -> str:
    current = hours()
    if current is None or current.is_open(now):
        return "hold.callback_today"
    return "hold.callback_later" if current.next_opening(now) is not None else "hold.callback_soon"


def _when(now: datetime, language: str) -> str:
    current = hours()
    if current is None:
        return ""
    return current.describe_next_opening(now, language, store().current.prompts) or ""


def note_wait_ended(session: Any, call: Call, result: str, seconds: int | None) -> None:
    """How the wait ended (bridged, hung up, left for a callback), kept in the call's journey."""
    session.add(JourneyEvent(call_sid=call.call_sid, seq=call.last_seq, at=calls.now_utc(), position=_position(call),
                             kind="queue", event=(result or "unknown")[:40], detail={"seconds": seconds}))


# -- after hours ------------------------------------------------------------------------------------


def queue_after_fault(call_sid: str, error: str) -> str | None:
    """After a fault in the webhook the caller goes to the queue: the desktop must see them there too.

    Returns the call's language (None when unknown), so the apology is said in it.
    """
    if not call_sid:
        return None
    try:
        session = db.session()
        call = session.get(Call, call_sid)
        if call is None:
            return None
        if call.status in ("in_ivr", "queued"):
            now = calls.now_utc()
            call.status = "queued" if agents_open(now) else "after_hours"
            call.transfer_reason = call.transfer_reason or "fault"
            call.queue = call.queue or languages().queue(call.language)
            call.queued_at = call.queued_at or now
            session.add(JourneyEvent(call_sid=call_sid, seq=call.last_seq, at=now, position=_position(call),
                                     kind="fault", event="fault", detail={"error": error[:40]}))
            session.commit()
        return call.language
    except Exception:  # the database may be what failed: the caller is queued all the same
        log.warning("could not note the fault on call %s", call_sid)
        try:
            db.session().rollback()
        except Exception:  # pragma: no cover
            pass
        return None


@bp.post("/closed")
@_never_fail
def closed() -> Response:
    """The after-hours message again after silence, with the usual words first; goodbye after a second
    silence or wrong key (`_closed_twiml`)."""
    language, seq, n = answers.known(request.args.get("lang")), _asked_at(), _reprompts()
    sorry = answers.say(["common.noinput_1"], answers.speaking(language)) if 0 < n <= MAX_REPROMPTS else []
    return _answered_before(seq) or answers.xml(answers.closed_twiml(language, sorry, calls.now_utc(), repeat=n, seq=seq))


@bp.post("/closed/key")
@_never_fail
def closed_key() -> Response:
    """1: leave a callback request; 2: back to self-service; star: hear it again; any other key counts
    as silence does (the usual words, the choices again once, then goodbye)."""
    raw, seq = request.args.get("lang"), _asked_at()
    language = answers.known(raw)
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
        return answers.xml(answers.closed_twiml(language, [], calls.now_utc(), repeat=n, seq=seq))
    sorry = answers.say(["common.nomatch_1"], answers.speaking(language)) if n < MAX_REPROMPTS else []
    return answers.xml(answers.closed_twiml(language, sorry, calls.now_utc(), repeat=n + 1, seq=seq))


def _back_to_self_service(language: str | None, seq: int | None) -> Response:
    session = db.session()
    call = calls.load_call(session, signed.current().call_sid)
    if call is None:
        return _unknown_call(language, "closed")
    if seq is not None and callstore.answered_already(call, seq):  # another copy got the lock first
        session.rollback()
        return answers.xml(call.last_twiml or "")
    flowset = store().for_version(call.flow_version)
    state = CallState.from_dict(call.state)
    target = SELF_SERVICE_RETURN if state.language and _exists(flowset, SELF_SERVICE_RETURN) else flowset.start()
    state = replace(state, position=target, stack=[], awaiting="moving", finished=None, transfer_reason=None,
                    noinput=0, nomatch=0)
    call.state = state.to_dict()
    call.status = "in_ivr"
    result = calls.run_step(session, flowset, call, NoInput())
    return answers.respond(call_step.finish(line.of(current_app), call, result, answers.render))


def _exists(flowset: FlowSet, position: str) -> bool:
    try:
        flowset.step(position)
    except (KeyError, LookupError):
        return False
    return True
