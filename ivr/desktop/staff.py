"""Supervisors' and admins' pages: a small report of how calls ended, and the agents' accounts.

Reversing a pending address change (a supervisor's job too) comes with the cooling-off service.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from ivr import clock
from ivr.store import db
from ivr.store.models.calls import Call
from ivr.desktop import auth, sessions
from ivr.desktop.context import reason_key
from ivr.store.models.desktop import Agent
from ivr.desktop.roles import Role
from ivr.desktop import pages
from ivr.desktop.views import bp

REPORT_DAYS = (1, 7, 30)


def call_counts(calls_seen: list[Call]) -> dict[str, Any]:
    """Contained in self-service vs sent to an agent, and why they were sent: counts only, no caller."""
    counts = Counter()
    reasons: Counter[str] = Counter()
    for call in calls_seen:
        transferred = call.queued_at is not None or call.transfer_reason is not None
        if transferred:
            counts["transferred"] += 1
            reasons[reason_key(call.transfer_reason or "flow")] += 1
        elif call.ended_at is None:
            counts["in_progress"] += 1
        else:  # ended without an agent: served by self-service (or the caller gave up there)
            counts["contained"] += 1
    total = len(calls_seen)
    return {"total": total, "counts": counts, "reasons": reasons.most_common(),
            "contained_share": round(counts["contained"] / total, 2) if total else 0}


@bp.get("/reports")
@auth.login_required
@auth.requires(Role.SUPERVISOR)
def reports() -> str:
    days = request.args.get("days", type=int) or 7
    days = days if days in REPORT_DAYS else 7
    since = clock.now() - timedelta(days=days)
    seen = list(db.session().scalars(select(Call).where(Call.started_at >= since.replace(tzinfo=None))))
    return render_template("desktop/reports.html", report=call_counts(seen), days=days, choices=REPORT_DAYS)


@bp.get("/admin/agents")
@auth.login_required
@auth.requires(Role.ADMIN)
def admin_agents() -> str:
    agents = db.session().scalars(select(Agent).order_by(Agent.username))
    return render_template("desktop/agents.html", agents=list(agents))


@bp.post("/admin/agents/<int:agent_id>/active")
@auth.login_required
@auth.requires(Role.ADMIN)
def admin_set_active(agent_id: int) -> Any:
    """Deactivate (every session ends at once) or reactivate an account; an admin cannot lock themselves out."""
    s = db.session()
    target = s.get(Agent, agent_id)
    if target is None:
        return redirect(url_for("desktop.admin_agents"))
    active = request.form.get("active") == "1"
    if target.id == g.agent.id and not active:
        flash(pages.words()("ui.cannot_deactivate_self"), "error")
        return redirect(url_for("desktop.admin_agents"))
    target.active = active
    if not active:
        sessions.end_all_for(s, target, clock.now(), "inactive")
    s.commit()
    flash(pages.words()("ui.account_saved"), "ok")
    return redirect(url_for("desktop.admin_agents"))
