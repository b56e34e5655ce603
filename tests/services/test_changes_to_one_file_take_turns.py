"""Two calls changing the same client's address at once take turns (ivr/services/addresses.py): the
second reads the first one's change and replaces it, so one change is pending, never two.

On PostgreSQL the client's row, read FOR UPDATE with the verified client, is the lock; on SQLite
the writer lock taken when each transaction begins."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

from sqlalchemy import select

from ivr.store import db
from ivr.store.models.calls import Call, ChangeRequest, Client
from ivr.services.action_types import ActionContext
from ivr.services.addresses import submit_address

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)


def _context(session, client_id: int, call_sid: str, street: str) -> ActionContext:
    call = Call(call_sid=call_sid, caller="+15145550142", client_id=client_id, verified=True,
                verification_level="identify", verified_by="client_number+birth_date",
                language="fr", state={}, flow_version="test", started_at=NOW, updated_at=NOW)
    return ActionContext(session=session, call=call, now=NOW, position="address/submit",
                         vars={"civic_number": "500", "street": street, "city": "Montréal", "postal_code": "H3B 2Y5"})


def test_two_calls_changing_the_same_address_at_once_take_turns(app):
    with app.app_context(), db.session_for(app) as session:
        client_id = session.scalar(select(Client.id).where(Client.client_number == "100200300"))
    second: dict[str, object] = {}

    def second_call() -> None:
        with app.app_context(), db.session_for(app, writes=True) as session:
            second["result"] = submit_address(_context(session, client_id, "CA-second", "rue Sherbrooke Ouest"))

    with app.app_context(), db.session_for(app, writes=True) as session:
        first = submit_address(_context(session, client_id, "CA-first", "boulevard René-Lévesque"))
        assert first.outcome == "ok"
        other = threading.Thread(target=second_call)
        other.start()
        time.sleep(0.5)
        assert other.is_alive(), "the second call changed the file while the first one's change was not committed"
    other.join(timeout=10)

    assert second["result"].outcome == "replaced"
    assert second["result"].values["replaced_confirmation"] == first.values["confirmation"]
    with app.app_context(), db.session_for(app) as session:
        statuses = dict(session.execute(select(ChangeRequest.call_sid, ChangeRequest.status)).all())
    assert statuses == {"CA-first": "superseded", "CA-second": "pending"}
