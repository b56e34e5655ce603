"""The agent desktop at /agent/: sign-in, the live queue, the call context, callbacks, the JSON API."""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from flask import (Blueprint, Response, abort, current_app, flash, g, jsonify, redirect, render_template,
                   request, send_from_directory, session, url_for)
from sqlalchemy import select

from ivr import clock, config
from ivr.store import db
from ivr.calls import gateway
from ivr.calls.status import CallStatus
from ivr.content.flowstore import languages
from ivr.store.models.calls import Call, Client, Contact, JourneyEvent
from ivr.desktop import auth, devices, headers, oidc, service
from ivr.desktop.accounts import authenticate
# The shared page helpers, under the names this module has always used for them.
from ivr.desktop.pages import call_or_404 as _call_or_404, clock as _clock, flowset as _flowset, language as _language
from ivr.desktop.pages import safe_next as _safe_next, words as _words
from ivr.desktop.context import IDENTITY_FIELDS, call_context, callback_row, contact_row, public, queue_row, topic_of
from ivr.store.models.desktop import Agent, Callback, Handling
from ivr.desktop.roles import may_open_call, refused
from ivr.desktop.throttle import Throttle
from ivr.desktop.words import Words, desktop_languages

log = logging.getLogger(__name__)

bp = Blueprint("desktop", __name__, url_prefix="/agent", template_folder="templates", static_folder="static",
               static_url_path="/static")


# -- helpers -------------------------------------------------------------------------------------


def _may_open(agent: Agent, call: Call) -> bool:
    """The claimed-call policy (roles.py): taken calls are for their agent and supervisors only."""
    return may_open_call(agent, call, db.session().get(Handling, call.call_sid))


def _open_call_or_refuse(call_sid: str) -> Call:
    call = _call_or_404(call_sid)
    if not _may_open(g.agent, call):
        auth.forbid("call_claimed_by_another_agent")
    return call


def _throttle() -> Throttle:
    return Throttle(secret=str(current_app.config["SECRET_KEY"]))


@bp.app_context_processor
def _template_globals() -> dict[str, Any]:
    if not request.blueprint == "desktop":
        return {}
    lang = _language()
    return {"w": _words(), "lang": lang, "other_lang": _other_language(lang), "agent": g.get("agent"),
            "csrf": auth.csrf_token()}


def _other_language(lang: str) -> str:
    """The desktop language the switch offers: the next one the desktop speaks, in the line's order."""
    offered = desktop_languages(languages())
    return offered[(offered.index(lang) + 1) % len(offered)] if lang in offered else offered[0]


bp.after_request(headers.protect)


# -- the site's root and its icon ----------------------------------------------------------------


def site_root() -> Any:
    """`/`: the only page this server has for people is the desktop (Twilio's URLs are under /voice)."""
    return redirect(url_for("desktop.queue"))


def favicon() -> Response:
    """`/favicon.ico`, which browsers ask for on their own: our icon, from our own static folder (the CSP
    allows no other host)."""
    response = send_from_directory(bp.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                                   max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- sign-in -------------------------------------------------------------------------------------


def _sign_in_page(error: str | None = None, status: int = 200, headers: dict[str, str] | None = None) -> Any:
    provider = oidc.settings()
    page = render_template("desktop/login.html", error=error, next=request.values.get("next", ""),
                           provider=provider.name if provider else None,
                           passwords=bool(current_app.config.get("PASSWORD_SIGN_IN", True)))
    return page, status, headers or {}


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return _sign_in_page(_words()("ui.session_expired") if request.args.get("expired") else None)
    auth.check_csrf()
    if not current_app.config.get("PASSWORD_SIGN_IN", True):
        refused(None, request.endpoint, "password_sign_in_off")
        return _sign_in_page(_words()("ui.password_sign_in_off"), 403)
    s, throttle, now, secret = db.session(), _throttle(), clock.now(), str(current_app.config["SECRET_KEY"])
    username = request.form.get("username", "")
    device = devices.read(secret, request.cookies.get(devices.COOKIE))
    account = throttle.account_key(username)
    known = device is not None and device.vouches_for(account, now)
    attempt = throttle.attempt(username, request.remote_addr or "", device.id if known and device else None)
    refusal = throttle.refusal(s, attempt, now)
    if refusal is not None:
        # Same answer for every name, existing or not, right password or not: guessing learns nothing.
        refused(None, request.endpoint, f"sign_in_{refusal.kind}")
        seconds = max(1, math.ceil(refusal.wait.total_seconds()))
        return _sign_in_page(_throttled_words(refusal.kind, seconds), 429, {"Retry-After": str(seconds)})
    agent = authenticate(s, username, request.form.get("password", ""))
    if agent is None:
        throttle.failed(s, attempt, now)
        refused(None, request.endpoint, "wrong_name_or_password")  # neither the name nor the address
        s.commit()
        return _sign_in_page(_words()("ui.bad_login"), 401)
    throttle.succeeded(s, attempt)
    auth.sign_in(agent)
    response = redirect(_safe_next(request.form.get("next")))
    device = device or devices.Device()
    device.remember(account, now)
    response.set_cookie(devices.COOKIE, devices.write(secret, device), max_age=int(devices.REMEMBER.total_seconds()),
                        path=devices.PATH, secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
                        httponly=True, samesite="Lax")
    return response


def _throttled_words(kind: str, seconds: int) -> str:
    """`slow`: the lane's wait in whole minutes; `stopped`: a bar reached, in minutes or (past two hours) hours."""
    minutes = math.ceil(seconds / 60)
    if kind == "slow":
        return _words()("ui.too_many_sign_ins", count=minutes)
    if minutes <= 120:
        return _words()("ui.sign_in_paused_minutes", count=minutes)
    return _words()("ui.sign_in_paused_hours", count=math.ceil(minutes / 60))


@bp.get("/login/provider")
def provider_sign_in() -> Any:
    """"Sign in with <provider>": a link (CSP's form-action would stop a form's redirect to another host)."""
    if oidc.settings() is None:
        abort(404)
    session["next"] = _safe_next(request.args.get("next"))
    try:
        return oidc.start(_external_url("desktop.provider_callback"))
    except oidc.SignInRefused as refusal:
        return _provider_refused(refusal)


@bp.get("/login/provider/callback")
def provider_callback() -> Any:
    """Where the provider sends the browser back: the agent is signed in, or told why not."""
    if oidc.settings() is None:
        abort(404)
    target = _safe_next(session.get("next"))
    try:
        agent = oidc.finish(db.session())
    except oidc.SignInRefused as refusal:
        db.session().rollback()
        return _provider_refused(refusal)
    auth.sign_in(agent, via_provider=True)
    return redirect(target)


def _provider_refused(refusal: oidc.SignInRefused) -> Any:
    refused(None, request.endpoint, f"provider_{refusal.reason}")
    words, provider = _words(), oidc.settings().name
    key = "ui.provider_no_group" if refusal.reason in ("no_desktop_group", "inactive") else "ui.provider_failed"
    return _sign_in_page(words(key, provider=provider), 403 if key == "ui.provider_no_group" else 400)


def _external_url(endpoint: str) -> str:
    """This desktop's address for `endpoint` as the world reaches it: IVR_PUBLIC_URL when set."""
    public = str(current_app.config.get("PUBLIC_URL") or "")
    return public + url_for(endpoint) if public else url_for(endpoint, _external=True)


@bp.post("/logout")
@auth.login_required
def logout() -> Any:
    via_provider = auth.sign_out()
    after = _external_url("desktop.login")
    if via_provider and oidc.settings() is not None:
        return oidc.sign_out_redirect(after) or redirect(url_for("desktop.login"))
    return redirect(url_for("desktop.login"))


@bp.post("/language/<lang>")
@auth.login_required
def language(lang: str) -> Any:
    if lang in desktop_languages(languages()):
        session["lang"] = lang
        g.agent.language = lang
        db.session().commit()
    return redirect(_safe_next(request.form.get("next")))


# -- the queue -----------------------------------------------------------------------------------


def _reconcile(force: bool = False) -> None:
    """Record as waiting the callers Twilio holds in our queues that the database does not list
    (service.reconcile); at most every QUEUE_RECONCILE_S seconds (config.py) unless `force`. A failure
    is logged: the list shows what the database knows."""
    every = float(current_app.config.get("QUEUE_RECONCILE_S", config.QUEUE_RECONCILE_S))
    last = current_app.extensions.get("ivr.desktop.reconciled_at")
    now = time.monotonic()
    flowset = _flowset()
    if flowset is None or (not force and last is not None and now - last < every):
        return
    current_app.extensions["ivr.desktop.reconciled_at"] = now
    try:
        db.session().commit()  # what the request did so far (signing in, its session), and an end to its read
        service.reconcile(db.connection(), gateway.gateway(), flowset, clock.now())
    except Exception as error:  # Twilio or the database: the agents still see what is recorded
        log.warning("could not compare the queue with Twilio's: %s", type(error).__name__)
        db.discard_session()


def _waiting_rows(words: Words) -> list[dict[str, Any]]:
    _reconcile()
    s, clock, flowset = db.session(), _clock(), _flowset()
    return [queue_row(s, call, words, flowset, clock) for call in service.waiting_calls(s)]


def _callback_rows(words: Words) -> list[dict[str, Any]]:
    s, clock, flowset = db.session(), _clock(), _flowset()
    rows = []
    for callback in service.open_callbacks(s):
        row = callback_row(callback, words, clock)
        call = queue_row(s, callback.call, words, flowset, clock)
        row["call_reason"] = call["reason"]
        row.update({key: call[key] for key in IDENTITY_FIELDS})  # a file named but not verified is a claim
        rows.append(row)
    return rows


def _by_queue(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["queue"] or languages().default.queue, []).append(row)
    return dict(sorted(grouped.items()))


@bp.get("/")
@auth.login_required
def queue() -> str:
    words = _words()
    return render_template("desktop/queue.html", queues=_by_queue(_waiting_rows(words)),
                           callbacks=_callback_rows(words))


@bp.get("/live/waiting")
@auth.login_required(activity=False)
def live_waiting() -> str:
    """The queue's moving part, fetched every few seconds by the page (no reload)."""
    words = _words()
    return render_template("desktop/_live.html", queues=_by_queue(_waiting_rows(words)),
                           callbacks=_callback_rows(words))


# -- one call ------------------------------------------------------------------------------------


@bp.get("/calls/<call_sid>")
@auth.login_required
def call_page(call_sid: str) -> str:
    call = _open_call_or_refuse(call_sid)
    words = _words()
    context = call_context(db.session(), call, words, _flowset(), _clock())
    return render_template("desktop/call.html", c=context, subjects=service.SUBJECTS, outcomes=service.OUTCOMES,
                           default_subject=context["topic"] or "other")


@bp.post("/calls/<call_sid>/take")
@auth.login_required
def take(call_sid: str) -> Any:
    s = db.session()
    call = _call_or_404(call_sid)
    if call.status != CallStatus.QUEUED and call.ended_at is None:  # a write may have failed: ask Twilio who waits
        _reconcile(force=True)
        s = db.session()
        call = _call_or_404(call_sid)
        s.refresh(call)
    words = Words(g.agent.language, languages())  # the whisper is in the language the agent works in
    whisper = call_context(s, call, words, _flowset(), _clock())["whisper"]
    page = _words()
    try:
        service.take_call(s, call, g.agent, gateway.gateway(), [(words.language, whisper)], clock.now())
    except service.AlreadyTaken:
        flash(page("ui.taken_already"), "error")
        return redirect(url_for("desktop.queue"))  # its context is now the other agent's (roles.py)
    except service.NotWaiting:
        flash(page("ui.not_waiting"), "error")
    except gateway.GatewayError:
        flash(page("ui.gateway_failed"), "error")
    else:
        s.commit()
        flash(page("ui.taken_ok", whisper=whisper), "ok")
    return redirect(url_for("desktop.call_page", call_sid=call_sid))


@bp.post("/calls/<call_sid>/close")
@auth.login_required
def close(call_sid: str) -> Any:
    s = db.session()
    call = _open_call_or_refuse(call_sid)
    words = _words()
    try:
        contact = service.close_call(s, call, g.agent, request.form.get("subject", ""),
                                     request.form.get("outcome", ""), request.form.get("note", "")[:2000],
                                     clock.now())
    except ValueError:
        flash(words("ui.bad_form"), "error")
        return redirect(url_for("desktop.call_page", call_sid=call_sid))
    s.commit()
    flash(words("ui.closed_ok") if contact is not None else words("ui.closed_no_client"), "ok")
    return redirect(url_for("desktop.call_page", call_sid=call_sid))


@bp.post("/callbacks/<int:callback_id>/done")
@auth.login_required
def callback_done(callback_id: int) -> Any:
    s = db.session()
    callback = s.get(Callback, callback_id)
    if callback is None:
        abort(404)
    topic = topic_of(list(s.scalars(select(JourneyEvent).where(JourneyEvent.call_sid == callback.call_sid))))
    try:
        service.finish_callback(s, callback, g.agent, request.form.get("note", "")[:2000], clock.now(), topic,
                                seen_call=request.form.get("call_sid") or None)
    except service.CallbackNotOpen as refused:
        flash(_words()(f"ui.callback_{'already_done' if refused.reason == 'done' else 'changed'}"), "error")
        return redirect(url_for("desktop.queue"))
    s.commit()
    flash(_words()("ui.callback_done"), "ok")
    return redirect(url_for("desktop.queue"))


@bp.errorhandler(400)
def _bad_request(error: Any) -> Any:
    if getattr(error, "description", "") == "csrf":
        return _words()("ui.csrf"), 400
    return error


@bp.errorhandler(403)
def _forbidden(_error: Any) -> Any:
    if request.path.startswith(url_for("desktop.queue") + "api/"):
        response = jsonify(error="forbidden", message="Your role does not allow this, or another agent has "
                                                      "taken this call; ask a supervisor.")
        response.status_code = 403
        return response
    return render_template("desktop/refused.html", title="ui.forbidden_title", message="ui.forbidden"), 403


@bp.errorhandler(404)
def _not_found(error: Any) -> Any:
    """A call, flow or change that does not exist: said in the agent's language (the API answers JSON)."""
    if request.path.startswith(url_for("desktop.queue") + "api/"):
        return _api_not_found("nothing has this address")
    return render_template("desktop/refused.html", title="ui.not_found_title", message="ui.not_found"), 404


# -- JSON API for an agency's CRM ----------------------------------------------------------------


@bp.get("/api/queue")
@auth.api_auth
def api_queue() -> Response:
    _reconcile()
    s, clock, flowset, words = db.session(), _clock(), _flowset(), _words()
    waiting = [call_context(s, call, words, flowset, clock) for call in service.waiting_calls(s)]
    return jsonify(waiting=waiting, callbacks=_callback_rows(words))


@bp.get("/api/calls/<call_sid>")
@auth.api_auth
def api_call(call_sid: str) -> Response:
    call = db.session().get(Call, call_sid)
    if call is None:
        return _api_not_found(f"no call has the CallSid '{call_sid}'")
    if not _may_open(g.agent, call):
        auth.forbid("call_claimed_by_another_agent")
    return jsonify(call_context(db.session(), call, _words(), _flowset(), _clock()))


@bp.get("/api/clients/<client_number>/contacts")
@auth.api_auth
def api_contacts(client_number: str) -> Response:
    s = db.session()
    client = s.scalar(select(Client).where(Client.client_number == client_number))
    if client is None:
        return _api_not_found("no client has this client number")
    words, clock = _words(), _clock()
    contacts = s.scalars(select(Contact).where(Contact.client_id == client.id).order_by(Contact.at.desc()))
    return jsonify(client_number=client.client_number, contacts=[public(contact_row(c, words, clock))
                                                                 for c in contacts])


def _api_not_found(message: str) -> Response:
    response = jsonify(error="not_found", message=message)
    response.status_code = 404
    return response
