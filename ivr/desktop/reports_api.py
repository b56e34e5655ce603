"""GET /agent/api/reports: issue 16's figures as JSON for the agency's business-intelligence tools.

A supervisor's bearer token (`ivr agent token NAME`) or session; an agent's is refused (403, logged).
The figures are ivr.services.reports' (docs/reports.md): counts, seconds and amounts, no personal data.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from flask import Response, current_app, jsonify, request

from ivr.desktop import auth
from ivr.desktop.roles import Role
from ivr.desktop.views import bp
from ivr.engine.costs import FILE_NAME as COSTS_FILE, Costs, CostsInvalid, read_costs
from ivr.services.changes import local_zone
from ivr.services.reports import By, build_report, check_days
from ivr.store import db

MAX_DAYS = 400
"""Longest period one request may ask for (a little over a year)."""


def served_costs() -> Costs:
    """The costs per contact of the flows this app serves (FLOWS_DIR/costs.yaml, ivr.engine.costs),
    read again only when the file changes, so a request does not parse YAML; raises CostsInvalid."""
    path = Path(current_app.config.get("FLOWS_DIR") or "flows")
    try:
        stamp = (path / COSTS_FILE).stat()
    except OSError:
        return _costs_at(str(path), 0, -1)
    return _costs_at(str(path), stamp.st_mtime_ns, stamp.st_size)


@lru_cache(maxsize=8)
def _costs_at(flows_dir: str, modified_ns: int, size: int) -> Costs:
    return read_costs(flows_dir)  # an invalid file raises and is not cached: read again next time


@bp.get("/api/reports")
@auth.api_auth
@auth.requires(Role.SUPERVISOR)
def api_reports() -> Response:
    """?from=2026-11-01&to=2026-11-30&by=day|week|hour: the report of those days (both included)."""
    try:
        starts, ends = _day("from"), _day("to")
    except ValueError as error:
        return _bad_request(str(error))
    wanted = request.args.get("by") or By.DAY
    if wanted not in list(By):
        return _bad_request(f"'by' must be one of {', '.join(By)}, not '{wanted[:20]}'")
    by = By(wanted)
    if ends < starts or (ends - starts).days >= MAX_DAYS:
        return _bad_request(f"give 'to' on or after 'from', for a period of at most {MAX_DAYS} days, both ends included")
    try:
        check_days(starts, ends)
    except ValueError as error:
        return _bad_request(str(error))
    try:
        costs = served_costs()
    except CostsInvalid:
        response = jsonify(error="costs_invalid", message="flows/costs.yaml has mistakes; `ivr lint` shows them")
        response.status_code = 503
        return response
    try:
        report = build_report(db.session().connection(), starts, ends, by, local_zone(), costs)
    except ValueError as error:
        return _bad_request(str(error))
    return jsonify(report.as_dict())


def _day(name: str) -> date:
    value = request.args.get(name, "")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"'{name}' must be a date such as 2026-11-30, not '{value[:20]}'") from None


def _bad_request(message: str) -> Response:
    response = jsonify(error="bad_request", message=message)
    response.status_code = 400
    return response
