"""A supervisor lifts a client's phone-verification suspension from the call's context page.

Three wrong answers suspend self-service verification for a client number for a day
(flows/verification.yaml); the person is still served by an agent. Once a supervisor has checked the
person's identity (and ticked that they did), `lift_suspension()` records it in the audit trail with
the supervisor's agent id, exactly as `ivr client unsuspend` does, and the client can verify by phone
again at once. Agents are refused (403, logged); the POST carries the form token (CSRF).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for

from ivr import clock
from ivr.store import db
from ivr.store.models.calls import Client
from ivr.services.verification import NotSuspended, lift_suspension
from ivr.desktop import auth
from ivr.desktop.accounts import actor_id
from ivr.desktop.roles import Role
from ivr.desktop import pages
from ivr.desktop.views import bp


@bp.post("/calls/<call_sid>/unsuspend", endpoint="lift_suspension")
@auth.login_required
@auth.requires(Role.SUPERVISOR)
def lift_suspension_page(call_sid: str) -> Any:
    """The caller's client, from the call being served; back to the call's page with what happened."""
    s, words = db.session(), pages.words()
    call = pages.call_or_404(call_sid)
    client = s.get(Client, call.client_id) if call.client_id else None
    if client is None:
        abort(404)
    back = url_for("desktop.call_page", call_sid=call_sid)
    if request.form.get("identity_checked") != "1":
        flash(words("suspension.check_first"), "error")
        return redirect(back)
    flowset = pages.flowset()
    try:
        lift_suspension(s, client, actor_id(g.agent), identity_checked=True, call=call, now=clock.now(),
                        policy=flowset.verification if flowset is not None else None)
    except NotSuspended:
        flash(words("suspension.not_suspended"), "error")
        return redirect(back)
    s.commit()
    flash(words("suspension.lifted"), "ok")
    return redirect(back)
