"""Backend actions by logical name: what a flow's `action:` step runs.

Flows name actions (`status.lookup`); this registry maps the names to functions, so the
same flow runs against demo data, a test double or the agency's real systems. Every shipped
action is named here, in `ACTIONS`, and nowhere else: importing this module is enough to know
them all (`ivr.lint_context.action_names`), with no module imported for its side effect.
"""

from __future__ import annotations

from collections.abc import Callable

from ivr.services import addresses, status, survey, verification
from ivr.services.action_types import (
    DATABASE_ONLY,
    ActionContext,
    ActionFunc,
    ActionResult,
    talks_only_to_the_database,
)

__all__ = ["ACTIONS", "DATABASE_ONLY", "ActionContext", "ActionFunc", "ActionResult", "UnknownAction", "action",
           "database_only", "run_action"]

ACTIONS: dict[str, ActionFunc] = {
    "address.submit": addresses.submit_address,
    "client.verify": verification.verify,
    "phone.update": addresses.update_phone,
    "status.lookup": status.lookup,
    "survey.keep": survey.keep,
    "survey.offer": survey.offer,
    "verification.available": verification.available,
}
"""Action name -> function. The shipped ones above; `action` adds or replaces one (an agency's own
connector, a test double) in this same table."""


def action(name: str, database_only: bool = False) -> Callable[[ActionFunc], ActionFunc]:
    """Register `func` as the action `name`, replacing any action of that name. `database_only`: it
    talks to nothing but this database (see `ivr.services.action_types.talks_only_to_the_database`)."""
    def register(func: ActionFunc) -> ActionFunc:
        if database_only:
            talks_only_to_the_database(func)
        ACTIONS[name] = func
        return func

    return register


def database_only(name: str) -> bool:
    """Was the action `name` declared as talking to nothing but this database? (False if unknown.)"""
    return bool(getattr(ACTIONS.get(name), DATABASE_ONLY, False))


class UnknownAction(LookupError):
    pass


def run_action(name: str, context: ActionContext) -> ActionResult:
    """Run the action `name`; UnknownAction when no action has that name."""
    func = ACTIONS.get(name)
    if func is None:
        raise UnknownAction(f"no backend action is called '{name}'")
    return func(context)
