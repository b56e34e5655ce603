"""What a backend action is given and gives back, and how it says it talks only to this database.

The action modules (status, addresses, verification) build on this; the registry that names them
(`ivr.services.actions`) imports them, so this piece sits below both and no import goes in a circle.
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

DATABASE_ONLY = "ivr_database_only"
"""The attribute that marks a function as talking to nothing but this database."""


def talks_only_to_the_database(func: ActionFunc) -> ActionFunc:
    """Declare that `func` talks to nothing but this database, so the database's own interrupt keeps it
    within its budget and the webhook runs it on the step's thread; any other action (an agency's web
    service...) runs on an action thread that the step waits for only as long as the budget
    (`ivr.calls.action_budget`). Never declare so an action that waits on anything else."""
    setattr(func, DATABASE_ONLY, True)
    return func
