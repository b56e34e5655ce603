"""What callers think: the end-of-call question's actions, and its answer after an agent call.

The question (flows/survey.yaml) is offered to a caller who ends a call after completing a service in
self-service, never to one who asked for a person in it; after an agent call the webhook asks it
(`keep_after_agent`). Each answer becomes one row of survey_answers (ivr.store.survey), with the
local day and no CallSid, client or number: docs/reports.md, "What callers think".
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.engine.journey import JourneyKind
from ivr.services.action_types import ActionContext, ActionResult, talks_only_to_the_database
from ivr.services.changes import local_zone
from ivr.services.reports import COMPLETING_ACTIONS
from ivr.store import survey
from ivr.store.models.calls import Call, CallStatus, JourneyEvent

SELF_SERVICE = "self_service"
"""The outcome of a call that completed a service in self-service and was ended by the caller."""
AFTER_AGENT = "agent"
"""The outcome (and service) of an answer given after a call bridged to an agent."""
ANSWERED_AFTER_AGENT = "survey_answered"
"""The journey event (kind call, no detail) noting that the question after an agent was answered or skipped."""


def completed_service(session: Session, call: Call) -> str | None:
    """The last service this call completed in self-service (COMPLETING_ACTIONS: an outcome other
    than "error"), None when it completed none."""
    details = session.scalars(select(JourneyEvent.detail).where(
        JourneyEvent.call_sid == call.call_sid, JourneyEvent.kind == "action", JourneyEvent.event == "outcome")
        .order_by(JourneyEvent.id)).all()
    done = [COMPLETING_ACTIONS[d["action"]] for d in details
            if d.get("action") in COMPLETING_ACTIONS and d.get("outcome") != "error"]
    return done[-1] if done else None


def asked_for_a_person(session: Session, call: Call) -> bool:
    """The caller asked for a person, or was sent to one, during this call."""
    if call.transfer_reason or call.status != CallStatus.IN_IVR:
        return True
    return session.scalar(select(JourneyEvent.id).where(
        JourneyEvent.call_sid == call.call_sid, JourneyEvent.event == "asked_for_agent").limit(1)) is not None


@talks_only_to_the_database
def offer(ctx: ActionContext) -> ActionResult:
    """"ask" when the call completed a service and never asked for a person; "not_asked" otherwise."""
    if asked_for_a_person(ctx.session, ctx.call) or completed_service(ctx.session, ctx.call) is None:
        return ActionResult("not_asked")
    return ActionResult("ask")


SCORE_VAR = "survey_score"
"""The variable flows/survey.yaml's sensitive question puts the key or word into ("1" to "5" is a score)."""


@talks_only_to_the_database
def keep(ctx: ActionContext) -> ActionResult:
    """Keep the self-service answer: "kept" for a score of 1 to 5, "skipped" for anything else or
    nothing. The score leaves the call's state at once (the value None removes the variable), so
    only survey_answers, which has no CallSid, ever holds it."""
    given = str(ctx.vars.get(SCORE_VAR) or "")
    score = int(given) if given.isdigit() and int(given) in survey.SCORES else None
    _keep(ctx.session, ctx.call, ctx.now, completed_service(ctx.session, ctx.call) or "", SELF_SERVICE, score)
    return ActionResult("kept" if score is not None else "skipped", {SCORE_VAR: None})


def keep_after_agent(session: Session, call: Call, now: datetime, score: int | None) -> bool:
    """Keep the answer given after a call bridged to an agent (`score` None: skipped), once per call:
    the call's journey notes that it was answered (ANSWERED_AFTER_AGENT, without the score), and an
    answer Twilio sends again is not kept twice. True when kept."""
    noted = select(JourneyEvent.id).where(JourneyEvent.call_sid == call.call_sid, JourneyEvent.kind == JourneyKind.CALL,
                                          JourneyEvent.event == ANSWERED_AFTER_AGENT).limit(1)
    if session.scalar(noted) is not None:
        return False
    _keep(session, call, now, AFTER_AGENT, AFTER_AGENT, score)
    session.add(JourneyEvent(call_sid=call.call_sid, seq=call.last_seq, at=now,
                             position=str((call.state or {}).get("position", "")), kind=JourneyKind.CALL,
                             event=ANSWERED_AFTER_AGENT, detail={}))
    return True


def _keep(session: Session, call: Call, now: datetime, service: str, outcome: str, score: int | None) -> None:
    day = (now if now.tzinfo else now.replace(tzinfo=timezone.utc)).astimezone(local_zone()).date()  # naive is UTC
    survey.keep(session, day, call.language or "", service, outcome, call.flow_version or "", score)
