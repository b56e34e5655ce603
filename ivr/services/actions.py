"""Backend actions by logical name: what a flow's `action:` step runs.

Flows name actions (`status.lookup`); this registry maps the names to functions, so the
same flow runs against demo data, a test double or the agency's real systems.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ivr.store.models.calls import Call

if TYPE_CHECKING:
    from ivr.engine.verification import VerificationPolicy


@dataclass(frozen=True)
class ActionResult:
    outcome: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class ActionContext:
    """What an action may use: the database, the call, the values the caller gave."""

    session: Session
    call: Call
    vars: dict[str, Any]
    now: datetime
    position: str = ""  # the flow/step running the action (verification reads its level from it)
    policy: VerificationPolicy | None = None  # flows/verification.yaml, as loaded with the flows


ActionFunc = Callable[[ActionContext], ActionResult]
ACTIONS: dict[str, ActionFunc] = {}


DATABASE_ONLY = "ivr_database_only"


def action(name: str, database_only: bool = False) -> Callable[[ActionFunc], ActionFunc]:
    """Register `func` as the action `name`. `database_only`: it talks to nothing but this database,
    so the database's own interrupt keeps it within its budget and the webhook runs it on the
    step's thread; any other action (an agency's web service...) runs on an action thread that the
    step waits for only as long as the budget (`ivr.calls.action_budget`). Never declare an action that
    waits on anything else database-only."""
    def register(func: ActionFunc) -> ActionFunc:
        if database_only:
            setattr(func, DATABASE_ONLY, True)
        ACTIONS[name] = func
        return func

    return register


def database_only(name: str) -> bool:
    """Was the action `name` registered as talking to nothing but this database? (False if unknown.)"""
    _register_built_in()
    return bool(getattr(ACTIONS.get(name), DATABASE_ONLY, False))


class UnknownAction(LookupError):
    pass


def _register_built_in() -> None:
    # Importing here registers the built-in actions once, whoever asks first.
    from ivr.services import addresses, clients, status, survey, verification  # noqa: F401


def run_action(name: str, context: ActionContext) -> ActionResult:
    _register_built_in()
    func = ACTIONS.get(name)
    if func is None:
        raise UnknownAction(f"no backend action is called '{name}'")
    return func(context)
