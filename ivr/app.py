"""The web application: `create_app` puts the line, the desktop and the request limits together.

`ivr` itself imports nothing, so a command that needs only the database (`ivr report`, `ivr purge`)
does not build the whole application first (ivr.cli loads each command's module when it is called).

How much of a request the app will read: bounded before any work, the rest refused at once with 413.

Twilio's webhook requests are a few kilobytes (about 40 fields: the call's, the caller's, then Digits,
SpeechResult or the queue's figures); the desktop's forms carry a note of 2 000 characters at most;
the API takes no body. Without a bound, any request with a non-empty X-Twilio-Signature made the app
parse the whole body and compute the signature before answering 403: 500 000 fields (6.9 MB) cost
12.5 s of CPU, and eight such requests left real greetings unanswered for more than 20 s (issue 14).

Three limits, on every endpoint (/voice, /agent, /agent/api):
- MAX_BODY_BYTES: a body that says it is longer (Content-Length) is refused before Flask builds the
  request (`BodyLimit`, a WSGI middleware: no session, no database, no parsing); one sent without a
  length (chunked) is cut at the limit while it is read (Flask's MAX_CONTENT_LENGTH, werkzeug's
  LimitedStream), before anything parses it.
- MAX_FIELDS: a form with more fields is refused before it is parsed (url-encoded: counted by
  `BoundedFormParser`; multipart: Flask's MAX_FORM_PARTS).
- MAX_FIELD_BYTES: one multipart text field larger than this is refused (Flask's MAX_FORM_MEMORY_SIZE).

Sources: Flask 3.1's MAX_CONTENT_LENGTH, MAX_FORM_MEMORY_SIZE and MAX_FORM_PARTS
(https://flask.palletsprojects.com/en/stable/config/) and werkzeug's `get_input_stream`, which applies
the limit to streams a server terminates (gunicorn sets `wsgi.input_terminated` for chunked bodies).
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import IO, Any

from flask import Flask, Request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.wsgi import get_content_length

from ivr import config, lint_context, logs, telephony
from ivr.calls import line
from ivr.content import flowstore
from ivr.desktop import site as desktop
from ivr.store import db
from ivr.telephony import audio, gateway, recording

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
"""Bytes of body read from any request: some fifteen times Twilio's largest (a long SpeechResult)."""
MAX_FIELDS = 200
"""Form fields parsed from any request: five times what Twilio sends."""
MAX_FIELD_BYTES = 16 * 1024
"""Bytes of one multipart text field."""

CONFIG = {"MAX_CONTENT_LENGTH": MAX_BODY_BYTES, "MAX_FORM_PARTS": MAX_FIELDS, "MAX_FORM_MEMORY_SIZE": MAX_FIELD_BYTES}
"""Flask's settings for these limits; a test or deployment may set others in the app's config."""

_URLENCODED = "application/x-www-form-urlencoded"


class BoundedFormParser(FormDataParser):
    """werkzeug's form parser, which applies MAX_FORM_PARTS to multipart bodies only, with the same bound
    on url-encoded ones: the fields are counted (one `&` apart) before any is decoded."""

    def parse(self, stream: IO[bytes], mimetype: str, content_length: int | None,
              options: dict[str, str] | None = None) -> Any:
        if mimetype == _URLENCODED and self.max_form_parts is not None:
            body = stream.read()  # already cut at MAX_CONTENT_LENGTH by werkzeug's get_input_stream
            if body.count(b"&") >= self.max_form_parts:
                log.warning("refused a form of more than %s fields", self.max_form_parts)
                raise RequestEntityTooLarge()
            stream = io.BytesIO(body)
        return super().parse(stream, mimetype, content_length, options)


class BoundedRequest(Request):
    form_data_parser_class = BoundedFormParser


class BodyLimit:
    """WSGI middleware: a request whose Content-Length is over the app's MAX_CONTENT_LENGTH gets 413
    before the app sees it."""

    def __init__(self, app: Flask):
        self.app = app
        self.wsgi_app = app.wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        limit = self.app.config.get("MAX_CONTENT_LENGTH")
        length = get_content_length(environ)
        if limit is not None and length is not None and length > limit:
            log.warning("refused a %s to %s: its body is over the limit", environ.get("REQUEST_METHOD"),
                        environ.get("PATH_INFO"))
            return RequestEntityTooLarge()(environ, start_response)
        return self.wsgi_app(environ, start_response)


def bound_requests(app: Flask) -> None:
    """Every request to `app` is bounded (its config's MAX_CONTENT_LENGTH, MAX_FORM_PARTS,
    MAX_FORM_MEMORY_SIZE; create_app sets CONFIG first)."""
    app.request_class = BoundedRequest
    app.wsgi_app = BodyLimit(app)  # type: ignore[method-assign]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, request limits, database, flows, and the voice webhook. Raises
    ConfigError for settings it refuses (`settings`) or a database it cannot start from."""
    app = Flask("ivr", instance_path=config.instance_path(), instance_relative_config=True)
    app.config.update(settings(test_config))
    logs.init_app(app)
    bound_requests(app)
    db.init_app(app)
    flowstore.init_app(app, lint_context.loader_options())
    app.register_blueprint(audio.bp)
    telephony.init_app(app)
    gateway.init_app(app)
    line.init_app(app, line.Line(flows=app.extensions["ivr.flows"], hours=app.extensions["ivr.hours"],
                                 recorder=recording.Recorder(), gateway=app.extensions["ivr.gateway"],
                                 budgets=line.Budgets(app.config)))
    desktop.init_app(app)
    return app


def settings(test_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The app's settings: the request limits, the environment's (`config.from_environment`), then
    `test_config`; in demo mode the secrets the environment does not give, made once per instance
    folder (which is created). Raises ConfigError when `config.check` refuses them (a real line
    without its Twilio token or secret key, say). gunicorn's master asks this once before it starts
    any worker (`ivr.cli.serving.check_settings`)."""
    instance = config.instance_path()
    Path(instance).mkdir(parents=True, exist_ok=True)
    values: dict[str, Any] = {**CONFIG, **config.from_environment(instance), **(test_config or {})}
    if values.get("DEMO") and not values.get("TESTING"):
        _demo_secrets(values, instance)
    config.check(values)
    return values


def _demo_secrets(values: dict[str, Any], instance: str) -> None:
    """In demo mode, the token and key the environment does not give: generated once per instance folder."""
    for setting in config.DEMO_SECRET_FILES:
        if not values.get(setting):
            values[setting] = config.demo_secret(instance, setting, create=True)
