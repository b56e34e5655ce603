"""Admins' pages: the agents' accounts (the supervisors' Reports page is ivr.desktop.reports_page).

Reversing a pending address change (a supervisor's job too) comes with the cooling-off service.
"""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from ivr import clock
from ivr.store import db
from ivr.desktop import auth, sessions
from ivr.store.models.desktop import Agent
from ivr.desktop.roles import Role
from ivr.desktop import pages
from ivr.desktop.views import bp


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
