"""Only Twilio's signed requests reach a /voice view, and each view reads exactly what Twilio signed.

`verify` runs before every /voice view (the webhook's and the waiting loop's blueprints register it):
it checks `X-Twilio-Signature` over the URL Twilio called and every value of every POST field, as
Twilio computes it (https://www.twilio.com/docs/usage/webhooks/webhooks-security; twilio-python's
`RequestValidator`, which reads all the values of a repeated name from a werkzeug MultiDict), then
reads the form once (`ivr.telephony.requests.read`). Views take that typed request from `current()`.

Answers: 403 without a valid signature; 400 when a signed request repeats, with different values, a
field the IVR reads (the signature covers the set of values, not which one comes first). The body
was bounded before any of this (`ivr.app`).
"""

from __future__ import annotations

import logging

from flask import abort, current_app, g, request
from twilio.request_validator import RequestValidator

from ivr.telephony.requests import AmbiguousField, TwilioRequest, read

log = logging.getLogger(__name__)


def public_url() -> str:
    """The URL Twilio signed: IVR_PUBLIC_URL and the path (with its query) when behind a proxy, else
    the URL Flask saw."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        path = request.full_path if request.query_string else request.path
        return base + path
    return request.url


def verify() -> None:
    """A Flask `before_request`: refuse (403, 400) what Twilio did not sign, or cannot be read as signed."""
    signature = request.headers.get("X-Twilio-Signature", "")
    validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
    if not signature or not validator.validate(public_url(), request.form, signature):
        log.warning("refused a /voice request with a missing or bad signature")
        abort(403)
    try:
        g.twilio_request = read(request.form)
    except AmbiguousField as error:
        log.warning("refused a signed /voice request: %s", error)
        abort(400)


def current() -> TwilioRequest:
    """This request's typed Twilio form (`verify` read it); an empty one outside a /voice request."""
    return g.get("twilio_request") or TwilioRequest()
