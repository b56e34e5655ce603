"""The border with Twilio (LAYOUT.md's `ivr/telephony/`): what Twilio sends, read once; what we send,
checked against Twilio's documented rules: the /voice webhook views, TwiML, the REST gateway, recording
control, the recorded prompts served to <Play>, and the simulated phone used by `ivr call` and the tests.

Web policy is declared once, on the parent `/voice` blueprint, as Flask does for nested blueprints (a
parent's `before_request`, `teardown_request` and error handlers also serve its children's views:
`flask.sansio.blueprints`, `Request.blueprints`):
- only Twilio's signed requests reach a view (`signed.verify`: 403, or 400 for an ambiguous form);
- each request runs within the step's time budget (`ivr.calls.line.Budgets.step_s`, `ivr.deadline`);
- any unexpected error is answered with an apology and the agents' queue (`apologise`): a caller never
  hears a dead line because of us.
"""

from __future__ import annotations

import logging
from contextvars import Token

from flask import Blueprint, Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from ivr import deadline
from ivr.calls import line
from ivr.calls import waiting as wait
from ivr.store import db
from ivr.telephony import answers, requests, signed, voice, waiting

log = logging.getLogger(__name__)

bp = Blueprint("voice", __name__, url_prefix="/voice")
bp.register_blueprint(voice.bp)
bp.register_blueprint(waiting.bp)

RECORDS_FAULT = (answers.INCOMING, answers.STEP)
"""Endpoints whose fault sends the caller to the agents: the call is noted as queued because of it."""


@bp.before_request
def _signed() -> None:
    signed.verify()


@bp.before_request
def _open_budget() -> None:
    g.voice_budget = deadline.open_budget(line.of(current_app).budgets.step_s)


@bp.teardown_request
def _close_budget(_error: BaseException | None) -> None:
    token: Token | None = g.pop("voice_budget", None)
    if token is not None:
        deadline.close_budget(token)


@bp.errorhandler(Exception)
def apologise(error: Exception) -> Response | HTTPException:
    """Any fault in a /voice view, or a database slower than the budget: apologise, queue for an agent.

    The request's transaction is rolled back whole, so the caller is never told that something was
    saved when it was not. A caller already waiting in the queue keeps their place (a wait-URL
    document, `answers.fault_while_waiting`); one being sent to an agent from a step is noted as queued
    because of the fault (`ivr.calls.waiting.queue_after_fault`), within a fresh budget of its own.
    """
    if isinstance(error, HTTPException):  # 400, 403, 404, 405: answered as Flask answers them
        return error
    call_sid = signed.current().call_sid
    endpoint = request.endpoint or ""
    log.error("fault on call %s in %s: %s", call_sid or "?", endpoint.rsplit(".", 1)[-1], type(error).__name__,
              exc_info=not isinstance(error, deadline.DeadlineExceeded))
    db.discard_session()
    if waiting.in_queue():  # no <Enqueue> there: the caller keeps their place
        return answers.fault_while_waiting(request.args.get(requests.LANGUAGE_PARAMETER))
    language = answers.known(request.args.get(requests.LANGUAGE_PARAMETER)
                             or request.args.get(requests.OLD_LANGUAGE_PARAMETER))
    if endpoint in RECORDS_FAULT:  # the caller is being sent to an agent: say so
        try:
            with deadline.within(line.of(current_app).budgets.record_s, fresh=True):
                on_file = wait.queue_after_fault(line.of(current_app), call_sid, type(error).__name__)
            language = language or on_file
        except Exception:  # the database that failed the step may fail this too
            log.warning("could not record the fault on call %s", call_sid or "?")
    return answers.xml(answers.fault_twiml(language))


def init_app(app: Flask) -> None:
    """Serve /voice: the webhook's views and the hold loop's, under the one policy above; load the
    agents' hours (`ivr.telephony.waiting.init_app`)."""
    app.register_blueprint(bp)
    waiting.init_app(app)
