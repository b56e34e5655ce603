"""The Twilio webhook's views, a few lines each: the form read once (`requests`), the step taken by
`ivr.calls.step`, its answer rendered (`answers`).

Whatever goes wrong while handling a step, Twilio gets a 200 with TwiML that apologises and queues
the caller for an agent (the parent blueprint's one error handler, `ivr.telephony.apologise`).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request

from ivr.calls import line
from ivr.calls import step as call_step
from ivr.calls import waiting as wait
from ivr.calls.status import AfterQueue
from ivr.calls.step import StepRequest
from ivr.content.flowstore import languages
from ivr.telephony import answers, outcomes, requests, signed, twiml, waiting

log = logging.getLogger(__name__)

bp = Blueprint("call", __name__)
"""The webhook's views, served under the parent /voice blueprint (`ivr.telephony`), which declares
their policy: signature, budget, and the apology-and-queue answer to an unexpected error."""


def _step_request(greeting: bool = False) -> StepRequest:
    return requests.step_request(signed.current(), request.args, languages(),
                                 current_app.config if greeting else None)


@bp.post("/incoming")
def incoming() -> Response:
    """Twilio's 'a call comes in' URL: greet the caller. A request without a usable CallSid (none is
    ever recorded) gets the apology and the agents' queue, as any fault does."""
    asked = _step_request(greeting=True)
    if not asked.call_sid:
        log.error("fault on call ? in incoming: no usable CallSid")
        return answers.xml(answers.fault_twiml(asked.language))
    return answers.respond(call_step.start(line.of(current_app), asked, answers.render))


@bp.post("/step")
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
def hold() -> Response:
    """The queue's wait loop, in the caller's language; the keypad stays open (1: call me back)."""
    return waiting.hold_response()


@bp.post("/hold/key")
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
    if twilio.queue_result == "bridged":  # the agent's leg ended and the caller is still on the line
        return waiting.survey_response(language)
    if outcome.answer is AfterQueue.HANG_UP:
        return answers.xml(twiml.hangup())
    if outcome.answer is AfterQueue.OFFER_CALLBACK:  # trying again at once would only fail again
        return waiting.queue_full_response(language)
    requeued = request.args.get("r", default=0, type=int)
    if requeued >= line.of(current_app).budgets.queue_retries:
        log.warning("call %s: the queue failed %s times, a callback is offered", twilio.call_sid or "?",
                    requeued + 1)
        return waiting.queue_failing_response(language)
    return answers.xml(answers.fault_twiml(language, requeued + 1))


@bp.post("/survey")
def survey() -> Response:
    """The answer to the question asked after an agent call: 1 to 5 kept, anything else skipped."""
    return waiting.survey_answer_response()


@bp.post("/status")
def status() -> Response:
    """Twilio's status callback: records how the call ended."""
    twilio = signed.current()
    if outcomes.call_is_over(twilio.call_status):
        call_step.end(twilio.call_sid, twilio.call_status, twilio.call_duration)
    return answers.xml(twiml.empty())
