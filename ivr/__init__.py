"""A bilingual (French/English) IVR for public-service contact centres."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from ivr import config, desktop, limits, lint_context, logs, telephony
from ivr.calls import line
from ivr.content import flowstore
from ivr.store import db
from ivr.telephony import audio, gateway, recording


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, request limits, database, flows, and the voice webhook."""
    app = Flask(__name__, instance_path=config.instance_path(), instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(limits.CONFIG)
    app.config.update(config.from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    if app.config.get("DEMO") and not app.config.get("TESTING"):
        _demo_secrets(app)
    config.check(app.config)
    logs.init_app(app)
    limits.init_app(app)
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


def _demo_secrets(app: Flask) -> None:
    """In demo mode, the token and key the environment does not give: generated once per instance folder."""
    for setting in config.DEMO_SECRET_FILES:
        if not app.config.get(setting):
            app.config[setting] = config.demo_secret(app.instance_path, setting, create=True)
