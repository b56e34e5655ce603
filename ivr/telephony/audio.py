"""Recorded prompts, served to Twilio's <Play> from the prompts folder."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_from_directory

from ivr.content.flowstore import languages

bp = Blueprint("audio", __name__, url_prefix="/audio")


@bp.get("/<language>/<path:name>")
def recording(language: str, name: str):
    if language not in languages():
        abort(404)
    return send_from_directory(current_app.config["PROMPTS_DIR"] / language / "audio", name)
