"""Supervisors reverse a pending address or phone change from the desktop (issue 5).

A change made by phone is held "pending" during the cooling-off period (ivr.services.changes); a
supervisor can reverse it from the "Pending changes" list or from the call's context page. The
reversal goes through `reverse_change()` with the supervisor's agent id, so it is audited like
`ivr change reverse`. Agents are refused (403, logged); every POST carries the form token (CSRF).
A change whose cooling-off period is over, or that is no longer pending, is not touched: the
supervisor is told why.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from ivr import clock
from ivr.store import db
from ivr.store.models.calls import ChangeRequest, Client
from ivr.privacy import mask_value
from ivr.services.changes import ChangeNotReversible, reverse_change
from ivr.desktop import auth
from ivr.desktop.accounts import actor_id
from ivr.desktop.roles import Role
from ivr.desktop import pages
from ivr.desktop.views import bp

REASON_MAX = 200


def _aware(when: datetime | None) -> datetime | None:
    if when is not None and when.tzinfo is None:  # SQLite hands back naive UTC
        return when.replace(tzinfo=timezone.utc)
    return when


def cooling_off_over(change: ChangeRequest, now: datetime) -> bool:
    effective = _aware(change.effective_at)
    return effective is not None and effective <= now


def _masked(change: ChangeRequest) -> str:
    shown = mask_value(change.kind, change.new_value)
    return ", ".join(str(value) for name, value in shown.items() if value and name != "fingerprint")


@bp.get("/changes")
@auth.login_required
@auth.requires(Role.SUPERVISOR)
def pending_changes() -> str:
    s, words, clock = db.session(), pages.words(), pages.clock()
    pending = s.scalars(select(ChangeRequest).where(ChangeRequest.status == "pending")
                        .order_by(ChangeRequest.effective_at, ChangeRequest.id))
    rows = []
    for change in pending:
        client = s.get(Client, change.client_id)
        requested, effective = clock.local(_aware(change.created_at)), clock.local(_aware(change.effective_at))
        rows.append({
            "confirmation": change.confirmation,
            "kind_label": words(f"changes.kind_{change.kind}", default=change.kind),
            "client_name": client.name if client else "—",
            "client_number": client.client_number if client else "",
            "new_value": _masked(change),
            "requested": words.datetime(requested),
            "applies": words.datetime(effective),
            "over": cooling_off_over(change, clock.now),
            "call_sid": change.call_sid,
        })
    return render_template("desktop/changes.html", changes=rows)


@bp.post("/changes/<confirmation>/reverse")
@auth.login_required
@auth.requires(Role.SUPERVISOR)
def reverse(confirmation: str) -> Any:
    s, words, now = db.session(), pages.words(), clock.now()
    back = pages.safe_next(request.form.get("next")) if request.form.get("next") else url_for("desktop.pending_changes")
    change = s.scalar(select(ChangeRequest).where(ChangeRequest.confirmation == confirmation))
    if change is None:
        abort(404)
    if change.status == "pending" and cooling_off_over(change, now):
        flash(words("changes.cooling_off_over", confirmation=confirmation), "error")
        return redirect(back)
    try:
        reverse_change(s, confirmation, by=actor_id(g.agent), reason=request.form.get("reason", "")[:REASON_MAX],
                       now=now)
    except ChangeNotReversible:
        status = words(f"changes_status.{change.status}", default=change.status)
        flash(words("changes.not_pending", confirmation=confirmation, status=status), "error")
        return redirect(back)
    s.commit()
    flash(words("changes.reversed_ok", confirmation=confirmation), "ok")
    return redirect(back)
