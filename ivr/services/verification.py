"""Verifying a caller against flows/verification.yaml, with throttling that stops guessing.

Caller ID never verifies anyone (it can be spoofed); it is only compared with the phone on
file so the agent can see it. Failed tries are counted per client number entered and per
caller ID, as keyed hashes, so a number that does not exist is throttled exactly like one that
does and the answer never reveals which. A suspended client is still served by an agent, and a
supervisor who has checked the person's identity can lift the suspension (`lift_suspension`):
tries made before the lift no longer count. The audit trail only grows, so a lift is a row too.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from ivr import clock
from ivr.engine.phones import same_number
from ivr.engine.verification import Level, VerificationPolicy, default_policy
from ivr.store.models.calls import Call, Client
from ivr.store.models.security import AuditEvent
from ivr.privacy import caller_key, keyed, mask_client_number
from ivr.services import audit
from ivr.services.action_types import ActionContext, ActionResult, talks_only_to_the_database
from ivr.services.clients import client_by_id, find_client

FAILED = "verification_failed"
SUSPENDED_CLIENT = "verification_suspended"
SUSPENDED_CALLER = "caller_suspended"
REFUSED = "verification_refused"
VERIFIED = "verification_succeeded"
LIFTED = "verification_unsuspended"
SUSPENDED_IN_CALL = "verification_suspended"
"""The call variable a failed try sets when it suspends self-service verification, so the agent's screen
says so even when the flow goes on as after any last failed try (outcome "failed")."""


class NotVerified(PermissionError):
    """A flow asked for personal data before verifying the caller; it must not be said."""


class NotSuspended(ValueError):
    """The client's self-service verification is not suspended: there is nothing to lift."""


def policy_of(ctx: ActionContext) -> VerificationPolicy:
    return ctx.policy if ctx.policy is not None else default_policy()


def require(ctx: ActionContext, action_name: str, lock: bool = False) -> Client:
    """The verified client, if the call reached the level `action_name` needs; else NotVerified.

    `lock`: the client's row is locked until the transaction ends (`client_by_id`), in the same read,
    for an action about to change what hangs off the file (`ivr.services.addresses`)."""
    policy = policy_of(ctx)
    needed = policy.requires.get(action_name)
    call = ctx.call
    if not call.verified or call.client_id is None:
        raise NotVerified(f"{action_name} needs a verified caller")
    if needed is not None and not policy.satisfies(call.verification_level, needed):
        raise NotVerified(f"{action_name} needs level '{needed}'; the call reached '{call.verification_level}'")
    client = _client_of(ctx, lock)
    if client is None:
        raise NotVerified("the verified client no longer exists")
    return client


_AUDIT = AuditEvent.__table__
_LIFT = _AUDIT.alias("lift")


def _count_failures(column, lifted_by: tuple[str, ...]):
    """Failed tries for one key (client number or caller ID) within the window, made after the
    key's suspension was last lifted by an audit row of one of the outcomes `lifted_by`."""
    key = column.key
    lifted = select(func.max(_LIFT.c.at)).where(_LIFT.c[key] == bindparam(key), _LIFT.c.action == LIFTED,
                                                _LIFT.c.outcome.in_(lifted_by)).scalar_subquery()
    return select(func.count()).select_from(_AUDIT).where(
        column == bindparam(key), _AUDIT.c.action == FAILED, _AUDIT.c.at > bindparam(f"{key}_since"),
        or_(lifted.is_(None), _AUDIT.c.at > lifted),
    ).scalar_subquery()


# A supervisor's lift (outcome "lifted") opens the client's file again, not the phone it was
# tried from (someone trying many numbers from one phone stays stopped); the demo's reset
# (outcome "reset") opens both.
_FAILURES = select(_count_failures(_AUDIT.c.subject_key, ("lifted", "reset")),
                   _count_failures(_AUDIT.c.caller_key, ("reset",)))


def _failures(session: Session, subject_key: str | None, caller_hash: str | None, policy: VerificationPolicy,
              now: datetime) -> tuple[int, int]:
    """Failed tries (per client number, per caller ID: keyed hashes), each within its throttle's window."""
    counts = session.connection().execute(_FAILURES, {
        "subject_key": subject_key, "subject_key_since": now - timedelta(hours=policy.per_client.hours),
        "caller_key": caller_hash, "caller_key_since": now - timedelta(hours=policy.per_caller.hours),
    }).one()
    return counts[0] or 0, counts[1] or 0


def _suspended(session: Session, subject_key: str | None, caller_hash: str | None, policy: VerificationPolicy,
               now: datetime) -> bool:
    per_client, per_caller = _failures(session, subject_key, caller_hash, policy, now)
    return per_client >= policy.per_client.failures or per_caller >= policy.per_caller.failures


def caller_suspended(session: Session, caller: str | None, policy: VerificationPolicy, now: datetime) -> bool:
    return _suspended(session, None, caller_key(caller), policy, now)


def client_suspended(session: Session, client_number: str, policy: VerificationPolicy, now: datetime) -> bool:
    return _suspended(session, keyed("client", client_number), None, policy, now)


@talks_only_to_the_database
def available(ctx: ActionContext) -> ActionResult:
    """Is self-service verification still offered to this caller ID today?"""
    if caller_suspended(ctx.session, ctx.call.caller, policy_of(ctx), ctx.now):
        audit.record(ctx.session, REFUSED, "caller_suspended", actor_kind="caller", actor="unverified",
                     call=ctx.call, at=ctx.now)
        return ActionResult("not_offered")
    return ActionResult("offered")


@talks_only_to_the_database
def verify(ctx: ActionContext) -> ActionResult:
    """Check the facts of the level whose sub-flow the call is in; never say which one was wrong."""
    policy = policy_of(ctx)
    flow = ctx.position.partition("/")[0] or "identify"
    level = policy.level_for_flow(flow) or next(iter(policy.levels.values()))
    call = ctx.call
    cleared = {fact: None for fact in level.facts if fact != "client_number"}
    if level.after is None:
        number = re.sub(r"\D", "", str(ctx.vars.get("client_number") or ""))
        client = find_client(ctx.session, number) if number else None
    else:
        client = require_level(ctx, level.after)
        number = client.client_number
    subject_key = keyed("client", number)
    if _suspended(ctx.session, subject_key, caller_key(call.caller), policy, ctx.now):
        if client is not None and call.client_id is None:
            call.client_id = client.id  # not verified: the agent sees which file it may be, and serves them
        audit.record(ctx.session, REFUSED, "suspended", actor_kind="caller", actor="unverified",
                     client_id=client.id if client else None, call=call, subject_key=subject_key, at=ctx.now,
                     level=level.name)
        return ActionResult("suspended", cleared)
    if client is not None and all(_matches(client, fact, ctx.vars.get(fact)) for fact in level.facts):
        return _verified(ctx, client, level, subject_key, cleared)
    return _failed(ctx, client, level, number, subject_key, cleared)


def require_level(ctx: ActionContext, level_name: str) -> Client:
    call = ctx.call
    if not call.verified or call.client_id is None or not policy_of(ctx).satisfies(call.verification_level, level_name):
        raise NotVerified(f"this check comes after level '{level_name}'")
    client = _client_of(ctx)
    if client is None:
        raise NotVerified("the verified client no longer exists")
    return client


def _client_of(ctx: ActionContext, lock: bool = False) -> Client | None:
    """The call's client: the one verified earlier in this step if there is one, else from the database.
    `lock`: read from the database FOR UPDATE in any case (the one kept is then the one returned)."""
    kept = sa_inspect(ctx.call).attrs.client.loaded_value
    if isinstance(kept, Client) and kept.id == ctx.call.client_id and not lock:
        return kept
    return client_by_id(ctx.session, ctx.call.client_id, lock=lock)


def _matches(client: Client, fact: str, given: object) -> bool:
    if given in (None, ""):
        return False
    text = str(given)
    if fact == "client_number":
        return re.sub(r"\D", "", text) == client.client_number
    if fact == "birth_date":
        try:
            return date.fromisoformat(text) == client.birth_date
        except ValueError:
            return False
    if fact == "postal_code_on_file":
        return re.sub(r"\s", "", text).upper() == re.sub(r"\s", "", client.postal_code or "").upper()
    return False


def _verified(ctx: ActionContext, client: Client, level: Level, subject_key: str | None,
              cleared: dict) -> ActionResult:
    call = ctx.call
    policy = policy_of(ctx)
    call.client = client  # the actions that follow in this step find it without another query
    call.client_id = client.id
    call.verified = True
    call.verification_level = level.name
    call.verified_by = "+".join(policy.facts_for(level.name))
    call.caller_id_matches = caller_id_matches(call.caller, client.phone)
    audit.record(ctx.session, VERIFIED, level.name, actor_kind="caller", actor=call.verified_by, client_id=client.id,
                 call=call, subject_key=subject_key, at=ctx.now, caller_id_matches=call.caller_id_matches)
    return ActionResult("verified", {**cleared, "verified": True, "verify_failures": None, SUSPENDED_IN_CALL: None})


def _failed(ctx: ActionContext, client: Client | None, level: Level, number: str, subject_key: str | None,
            cleared: dict) -> ActionResult:
    call = ctx.call
    policy = policy_of(ctx)
    if client is not None and call.client_id is None:
        call.client_id = client.id  # known file, not verified: the agent sees who it may be
    failures = int(ctx.vars.get("verify_failures") or 0) + 1
    audit.record(ctx.session, FAILED, level.name, actor_kind="caller", actor="unverified",
                 client_id=client.id if client else None, call=call, subject_key=subject_key, at=ctx.now,
                 attempt=failures, client_number=mask_client_number(number))
    per_client, per_caller = _failures(ctx.session, subject_key, caller_key(call.caller), policy, ctx.now)
    suspended = False
    if per_client == policy.per_client.failures:
        suspended = True
        audit.record(ctx.session, SUSPENDED_CLIENT, "self_service_suspended", actor_kind="system",
                     actor="throttle", client_id=client.id if client else None, call=call, subject_key=subject_key,
                     at=ctx.now, hours=policy.per_client.hours, client_number=mask_client_number(number))
    if per_caller == policy.per_caller.failures:
        suspended = True
        audit.record(ctx.session, SUSPENDED_CALLER, "self_service_suspended", actor_kind="system",
                     actor="throttle", call=call, at=ctx.now, hours=policy.per_caller.hours)
    # Out of tries in this call: "failed" (the caller is offered an agent either way); a suspension
    # reached before that stops the retries at once.
    outcome = "failed" if failures >= level.attempts else "suspended" if suspended else "retry"
    return ActionResult(outcome, {**cleared, "verify_failures": failures, SUSPENDED_IN_CALL: True if suspended else None})


def caller_id_matches(caller: str | None, on_file: str | None) -> bool | None:
    """Whether the caller ID is the phone on file: a hint for the agent, never a proof."""
    if not caller or not on_file:
        return None
    return same_number(caller, on_file)


def is_self_service_suspended(session: Session, client: Client, policy: VerificationPolicy | None = None,
                              now: datetime | None = None) -> bool:
    """For the agent's screen: is this client's self-service verification suspended right now?"""
    return client_suspended(session, client.client_number, policy or default_policy(),
                            now or clock.now())


def lift_suspension(session: Session, client: Client, by: str, *, identity_checked: bool,
                    policy: VerificationPolicy | None = None, now: datetime | None = None,
                    call: Call | None = None) -> None:
    """A supervisor lifts a client's self-service suspension after checking the person's identity.

    The one way to do it, for the desktop's button and `ivr client unsuspend`: an audit row
    (`verification_unsuspended`, actor_kind "agent", actor `by`, e.g. "agent:7") after which the
    failed tries already made no longer count, so the client can verify by phone at once. A per
    caller ID suspension (someone trying many numbers from one phone) is left as it is.
    Raises ValueError without `by` or without the identity check, NotSuspended when there is nothing to lift.
    """
    now = now or clock.now()
    if not by.strip():
        raise ValueError("say who lifts the suspension (the supervisor's agent id)")
    if not identity_checked:
        raise ValueError("a suspension is lifted only once the person's identity has been checked")
    if not is_self_service_suspended(session, client, policy, now):
        raise NotSuspended(f"self-service verification of client {mask_client_number(client.client_number)} is "
                           "not suspended: there is nothing to lift")
    audit.record(session, LIFTED, "lifted", actor_kind="agent", actor=by, client_id=client.id, call=call,
                 subject_key=keyed("client", client.client_number), at=now, identity_checked=True,
                 client_number=mask_client_number(client.client_number))


def start_afresh(session: Session, client: Client, by: str, now: datetime) -> None:
    """The demo's reset (`ivr seed --demo --reset`): the same lift, unconditionally, for the client
    number and for the phone on file, so a demo client tried wrongly from the demo phone starts
    again; an audit row with `by` as the system actor, like every lift."""
    audit.record(session, LIFTED, "reset", actor_kind="system", actor=by, client_id=client.id,
                 subject_key=keyed("client", client.client_number),
                 caller_hash=caller_key(client.phone) if client.phone else None, at=now)


__all__ = ["NotSuspended", "NotVerified", "caller_id_matches", "is_self_service_suspended", "lift_suspension",
           "require", "start_afresh"]
