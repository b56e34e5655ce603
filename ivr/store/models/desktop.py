"""What the agent side stores: agents, their API tokens, who took which call, callback requests."""

from __future__ import annotations

from datetime import date, datetime
from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ivr import clock
from ivr.store.models.calls import Base, Call, Client


class Agent(Base):
    """A person who answers transferred calls; the password is only ever stored hashed."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(2), default="fr")
    endpoint: Mapped[str | None] = mapped_column(String(64))  # phone (E.164) or "client:name" for a browser
    active: Mapped[bool] = mapped_column(default=True)
    role: Mapped[str] = mapped_column(String(20), default="agent")  # agent | supervisor | admin (see roles.py)
    # "<issuer> <sub>" for an agent who signs in through the agency's OpenID provider (oidc.py); such an
    # account has no password (an empty hash, which no password matches)
    oidc_subject: Mapped[str | None] = mapped_column(String(400), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


class AgentToken(Base):
    """A bearer token for the JSON API (a CRM's screen pop); only its SHA-256 is kept."""

    __tablename__ = "agent_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    agent: Mapped[Agent] = relationship()


class Handling(Base):
    """An agent taking a transferred call, and how they closed it."""

    __tablename__ = "call_handlings"

    call_sid: Mapped[str] = mapped_column(ForeignKey("calls.call_sid"), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    conference: Mapped[str | None] = mapped_column(String(80))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    subject: Mapped[str | None] = mapped_column(String(60))
    outcome: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)

    agent: Mapped[Agent] = relationship()
    call: Mapped[Call] = relationship()


OPEN = "status = 'open'"


class Callback(Base):
    """A caller who chose to be called back rather than wait, with the call that holds the context.

    One open callback per number: a new request for a number that has one updates it (the newest
    call, reason, due date and language; `ivr.services.callbacks`). The partial unique index makes
    the database refuse a second one, so requests arriving together cannot make two.
    """

    __tablename__ = "callbacks"
    __table_args__ = (
        Index("uq_callbacks_open_number", "number", unique=True, sqlite_where=text(OPEN),
              postgresql_where=text(OPEN)),
        Index("ix_callbacks_requested_at", "requested_at"),  # reports count callbacks by when they were asked
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(ForeignKey("calls.call_sid"), index=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    number: Mapped[str] = mapped_column(String(20))  # E.164
    language: Mapped[str] = mapped_column(String(2), default="fr")  # "" when the caller never chose one
    reason: Mapped[str] = mapped_column(String(20), default="on_hold")  # on_hold | after_hours | queue_full | queue_error
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    due: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | done | replaced (see migrations)
    done_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)

    call: Mapped[Call] = relationship()
    client: Mapped[Client | None] = relationship()


class AgentSession(Base):
    """A signed-in browser, kept on the server so signing out or a timeout really ends it.

    The cookie holds a random id; only its SHA-256 is stored, so a copy of the database opens no session.
    """

    __tablename__ = "agent_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(20))  # signed_out | idle | shift_over | inactive

    agent: Mapped[Agent] = relationship()


class SignInFailure(Base):
    """A refused sign-in, counted per lane (name and address, or name and known browser) to slow guessing.

    The typed user name, the address and the browser's device id are kept only as keyed hashes: people
    sometimes type their password in the user-name field, and an address is personal data. See throttle.py.
    """

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(String(64), index=True)
    address_key: Mapped[str] = mapped_column(String(64), index=True)  # keyed hash of the client IP
    # keyed hash of the browser's device id, when its device cookie vouched for the typed name (devices.py)
    device_key: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now, index=True)
