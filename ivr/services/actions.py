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

from ..models import Call

if TYPE_CHECKING:
    from ..engine.verification import VerificationPolicy


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


def action(name: str) -> Callable[[ActionFunc], ActionFunc]:
    def register(func: ActionFunc) -> ActionFunc:
        ACTIONS[name] = func
        return func

    return register


class UnknownAction(LookupError):
    pass


def run_action(name: str, context: ActionContext) -> ActionResult:
    # Importing here registers the built-in actions once, whoever asks first.
    from . import addresses, clients, status, verification  # noqa: F401

    func = ACTIONS.get(name)
    if func is None:
        raise UnknownAction(f"no backend action is called '{name}'")
    return func(context)
