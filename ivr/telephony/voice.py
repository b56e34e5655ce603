"""The Twilio webhook: signature check, CallSid to state, engine, TwiML back.

Whatever goes wrong while handling a step, Twilio gets a 200 with TwiML that apologises and
queues the caller for an agent: a caller never hears a dead line because of us.
"""

from __future__ import annotations

import logging
from functools import wraps

from flask import Blueprint, Response, abort, current_app, request, url_for

from ivr import deadline
from ivr.calls import faults, line
from ivr.calls import waiting as wait
from ivr.calls import step as call_step
from ivr.calls.step import StepRequest
from ivr.content.flowstore import languages
from ivr.store import db
from ivr.telephony import answers, outcomes, requests, signed, twiml, waiting

log = logging.getLogger(__name__)

bp = Blueprint("voice", __name__, url_prefix="/voice")
bp.before_request(signed.verify)


def _never_fail(view):
    """Any fault in a step, or a database slower than the budget: apologise, queue for an agent.

    The step's transaction is rolled back whole, so the caller is never told that something was
    saved when it was not; what the agent needs is then recorded apart (`waiting.queue_after_fault`).
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            with deadline.within(line.of(current_app).budgets.step_s):
                return view(*args, **kwargs)
        except Exception as error:  # the caller must reach a person whatever broke
            call_sid = signed.current().call_sid
            log.error("fault on call %s in %s: %s", call_sid or "?", view.__name__, type(error).__name__,
                      exc_info=not isinstance(error, deadline.DeadlineExceeded))
            db.discard_session()
            if view.__name__ in WAITING_VIEWS:  # the caller is in the queue: no <Enqueue> there, keep their place
                return answers.fault_while_waiting(request.args.get("lang"))
            language = _caller_language()
            if view.__name__ in ("incoming", "step"):  # the caller is being sent to an agent: say so
                try:
                    with deadline.within(faults.RECORD_BUDGET_S, fresh=True):
                        on_file = wait.queue_after_fault(line.of(current_app), call_sid, type(error).__name__)
                    language = language or on_file
                except Exception:  # the database that failed the step may fail this too
                    log.warning("could not record the fault on call %s", call_sid or "?")
            return answers.xml(answers.fault_twiml(language))

    return wrapper


WAITING_VIEWS = ("hold", "hold_key")
"""The views that answer Twilio's <Enqueue> waitUrl and its <Gather>: their documents are wait-URL documents."""


def _caller_language() -> str | None:
    return answers.known(request.args.get(requests.LANGUAGE_PARAMETER)
                         or request.args.get(requests.OLD_LANGUAGE_PARAMETER))


def _step_request(greeting: bool = False) -> StepRequest:
    return requests.step_request(signed.current(), request.args, languages(),
                                 current_app.config if greeting else None)


@bp.post("/incoming")
@_never_fail
def incoming() -> Response:
    """Twilio's 'a call comes in' URL: greet the caller."""
    asked = _step_request(greeting=True)
    if not asked.call_sid:
        abort(400)
    return answers.respond(call_step.start(line.of(current_app), asked, answers.render))


@bp.post("/step")
@_never_fail
def step() -> Response:
    """Where every <Gather> posts, and where silence redirects (`ivr.calls.step.step`)."""
    return answers.respond(call_step.step(line.of(current_app), _step_request(), answers.render))


@bp.post("/fallback")
def fallback() -> Response:
    """Twilio's "primary handler fails" URL: an apology in both languages and the agent queue.

    Built from the prompts loaded at start, with no database, so it answers when nothing else does.
    """
    twilio = signed.current()
    log.error("Twilio used the fallback URL for call %s (Twilio error %s)", twilio.call_sid or "?",
              twilio.error_code or "?")
    return answers.xml(answers.fault_twiml())


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
    on_file = wait.wait_ended(line.of(current_app), twilio.call_sid, twilio.queue_result, twilio.queue_time,
                              outcome.status)
    language = answers.known(request.args.get("lang")) or answers.known(on_file)
    if outcome.answer is outcomes.AfterQueue.HANG_UP:
        return answers.xml(twiml.hangup())
    if outcome.answer is outcomes.AfterQueue.OFFER_CALLBACK:  # trying again at once would only fail again
        return waiting.queue_full_response(language)
    requeued = request.args.get("r", default=0, type=int)
    if requeued >= line.of(current_app).budgets.queue_retries:
        log.warning("call %s: the queue failed %s times, a callback is offered", twilio.call_sid or "?",
                    requeued + 1)
        return waiting.queue_failing_response(language)
    return answers.xml(answers.fault_twiml(language, requeued + 1))




@bp.post("/status")
@_never_fail
def status() -> Response:
    """Twilio's status callback: records how the call ended."""
    twilio = signed.current()
    if outcomes.call_is_over(twilio.call_status):
        call_step.end(twilio.call_sid, twilio.call_status, twilio.call_duration)
    return answers.xml(twiml.empty())
