"""Writing and reading the audit trail: every verification, suspension and change of a file."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr import clock
from ivr.store.models.calls import Call, Client
from ivr.store.models.security import AuditEvent
from ivr.privacy import caller_key, keyed, mask_phone


_APPEND = AuditEvent.__table__.insert()  # built once: a verification step writes one row or more


def record(session: Session, action: str, outcome: str, *, actor_kind: str, actor: str,
           client_id: int | None = None, call: Call | None = None, subject_key: str | None = None,
           caller_hash: str | None = None, old_value: dict[str, Any] | None = None,
           new_value: dict[str, Any] | None = None, at: datetime | None = None, **detail: Any) -> None:
    """Append one event, in the session's transaction (and savepoint), at once: a throttle count that
    follows sees it. Values must already be masked (see ivr.privacy). The event's caller key is the
    call's caller ID's, else `caller_hash` (a `privacy.caller_key`)."""
    session.connection().execute(_APPEND, {
        "at": at or clock.now(),
        "action": action,
        "outcome": outcome,
        "actor_kind": actor_kind,
        "actor": actor,
        "client_id": client_id,
        "call_sid": call.call_sid if call is not None else None,
        "caller": mask_phone(call.caller) if call is not None and call.caller else None,
        "subject_key": subject_key,
        "caller_key": caller_key(call.caller) if call is not None else caller_hash,
        "old_value": old_value,
        "new_value": new_value,
        "detail": detail,
    })


def trail(session: Session, client: Client) -> list[AuditEvent]:
    """Everything recorded about one client's file, oldest first, including tries with their number."""
    key = keyed("client", client.client_number)
    query = select(AuditEvent).where((AuditEvent.client_id == client.id) | (AuditEvent.subject_key == key))
    return list(session.scalars(query.order_by(AuditEvent.at, AuditEvent.id)))
