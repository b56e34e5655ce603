"""What the IVR stores: clients and their files, calls in progress, the contact history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text
from ivr import clock
from ivr.store.models.base import Base
from sqlalchemy.orm import Mapped, mapped_column, relationship


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_number: Mapped[str] = mapped_column(String(9), unique=True)
    birth_date: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(2), default="fr")
    phone: Mapped[str | None] = mapped_column(String(20))
    civic_number: Mapped[str] = mapped_column(String(10))
    street: Mapped[str] = mapped_column(String(120))
    apartment: Mapped[str | None] = mapped_column(String(10))
    city: Mapped[str] = mapped_column(String(80))
    province: Mapped[str] = mapped_column(String(2))
    postal_code: Mapped[str] = mapped_column(String(7))

    applications: Mapped[list[Application]] = relationship(back_populates="client", order_by="Application.id")

    def address(self) -> dict[str, Any]:
        return {
            "civic_number": self.civic_number,
            "street": self.street,
            "apartment": self.apartment,
            "city": self.city,
            "province": self.province,
            "postal_code": self.postal_code,
        }


class Application(Base):
    """A benefit application and where it stands."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    benefit: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    received: Mapped[date] = mapped_column(Date)
    decided: Mapped[date | None] = mapped_column(Date)
    expected: Mapped[date | None] = mapped_column(Date)
    waiting_for: Mapped[str | None] = mapped_column(String(40))
    first_payment_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    first_payment_date: Mapped[date | None] = mapped_column(Date)

    client: Mapped[Client] = relationship(back_populates="applications")


class ChangeRequest(Base):
    """An address or phone change made by phone, with the old value kept."""

    __tablename__ = "change_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    confirmation: Mapped[str] = mapped_column(String(12), unique=True)
    old_value: Mapped[dict[str, Any]] = mapped_column(JSON)
    new_value: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    call_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    # Cooling-off (issue 5): pending until effective_at, then applied, unless reversed before.
    effective_at: Mapped[datetime | None] = mapped_column(index=True)
    decided_at: Mapped[datetime | None] = mapped_column()
    decided_by: Mapped[str | None] = mapped_column(String(60))


class CallStatus(StrEnum):
    """Where a call stands, as `Call.status` stores it: one definition, here beside the column (the store
    reads and writes these too); `ivr.calls.status` gives it to the rest of the code."""

    IN_IVR = "in_ivr"
    """In self-service: the engine carries the call."""
    QUEUED = "queued"
    """Sent to the agents' queue, waiting for one."""
    WITH_AGENT = "with_agent"
    """An agent took the call (the desktop), or Twilio bridged it."""
    AFTER_HOURS = "after_hours"
    """Asked for an agent while none was in: at the after-hours choices."""
    CALLBACK = "callback"
    """Left a callback request (on hold, after hours, or when the queue was full or failing)."""
    COMPLETED = "completed"
    """Ended well: finished in self-service, or closed by an agent."""
    ABANDONED = "abandoned"
    """The caller hung up in self-service."""
    ABANDONED_IN_QUEUE = "abandoned_in_queue"
    """The caller hung up while waiting for an agent."""


class Call(Base):
    """One phone call, keyed by Twilio's CallSid; its engine state lets any process carry it on."""

    __tablename__ = "calls"
    __table_args__ = (
        # Finding a caller's calls by the number they called from (ivr.store.search), newest first, without a scan.
        Index("ix_calls_caller_started", "caller", "started_at"),
        Index("ix_calls_started_at", "started_at"),  # reports count calls by when they began
    )

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    caller: Mapped[str | None] = mapped_column(String(32))
    called: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    flow_version: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(20), default=CallStatus.IN_IVR.value)
    language: Mapped[str | None] = mapped_column(String(2))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_by: Mapped[str | None] = mapped_column(String(60))
    verification_level: Mapped[str | None] = mapped_column(String(30))
    caller_id_matches: Mapped[bool | None] = mapped_column(Boolean)  # shown to agents; never verifies
    transfer_reason: Mapped[str | None] = mapped_column(String(120))
    queue: Mapped[str | None] = mapped_column(String(40))
    queued_at: Mapped[datetime | None] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    ended_at: Mapped[datetime | None] = mapped_column()
    end_status: Mapped[str | None] = mapped_column(String(20))
    duration: Mapped[int | None] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_twiml: Mapped[str | None] = mapped_column(Text)

    client: Mapped[Client | None] = relationship()


class JourneyEvent(Base):
    """One thing that happened in a call, for the agent's screen and per-step counts."""

    __tablename__ = "journey_events"
    __table_args__ = (Index("ix_journey_call_seq", "call_sid", "id"),)  # a call's journey, in order

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=clock.now)
    position: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    event: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CallFacts(Base):
    """What the reports need of one call's journey, folded when the call ends (ivr.store.reports): no
    words, no client, no number. `flags` holds one bit per fact in the order of `signature` (a digest of
    what the reports asked when it was folded); `through_id` is the last journey row folded, so facts
    that a later row (or other definitions) outdated are folded again at report time, not trusted."""

    __tablename__ = "call_facts"

    call_sid: Mapped[str] = mapped_column(ForeignKey("calls.call_sid"), primary_key=True)
    signature: Mapped[str] = mapped_column(String(16))
    through_id: Mapped[int] = mapped_column(Integer)
    flags: Mapped[int] = mapped_column(Integer)
    wait: Mapped[int | None] = mapped_column(Integer)
    step: Mapped[str | None] = mapped_column(String(120))


class Contact(Base):
    """One contact of a client on any channel: the history every channel reads."""

    __tablename__ = "contacts"
    __table_args__ = (
        # reports: the client's next contact, read from the index alone (subject and call qualify it)
        Index("ix_contacts_client_next", "client_id", "at", "subject", "call_sid"),
        Index("ix_contacts_at", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=clock.now)
    channel: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(60))
    outcome: Mapped[str] = mapped_column(String(60))
    call_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    note: Mapped[str | None] = mapped_column(Text)
