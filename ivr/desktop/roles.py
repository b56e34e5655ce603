"""Who may do what on the desktop, decided on the server for every record, and refusals logged.

Roles nest: a supervisor does everything an agent does, an admin everything a supervisor does.
- agent: the queue, calls, callbacks, clients' contact history, search (ivr.desktop.search_page);
- supervisor: plus reports (and reversing pending changes);
- admin: plus agents' accounts.

Claimed calls: once an agent takes a call, its context (journey, answers, identity) is open only to
that agent and to supervisors; another agent gets 403. Calls sent to agents that nobody has taken
(waiting, hung up in the queue, callbacks, after hours) stay open to every agent, because any of them
may have to serve that caller. Calls that ended in self-service never reached an agent: only
supervisors open them (agents see such contacts in the client's history, not the call itself).
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ivr.calls.status import CallStatus
from ivr.store.models.calls import Call
from ivr.store.models.desktop import Agent, Handling

log = logging.getLogger("ivr.desktop.access")


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


RANK = {Role.AGENT: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3}
ROLES = tuple(role.value for role in Role)


def has_role(agent: Agent, needed: Role) -> bool:
    try:
        held = Role(agent.role or Role.AGENT)
    except ValueError:  # an unknown role in the database grants nothing beyond an agent's
        held = Role.AGENT
    return RANK[held] >= RANK[needed]


SENT_TO_AGENTS = (CallStatus.QUEUED, CallStatus.WITH_AGENT, CallStatus.ABANDONED_IN_QUEUE, CallStatus.CALLBACK,
                  CallStatus.AFTER_HOURS)


class CallFacts(Protocol):
    """What the policy reads of a call: a Call row, or a search result (ivr.store.search.FoundCall)."""

    status: str
    queued_at: datetime | None
    transfer_reason: str | None


def may_open_call(agent: Agent, call: Call, handling: Handling | None) -> bool:
    """The claimed-call policy above."""
    return may_open(agent, call, handling.agent_id if handling is not None else None)


def may_open(agent: Agent, call: CallFacts, taken_by: int | None) -> bool:
    """The claimed-call policy above, for a call taken by the agent `taken_by` (None: nobody took it)."""
    if has_role(agent, Role.SUPERVISOR):
        return True
    if taken_by is not None:
        return taken_by == agent.id
    return call.queued_at is not None or call.transfer_reason is not None or call.status in SENT_TO_AGENTS


def refused(agent: Agent | None, endpoint: str | None, reason: str) -> None:
    """Log a refusal: who (agent id and role), which page, why; never a caller's data or the URL."""
    if agent is None:
        log.warning("access refused: no agent, endpoint=%s reason=%s", endpoint, reason)
    else:
        log.warning("access refused: agent_id=%s role=%s endpoint=%s reason=%s", agent.id, agent.role, endpoint,
                    reason)
