"""Callback requests: one open callback per number, and a rate per caller ID.

A request for a number that already has an open callback updates it (the newest call, its reason,
due date and language), and the journeys of both calls say so; the database's partial unique index
(`Callback`, open rows only) refuses a second open one, so requests that arrive together cannot
make two. Each caller ID may make `limit` requests an hour, counted under a keyed hash
(`ivr.privacy.caller_key`) with one conditional UPDATE, so copies arriving together cannot pass it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Integer, bindparam, case, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ivr.engine.journey import JourneyKind
from ivr.store.models.desktop import Callback
from ivr.store.models.calls import Call, JourneyEvent
from ivr.store.models.security import CallbackRequestCount
from ivr.privacy import caller_key

RATE_WINDOW = timedelta(hours=1)
"""The window of the per-caller rate: it starts with a caller ID's first request and lasts an hour."""

_COUNTS = CallbackRequestCount.__table__
_NOW = bindparam("now", type_=DateTime(timezone=True))
_SINCE = bindparam("since", type_=DateTime(timezone=True))
_STALE = _COUNTS.c.window_start <= _SINCE

_PEEK = select(_COUNTS.c.requests).where(_COUNTS.c.caller_key == bindparam("key"), _COUNTS.c.window_start > _SINCE)
_TAKE = (
    _COUNTS.update()
    .where(_COUNTS.c.caller_key == bindparam("key"),
           or_(_STALE, _COUNTS.c.requests < bindparam("limit", type_=Integer)))
    .values(requests=case((_STALE, 1), else_=_COUNTS.c.requests + 1),
            window_start=case((_STALE, _NOW), else_=_COUNTS.c.window_start))
)
_FIRST = _COUNTS.insert().values(caller_key=bindparam("key"), window_start=_NOW, requests=1)


def over_rate(session: Session, caller: str | None, limit: int, now: datetime) -> bool:
    """Has this caller ID (E.164 as Twilio sends `From`; withheld ones share one count) made `limit`
    callback requests within the hour? A read only: what a caller is offered on hold."""
    requests = session.connection().execute(_PEEK, {"key": caller_key(caller), "since": now - RATE_WINDOW}).scalar()
    return (requests or 0) >= limit


def take_from_rate(session: Session, caller: str | None, limit: int, now: datetime) -> bool:
    """Count one callback request for this caller ID, in the session's transaction; False (counting
    nothing) when it has made `limit` within the hour. The UPDATE takes the count's row, so of
    requests arriving together exactly `limit` pass; rolled back with the request if it fails."""
    values = {"key": caller_key(caller), "limit": limit, "now": now, "since": now - RATE_WINDOW}
    connection = session.connection()
    if connection.execute(_TAKE, values).rowcount == 1:
        return True
    try:
        with session.begin_nested():
            session.connection().execute(_FIRST, values)
        return True
    except IntegrityError:  # the caller ID has a count (over the limit, or made just now by another request)
        return session.connection().execute(_TAKE, values).rowcount == 1


@dataclass(frozen=True)
class Requested:
    """A stored request: the open callback, and the call whose open request it took over (if any)."""

    callback: Callback
    took_over: str | None


def request_callback(session: Session, call: Call, *, number: str, language: str, reason: str, due: date,
                     now: datetime, seq: int, position: str, detail: dict[str, Any]) -> Requested:
    """Open a callback to `number` (E.164) for `call`, or update the number's open one, in the
    session's transaction; the journeys of this call (and of the call it took over) say so.

    The insert of a new one races with requests from other calls for the same number: the loser's
    IntegrityError (the partial unique index) turns it into an update of the winner's callback."""
    callback = _open_for(session, number)
    if callback is None:
        try:
            with session.begin_nested():
                callback = Callback(call_sid=call.call_sid, client_id=call.client_id, number=number,
                                    language=language, reason=reason, due=due, requested_at=now, status="open")
                session.add(callback)
        except IntegrityError:  # another call's request for this number was stored first
            callback = _open_for(session, number)
            if callback is None:
                raise
    took_over = callback.call_sid if callback.call_sid != call.call_sid else None
    callback.call_sid = call.call_sid
    callback.client_id = call.client_id if call.client_id is not None else callback.client_id
    callback.language, callback.reason, callback.due = language, reason, due
    session.add(JourneyEvent(call_sid=call.call_sid, seq=seq, at=now, position=position, kind=JourneyKind.CALLBACK,
                             event="requested", detail={**detail, **({"took_over": True} if took_over else {})}))
    if took_over is not None:
        earlier = session.execute(select(Call.last_seq, Call.state).where(Call.call_sid == took_over)).first()
        if earlier is not None:
            session.add(JourneyEvent(call_sid=took_over, seq=earlier.last_seq, at=now,
                                     position=str((earlier.state or {}).get("position", "")), kind=JourneyKind.CALLBACK,
                                     event="taken_over", detail={"by": call.call_sid}))
    session.flush()
    return Requested(callback, took_over)


def _open_for(session: Session, number: str) -> Callback | None:
    """The number's open callback, locked until the session commits (PostgreSQL: the row; SQLite
    ignores FOR UPDATE, and the request already holds the single writer)."""
    return session.scalar(select(Callback).where(Callback.number == number, Callback.status == "open")
                          .with_for_update())
