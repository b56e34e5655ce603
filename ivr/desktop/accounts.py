"""Agents' accounts: hashed passwords for the desktop, hashed bearer tokens for the API."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ivr import clock
from ivr.engine.languages import BUILT_IN, Languages
from ivr.store.missing import insert_missing
from ivr.store.models.desktop import Agent, AgentToken
from ivr.desktop.roles import ROLES
from ivr.desktop.words import desktop_languages

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"
DEMO_TOKEN = "demo-token"
HASH_METHOD = "scrypt"  # werkzeug's default: slow on purpose; tests swap in a quick one


class AccountError(ValueError):
    """An account cannot be made or changed as asked; the message says what to do instead."""


def find_agent(session: Session, username: str) -> Agent | None:
    return session.scalar(select(Agent).where(Agent.username == username.strip().lower()))


def rings_at(agent: Agent) -> str:
    """Where the agent's calls ring: the endpoint given (a phone, client:NAME), else the browser softphone
    client:USERNAME."""
    return agent.endpoint or f"client:{agent.username}"


def actor_id(agent: Agent) -> str:
    """How the audit trail names an agent who did something to a file: "agent:7" (their account's id)."""
    return f"agent:{agent.id}"


def add_agent(session: Session, username: str, password: str, display_name: str | None = None,
              language: str | None = None, endpoint: str | None = None, role: str = "agent",
              languages: Languages = BUILT_IN) -> Agent:
    name = username.strip().lower()
    if not name or not name.replace("-", "").replace(".", "").replace("_", "").isalnum():
        raise AccountError(
            f"'{username}' is not a usable user name: use letters, digits, '.', '-' or '_'")
    if find_agent(session, name) is not None:
        raise AccountError(f"an agent called '{name}' already exists; choose another name")
    if len(password) < 4:
        raise AccountError("the password is too short: use at least 4 characters (12 or more in production)")
    offered = desktop_languages(languages)
    language = language or offered[0]
    if language not in offered:
        raise AccountError(f"language '{language}' is not offered; use {' or '.join(offered)}")
    if role not in ROLES:
        raise AccountError(f"role '{role}' does not exist; use one of: {', '.join(ROLES)}")
    agent = Agent(username=name, display_name=display_name or name, language=language, endpoint=endpoint,
                  role=role, password_hash=generate_password_hash(password, HASH_METHOD))
    session.add(agent)
    session.flush()
    return agent


def authenticate(session: Session, username: str, password: str) -> Agent | None:
    """The agent when the password matches; None otherwise, without saying which part was wrong.

    An agent who signs in through the identity provider has no password (an empty hash) and is never
    let in here; the same work is done as for a wrong password, so the answer's timing tells nothing.
    """
    agent = find_agent(session, username)
    if agent is None or not agent.active or not agent.password_hash:
        check_password_hash(generate_password_hash("x", HASH_METHOD), password)  # same work either way
        return None
    return agent if check_password_hash(agent.password_hash, password) else None


def agent_from_provider(session: Session, subject: str, name: str, display_name: str = "", locale: str = "",
                        role: str = "agent", languages: Languages = BUILT_IN) -> Agent:
    """The agent the identity provider's `subject` ("<issuer> <sub>") signs in, made at the first sign-in.

    Found by the subject only, never by a name, so a provider account can never take over a local one;
    a new agent gets the provider's user name made usable here (with "-2", "-3"... when taken), the
    provider's display name and language when it gives them, no password, and `role`. The role and the
    display name are brought up to date at every sign-in.
    """
    agent = session.scalar(select(Agent).where(Agent.oidc_subject == subject))
    if agent is None:
        base = _usable_name(name)
        username, number = base, 1
        while find_agent(session, username) is not None:
            number += 1
            username = f"{base[:55]}-{number}"
        offered = desktop_languages(languages)
        language = locale[:2].lower() if locale[:2].lower() in offered else offered[0]
        agent = Agent(username=username, display_name=(display_name or username)[:120], language=language,
                      password_hash="", oidc_subject=subject, role=role)
        session.add(agent)
    else:
        agent.role = role
        if display_name:
            agent.display_name = display_name[:120]
    session.flush()
    return agent


def _usable_name(name: str) -> str:
    """A provider's user name (often an e-mail address) as a desktop user name: letters, digits, '.', '-', '_'."""
    local = name.strip().lower().split("@")[0]
    kept = "".join(c if c.isalnum() or c in ".-_" else "-" for c in local).strip("-.")
    return kept[:60] or "agent"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, agent: Agent, token: str | None = None) -> str:
    """A new API token for the agent; it is shown once and only its hash is kept."""
    token = token or "ivr_" + secrets.token_urlsafe(32)
    session.add(AgentToken(agent_id=agent.id, token_hash=_digest(token)))
    session.flush()
    return token


def agent_for_token(session: Session, token: str) -> Agent | None:
    if not token:
        return None
    row = session.scalar(select(AgentToken).where(AgentToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None or not row.agent.active:
        return None
    row.last_used_at = clock.now()
    return row.agent


def tokens_of(session: Session, agent: Agent) -> list[AgentToken]:
    return list(session.scalars(select(AgentToken).where(AgentToken.agent_id == agent.id).order_by(AgentToken.id)))


def revoke_tokens(session: Session, agent: Agent, token_id: int | None = None) -> int:
    """Revoke one of the agent's tokens (by its number) or all of them; the API refuses them at once."""
    rows = [row for row in tokens_of(session, agent)
            if row.revoked_at is None and (token_id is None or row.id == token_id)]
    if token_id is not None and not rows:
        raise AccountError(f"'{agent.username}' has no valid token number {token_id}; "
                           f"see them with `ivr agent token list {agent.username}`")
    now = clock.now()
    for row in rows:
        row.revoked_at = now
    session.flush()
    return len(rows)


def ensure_demo_agent(session: Session) -> Agent:
    """The demo desktop's agent (demo / demo, token demo-token), made once; an admin, so the demo shows every page.
    Safe beside another process making it at the same moment (`ivr seed --demo` twice): the store skips what exists."""
    if find_agent(session, DEMO_USERNAME) is None:
        insert_missing(session, Agent, [dict(
            username=DEMO_USERNAME, display_name="Agent Démo", language="fr", endpoint="client:demo", role="admin",
            password_hash=generate_password_hash(DEMO_PASSWORD, HASH_METHOD))], "username")
    agent = find_agent(session, DEMO_USERNAME)
    insert_missing(session, AgentToken, [dict(agent_id=agent.id, token_hash=_digest(DEMO_TOKEN))], "token_hash")
    return agent
