"""What agents do to calls: take one (the gateway connects them), close it, finish a callback."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ivr.store import calls as callstore
from ivr.engine.flows import FlowSet
from ivr.engine.state import new_call
from ivr.calls.gateway import Gateway, GatewayError
from ivr.calls.status import CallStatus
from ivr.store.models.calls import Call, Contact
from ivr.store.models.desktop import Agent, Callback, Handling
from ivr.desktop.accounts import rings_at

SUBJECTS = ("status", "address_change", "payment", "other")
OUTCOMES = ("resolved", "information_given", "change_made", "follow_up", "referred", "caller_hung_up")


class AlreadyTaken(RuntimeError):
    """Another agent took this call first."""


class NotWaiting(RuntimeError):
    """The call is not waiting for an agent any more (hung up, or finished)."""


@dataclass(frozen=True)
class Taken:
    handling: Handling
    conference: str


def waiting_calls(session: Session) -> list[Call]:
    """Callers in a queue now, longest wait first."""
    return list(session.scalars(
        select(Call).where(Call.status == CallStatus.QUEUED, Call.ended_at.is_(None)).order_by(Call.queued_at, Call.call_sid)))


def reconcile(connection: Connection, gateway: Gateway, flowset: FlowSet, now: datetime) -> int:
    """Record as waiting every caller in Twilio's own agents' queues whom the database does not list
    as waiting (`callstore.note_waiting`: created with what Twilio knows when the call is unknown,
    marked "context not available"), so agents see everyone Twilio holds whatever write failed.

    Runs on `connection` with no transaction open (each write is its own short one). Returns how many
    callers were recorded; raises GatewayError when Twilio fails.
    """
    queues = {flowset.languages.queue(language): language for language in (*flowset.languages.codes, None)}
    members = gateway.queue_members(queues)
    if not members:
        return 0
    calls = Call.__table__
    statuses = dict(connection.execute(select(calls.c.call_sid, calls.c.status).where(
        calls.c.call_sid.in_([member.call_sid for member in members]))).all())
    connection.commit()
    recorded = 0
    for member in members:
        if statuses.get(member.call_sid) == CallStatus.QUEUED:
            continue
        language = queues[member.queue]
        caller = gateway.caller_of(member.call_sid) if member.call_sid not in statuses else None
        waiting = callstore.Waiting(member.call_sid, caller, None, language, member.queue)
        state = replace(new_call(flowset), language=language).to_dict()
        recorded += callstore.note_waiting(connection, waiting, flowset.version, state, now)
    return recorded


def open_callbacks(session: Session) -> list[Callback]:
    return list(session.scalars(
        select(Callback).where(Callback.status == "open").order_by(Callback.due, Callback.requested_at)))


def take_call(session: Session, call: Call, agent: Agent, gateway: Gateway, whisper: list[tuple[str, str]],
              now: datetime) -> Taken:
    """Claim the call for this agent, then have the gateway bridge them; a refusal leaves it waiting."""
    existing = session.get(Handling, call.call_sid)
    if existing is not None:
        if existing.agent_id == agent.id:
            return Taken(existing, existing.conference or "")
        raise AlreadyTaken(call.call_sid)
    if call.status != CallStatus.QUEUED or call.ended_at is not None:
        raise NotWaiting(call.call_sid)
    handling = Handling(call_sid=call.call_sid, agent_id=agent.id, taken_at=now)
    session.add(handling)
    try:
        session.flush()  # the primary key makes a second agent's claim fail here
    except IntegrityError:
        session.rollback()
        raise AlreadyTaken(call.call_sid) from None
    endpoint = rings_at(agent)
    try:
        connection = gateway.connect_agent(call.call_sid, endpoint, call.called, whisper)
    except GatewayError:
        session.rollback()
        raise
    handling.conference = connection.conference
    call.status = CallStatus.WITH_AGENT
    return Taken(handling, connection.conference)


def close_call(session: Session, call: Call, agent: Agent, subject: str, outcome: str, note: str,
               now: datetime) -> Contact | None:
    """Record how the contact ended; it joins the client's history that every channel reads."""
    if subject not in SUBJECTS or outcome not in OUTCOMES:
        raise ValueError("choose a subject and an outcome from the lists")
    handling = session.get(Handling, call.call_sid)
    if handling is None:
        handling = Handling(call_sid=call.call_sid, agent_id=agent.id, taken_at=now)
        session.add(handling)
    handling.closed_at, handling.subject, handling.outcome = now, subject, outcome
    handling.note = note.strip() or None
    if call.status in (CallStatus.QUEUED, CallStatus.WITH_AGENT):
        call.status = CallStatus.COMPLETED
    if call.client_id is None:
        return None
    contact = session.scalar(select(Contact).where(Contact.call_sid == call.call_sid, Contact.channel == "phone"))
    if contact is None:
        contact = Contact(client_id=call.client_id, channel="phone", call_sid=call.call_sid)
        session.add(contact)
    contact.at, contact.subject, contact.outcome, contact.note = now, subject, outcome, handling.note
    session.flush()
    return contact


class CallbackNotOpen(RuntimeError):
    """The callback is done already, or a newer call's request updated it since the agent saw it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "done" | "changed"


def finish_callback(session: Session, callback: Callback, agent: Agent, note: str, now: datetime,
                    subject: str | None, seen_call: str | None = None) -> Contact | None:
    """The agent called back: the request is done and, for a known client, it joins their history.

    Done once, and only as the agent saw it: one UPDATE that requires it still open and still
    holding `seen_call` (the call on the agent's page, when given), so a second click adds no second
    contact and a request a newer call made since is not closed unseen. Raises CallbackNotOpen.
    """
    table = Callback.__table__
    still = [table.c.id == callback.id, table.c.status == "open"]
    if seen_call:
        still.append(table.c.call_sid == seen_call)
    finished = session.execute(update(table).where(*still).values(
        status="done", done_by=agent.id, done_at=now, note=note.strip() or None)).rowcount
    if finished != 1:
        session.rollback()
        raise CallbackNotOpen("done" if session.get(Callback, callback.id).status != "open" else "changed")
    session.refresh(callback)
    if callback.client_id is None:
        return None
    contact = Contact(client_id=callback.client_id, at=now, channel="phone", subject=subject or "other",
                      outcome="called_back", note=callback.note, call_sid=None)
    session.add(contact)
    return contact

