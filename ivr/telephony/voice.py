"""The Twilio webhook: signature check, CallSid to state, engine, TwiML back.

Whatever goes wrong while handling a step, Twilio gets a 200 with TwiML that apologises and
queues the caller for an agent: a caller never hears a dead line because of us.
"""

from __future__ import annotations

import logging
from functools import wraps

from flask import Blueprint, Response, abort, current_app, request, url_for
from sqlalchemy.exc import IntegrityError

from ivr import calls, config, deadline
from ivr.calls import action_budget
from ivr.store import calls as callstore
from ivr.calls import console
from ivr.store import db
from ivr.calls import faults
from ivr.telephony import recording
from ivr.telephony import twiml
from ivr.telephony import waiting
from ivr.engine import CallState, Digits, FlowSet, NoInput, Speech, Start, Turn, TurnKind, new_call
from ivr.content.flowstore import languages, store
from ivr.store.models.calls import Call
from ivr.telephony import outcomes, signed

log = logging.getLogger(__name__)

bp = Blueprint("voice", __name__, url_prefix="/voice")
bp.before_request(signed.verify)


def _xml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


STEP_BUDGET_S = 2.0  # past this, Twilio has kept the caller in silence long enough: go to a person


def _urls(seq: int, language: str | None, requeued: int = 0) -> twiml.Urls:
    # The language rides in the step URL so a fault can apologise in it without the database;
    # the hold loop speaks it, or French then English for a caller who never chose one. The
    # <Enqueue> action carries it too, and how many times a failed queue was tried again (`r`).
    # Every URL calls it `lang=` (LANGUAGE_PARAMETER).
    known = f"&{LANGUAGE_PARAMETER}={language}" if languages().known(language) else ""
    step = _path("voice.step")
    done = "&".join(part for part in (known[1:], f"r={requeued}" if requeued else "") if part)
    return twiml.Urls(
        step=f"{step}?s={seq}{known}",
        noinput=f"{step}?s={seq}&timeout=1{known}",
        hold=_path("voice.hold") + (f"?{known[1:]}" if known else ""),
        queue_done=_path("voice.queue_done") + (f"?{done}" if done else ""),
        audio_base="/audio",
    )


_PATHS: dict[tuple[str, str], str] = {}


def _path(endpoint: str) -> str:
    """url_for, once per mount point: it costs more than the rest of a step's URLs together."""
    key = (request.script_root, endpoint)
    if key not in _PATHS:
        _PATHS[key] = url_for(endpoint)
    return _PATHS[key]


def _voices() -> twiml.Voices:
    return waiting.voices()


def _never_fail(view):
    """Any fault in a step, or a database slower than the budget: apologise, queue for an agent.

    The step's transaction is rolled back whole, so the caller is never told that something was
    saved when it was not; what the agent needs is then recorded apart (`waiting.queue_after_fault`).
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            with deadline.within(current_app.config.get("STEP_BUDGET_S", STEP_BUDGET_S)):
                return view(*args, **kwargs)
        except Exception as error:  # the caller must reach a person whatever broke
            call_sid = signed.current().call_sid
            log.error("fault on call %s in %s: %s", call_sid or "?", view.__name__, type(error).__name__,
                      exc_info=not isinstance(error, deadline.DeadlineExceeded))
            db.discard_session()
            if view.__name__ in WAITING_VIEWS:  # the caller is in the queue: no <Enqueue> there, keep their place
                return waiting.fault_while_waiting(request.args.get("lang"))
            language = _caller_language()
            if view.__name__ in ("incoming", "step"):  # the caller is being sent to an agent: say so
                try:
                    with deadline.within(faults.RECORD_BUDGET_S, fresh=True):
                        on_file = waiting.queue_after_fault(call_sid, type(error).__name__)
                    language = language or on_file
                except Exception:  # the database that failed the step may fail this too
                    log.warning("could not record the fault on call %s", call_sid or "?")
            return _xml(_fault_twiml(language))

    return wrapper


WAITING_VIEWS = ("hold", "hold_key")
"""The views that answer Twilio's <Enqueue> waitUrl and its <Gather>: their documents are wait-URL documents."""


LANGUAGE_PARAMETER = "lang"
"""The query parameter that carries a caller's language in every URL given to Twilio."""
OLD_LANGUAGE_PARAMETER = "l"
"""What step URLs called it before issue 15 (the hold, queue and after-hours URLs already said lang=):
still read, so a call in progress during the upgrade, whose next step URL Twilio already holds, keeps
its language. Safe to remove once no call started before the upgrade is still going (a day after)."""


def _caller_language() -> str | None:
    return _known(request.args.get(LANGUAGE_PARAMETER) or request.args.get(OLD_LANGUAGE_PARAMETER))


def _fault_twiml(language: str | None = None, requeued: int = 0) -> str:
    """A short apology (in the caller's language, or both) and the agent queue; needs no database.

    With no agent in (after hours), the apology comes with the after-hours choices instead.
    `requeued` counts the failed queues before this one; the <Enqueue> action carries it on.
    """
    closed = waiting.after_hours_fault(language)
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
    return twiml.say_then(texts, _voices(), enqueue=(faults.fault_queue(language, languages()), _urls(0, language, requeued)))


def _respond(call: Call, result: calls.StepResult, first_turn: bool = False) -> Response:
    recording.follow(db.session(), call, _flows_for(call), result.state, first_turn)
    body = waiting.after_hours(call, result.turn, _flows_for(call)) or twiml.render(
        result.turn, _urls(result.state.seq, result.state.language), _voices())
    call.last_twiml = body
    callstore.write_back(db.session(), call)
    db.session().commit()
    return _xml(body)


def _flows_for(call: Call | callstore.CallRow) -> FlowSet:
    return store().for_version(call.flow_version)


@bp.post("/incoming")
@_never_fail
def incoming() -> Response:
    """Twilio's 'a call comes in' URL: greet the caller."""
    twilio = signed.current()
    call_sid = twilio.call_sid
    if not call_sid:
        abort(400)
    seen = callstore.read(db.connection(), call_sid)
    if seen is not None and seen.last_twiml:  # Twilio retried: same answer, no new call
        return _xml(seen.last_twiml)
    start = console.from_form(twilio.console, current_app.config)  # demo and test servers only
    if seen is None and start is None and not recording.enabled():
        answer = _greet(call_sid)
        if answer is not None:
            return answer
    session = db.session()
    try:
        result = calls.start_call(session, store().current, call_sid, twilio.caller, twilio.called, start)
    except IntegrityError:  # the same greeting delivered twice at once: the other one won
        session.rollback()
        existing = calls.load_call(session, call_sid)
        if existing is None or not existing.last_twiml:
            raise
        return _xml(existing.last_twiml)
    log.info("call %s started on flows %s", call_sid, result.call.flow_version)
    return _respond(result.call, recording.with_notice(result, store().current), first_turn=True)


def _greet(call_sid: str) -> Response | None:
    """The greeting saved in one statement with the new call, when it leads to a question (it
    always does in the shipped flows); None when it runs an action, transfers or hangs up."""
    flowset = store().current
    first = new_call(flowset)
    turn, state = calls.plan_step(flowset, first, Start())
    if turn.kind is TurnKind.ACTION:  # recorded first, then its actions run as any step's do
        return _greet_with_actions(call_sid, flowset, first, (turn, state))
    if not calls.changes_only_the_call(turn) or turn.kind is TurnKind.TRANSFER:
        return None
    body = twiml.render(turn, _urls(state.seq, state.language), _voices())
    twilio = signed.current()
    try:
        callstore.add_answered_call(db.connection(), call_sid, twilio.caller, twilio.called,
                                    flowset.version, state.to_dict(), state.language, state.seq, body,
                                    turn.journey, calls.now_utc())
    except IntegrityError:  # the same greeting delivered twice at once: the other one won
        seen = callstore.read(db.connection(), call_sid)
        if seen is None or not seen.last_twiml:
            raise
        return _xml(seen.last_twiml)
    log.info("call %s started on flows %s", call_sid, flowset.version)
    return _xml(body)


def _greet_with_actions(call_sid: str, flowset: FlowSet, first: CallState,
                        planned: tuple[Turn, CallState]) -> Response:
    """A greeting that starts with backend actions (a lookup of the caller ID, say): the new call is
    saved as it stands before them, in a short transaction of its own, then they run like any
    step's, holding no lock while they wait (`_answer_with_actions`)."""
    twilio = signed.current()
    connection = db.connection()
    try:
        callstore.add_answered_call(connection, call_sid, twilio.caller, twilio.called, flowset.version,
                                    first.to_dict(), first.language, first.seq, None, (), calls.now_utc())
    except IntegrityError:  # the same greeting delivered twice at once: the other one answers it
        seen = callstore.read(connection, call_sid)
        if seen is None or not seen.last_twiml:
            raise
        return _xml(seen.last_twiml)
    seen = callstore.read(connection, call_sid)
    if seen is None:
        raise LookupError(f"call {call_sid} was saved but cannot be read back")
    log.info("call %s started on flows %s", call_sid, flowset.version)
    return _answer_with_actions(seen, planned)


@bp.post("/step")
@_never_fail
def step() -> Response:
    """Where every <Gather> posts, and where silence redirects.

    A step that changes nothing but the call (another question, or the queue while agents are in)
    is computed from the call as read and saved with a compare-and-set, so SQLite's single writer
    is held for two statements; one that runs an action or ends the call runs with the call locked,
    so its side effects happen once. On PostgreSQL the first read locks the call's row already: that
    delays no other call, and the locked path need not read it again.
    """
    call_sid = signed.current().call_sid
    seen = callstore.read(db.connection(), call_sid, lock=True)
    if seen is None:
        log.warning("step for an unknown call %s", call_sid or "?")
        return _xml(_fault_twiml())
    seq = request.args.get("s", type=int)
    if callstore.answered_already(seen, seq):
        return _xml(seen.last_twiml)
    event = _event()
    planned = calls.plan_step(_flows_for(seen), CallState.from_dict(seen.state), event)
    if not recording.enabled():  # recording follows every turn, from the locked path
        answer = _answer_without_lock(seen, planned)
        if answer is not None:
            return answer
    if planned[0].kind is TurnKind.ACTION:
        return _answer_with_actions(seen, planned)
    session = db.session()
    call = callstore.lock(session, call_sid, seen)
    if call is None or callstore.answered_already(call, seq):  # another delivery of this step got there first
        return _xml(call.last_twiml if call is not None and call.last_twiml else _fault_twiml())
    unmoved = call.state == seen.state and call.flow_version == seen.flow_version
    result = calls.run_step(session, _flows_for(call), call, event, planned if unmoved else None)
    log.info("call %s at %s: %s", call.call_sid, result.state.position, result.turn.kind)
    return _respond(call, result)


def _answer_without_lock(seen: callstore.CallRow, planned: tuple[Turn, CallState]) -> Response | None:
    """A step that changes nothing but the call, saved with a compare-and-set. None when it needs
    the locked path: an action, the end of the call, a transfer after hours or out of self-service,
    or another delivery of the same step saved first."""
    turn, state = planned
    if not calls.changes_only_the_call(turn):
        return None
    now = calls.now_utc()
    queued = None
    if turn.kind is TurnKind.TRANSFER:
        if seen.status != "in_ivr" or not waiting.agents_open(now):
            return None
        queued = calls.queued(turn, now)
    body = twiml.render(turn, _urls(state.seq, state.language), _voices())
    if not callstore.save_if_unchanged(db.connection(), seen, state.to_dict(), state.language, state.seq, body,
                                       turn.journey, now, queued):
        return None
    log.info("call %s at %s: %s", seen.call_sid, state.position, turn.kind)
    return _xml(body)


def _answer_with_actions(seen: callstore.CallRow, planned: tuple[Turn, CallState]) -> Response:
    """A step that runs backend actions, within their budget whatever they wait on, holding no lock
    (no transaction, no row, no writer) while one waits outside the database (`ivr.calls.action_budget`).
    Their last writes and the step's save are one transaction, a compare-and-set on the call as
    read: a step another delivery moved first keeps nothing more and answers as that one did."""
    try:
        session, call, turn, state = action_budget.run_step_actions(_flows_for(seen), seen, *planned)
        calls.save_step(session, call, state, turn)
        log.info("call %s at %s: %s", seen.call_sid, state.position, turn.kind)
        return _respond(call, calls.StepResult(turn, state, call))
    except callstore.CallMoved:
        db.discard_session()
        now = callstore.read(db.connection(), seen.call_sid)
        return _xml(now.last_twiml if now is not None and now.last_twiml else _fault_twiml())


def _event():
    if request.args.get("timeout"):
        return NoInput()
    twilio = signed.current()
    if twilio.speech:
        return Speech(twilio.speech, twilio.confidence)
    if twilio.digits is not None:
        return Digits(twilio.digits)
    return NoInput()


@bp.post("/fallback")
def fallback() -> Response:
    """Twilio's "primary handler fails" URL: an apology in both languages and the agent queue.

    Built from the prompts loaded at start, with no database, so it answers when nothing else does.
    """
    twilio = signed.current()
    log.error("Twilio used the fallback URL for call %s (Twilio error %s)", twilio.call_sid or "?",
              twilio.error_code or "?")
    return _xml(_fault_twiml())


@bp.post("/hold")
@_never_fail
def hold() -> Response:
    """The queue's wait loop, in the caller's language; the keypad stays open (1: call me back)."""
    return waiting.hold_response()


@bp.post("/hold/key")
@_never_fail
def hold_key() -> Response:
    """A key pressed on hold: 1 asks for a callback, 0 is answered, the caller keeps their place."""
    return waiting.hold_key_response()


@bp.post("/queue-done")
def queue_done() -> Response:
    """How the wait ended, answered from the one table of QueueResult values (`telephony.outcomes`).

    The call's status follows the table while the call was still waiting (never back from an
    agent's "completed"); a queue that failed puts the caller back in line at most QUEUE_RETRIES
    times (the action URL's `r` counts them, so no database is needed to count), then offers a
    callback. Noting the result may fail: the caller's answer never depends on it.
    """
    twilio = signed.current()
    outcome = outcomes.queue_outcome(twilio.queue_result)
    language = _known(request.args.get("lang"))
    try:
        with deadline.within(current_app.config.get("STEP_BUDGET_S", STEP_BUDGET_S)):
            session = db.session()
            call = calls.load_call(session, twilio.call_sid)
            if call is not None:
                language = language or _known(call.language)
                if outcome.status is not None and call.status in STILL_WAITING:
                    call.status = outcome.status
                waiting.note_wait_ended(session, call, twilio.queue_result, twilio.queue_time)
                session.commit()
    except Exception as error:  # noting how the wait ended is not worth a caller: carry on
        log.error("could not note how the wait ended on call %s: %s", twilio.call_sid or "?",
                  type(error).__name__)
        db.discard_session()
    if outcome.answer is outcomes.AfterQueue.HANG_UP:
        return _xml(twiml.hangup())
    if outcome.answer is outcomes.AfterQueue.OFFER_CALLBACK:  # trying again at once would only fail again
        return waiting.queue_full_response(language)
    requeued = request.args.get("r", default=0, type=int)
    if requeued >= queue_retries():
        log.warning("call %s: the queue failed %s times, a callback is offered", twilio.call_sid or "?",
                    requeued + 1)
        return waiting.queue_failing_response(language)
    return _xml(_fault_twiml(language, requeued + 1))


STILL_WAITING = ("in_ivr", "queued")
"""Call statuses a queue result may change: a call an agent has closed stays closed."""


def queue_retries() -> int:
    """How many times a failed queue is tried again before a callback is offered (QUEUE_RETRIES)."""
    return int(current_app.config.get("QUEUE_RETRIES", config.QUEUE_RETRIES))


def _known(language: str | None) -> str | None:
    return languages().known(language)


@bp.post("/status")
@_never_fail
def status() -> Response:
    """Twilio's status callback: records how the call ended."""
    session = db.session()
    twilio = signed.current()
    call = calls.load_call(session, twilio.call_sid)
    if outcomes.call_is_over(twilio.call_status) and call is not None:
        calls.end_call(session, call, twilio.call_status, twilio.call_duration)
        session.commit()
    return _xml(twiml.empty())
