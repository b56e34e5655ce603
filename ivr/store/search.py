"""Finding calls and clients by a key someone typed: exact matches only, each read through an index.

Four keys, four look-ups (SQLAlchemy Core, statements built once):
- a CallSid: `calls` by its primary key;
- a caller number, already in E.164: `calls.caller` through `ix_calls_caller_started` (migration 0010);
- a client number: `clients.client_number` (unique), then that file's calls through `ix_calls_client_id`;
- a confirmation number: `change_requests.confirmation` (unique), then the call that made the change.
No partial match is offered (no LIKE, no prefix): a client number is found whole or not at all, so
the search cannot be used to walk the files (see README, "Find a call or a client").
Results are the most recent first, at most `LIMIT` calls; `Found.more` says that older ones exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Select, bindparam, select

from ivr.store.models.calls import Call, ChangeRequest, Client
from ivr.store.models.desktop import Handling

LIMIT = 50
"""The most calls one search returns (the most recent); an agent narrows with another key."""


@dataclass(frozen=True)
class FoundClient:
    id: int
    client_number: str
    name: str


@dataclass(frozen=True)
class FoundCall:
    """One call as a search result: what the claimed-call policy (ivr.desktop.roles) and the results table need.

    `agent_id`: the agent who took the call, or None; `outcome`: how that agent closed it, or None.
    Times are UTC (naive on SQLite, as stored).
    """

    call_sid: str
    started_at: datetime
    language: str | None
    status: str
    queued_at: datetime | None
    transfer_reason: str | None
    verified: bool
    client: FoundClient | None
    agent_id: int | None
    outcome: str | None


@dataclass(frozen=True)
class Found:
    calls: list[FoundCall] = field(default_factory=list)
    client: FoundClient | None = None
    more: bool = False

    @property
    def empty(self) -> bool:
        return not self.calls and self.client is None


_CALLS = (select(Call.call_sid, Call.started_at, Call.language, Call.status, Call.queued_at, Call.transfer_reason,
                 Call.verified, Client.id.label("client_id"), Client.client_number, Client.name,
                 Handling.agent_id, Handling.outcome)
          .select_from(Call).outerjoin(Client, Client.id == Call.client_id)
          .outerjoin(Handling, Handling.call_sid == Call.call_sid))


def _newest(query: Select) -> Select:
    return query.order_by(Call.started_at.desc(), Call.call_sid).limit(LIMIT + 1)


_BY_CALL_SID = _CALLS.where(Call.call_sid == bindparam("key"))
_BY_CALLER = _newest(_CALLS.where(Call.caller == bindparam("key")))
_BY_CLIENT_ID = _newest(_CALLS.where(Call.client_id == bindparam("key")))
_CLIENT_BY_NUMBER = select(Client.id, Client.client_number, Client.name).where(Client.client_number == bindparam("key"))
_CHANGE = (select(ChangeRequest.call_sid, Client.id, Client.client_number, Client.name)
           .join(Client, Client.id == ChangeRequest.client_id).where(ChangeRequest.confirmation == bindparam("key")))


def _found(rows: list) -> tuple[list[FoundCall], bool]:
    calls = [FoundCall(row.call_sid, row.started_at, row.language, row.status, row.queued_at, row.transfer_reason,
                       bool(row.verified),
                       FoundClient(row.client_id, row.client_number, row.name) if row.client_id is not None else None,
                       row.agent_id, row.outcome)
             for row in rows[:LIMIT]]
    return calls, len(rows) > LIMIT


def by_call_sid(connection: Connection, call_sid: str) -> Found:
    """The call with this CallSid (`CA` and 32 hex digits, as stored), or nothing."""
    calls, _ = _found(list(connection.execute(_BY_CALL_SID, {"key": call_sid})))
    return Found(calls)


def by_caller(connection: Connection, e164: str) -> Found:
    """The calls whose caller ID is exactly this E.164 number (`+15145550142`), newest first."""
    calls, more = _found(list(connection.execute(_BY_CALLER, {"key": e164})))
    return Found(calls, more=more)


def by_client_number(connection: Connection, client_number: str) -> Found:
    """The file with exactly this client number (9 digits) and the calls linked to it, newest first.

    A call is linked once the caller named the file, verified or not (`FoundCall.verified` tells)."""
    row = connection.execute(_CLIENT_BY_NUMBER, {"key": client_number}).first()
    if row is None:
        return Found()
    calls, more = _found(list(connection.execute(_BY_CLIENT_ID, {"key": row.id})))
    return Found(calls, FoundClient(row.id, row.client_number, row.name), more)


def by_confirmation(connection: Connection, confirmation: str) -> Found:
    """The change request with this confirmation number: its client's file and the call that made it."""
    row = connection.execute(_CHANGE, {"key": confirmation}).first()
    if row is None:
        return Found()
    calls = by_call_sid(connection, row.call_sid).calls if row.call_sid else []
    return Found(calls, FoundClient(row.id, row.client_number, row.name))
