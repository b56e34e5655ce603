"""What the application tells the linter that the pure engine cannot know.

The backend actions that exist, and the prompts the application says by itself (the wait on
hold), so the loader at start-up and `ivr lint` check flows against the real program.
tests/engine/test_lint_shipped.py reads the code for quoted prompt keys and fails if one is missing here.
"""

from __future__ import annotations

from typing import Any

from ivr.desktop.words import WORDS_LANGUAGES
from ivr.content.waiting_prompts import PROMPTS_SAID

# The hold loop, the after-hours answer, and the recording notice said before the greeting.
SAID_BY_CODE: tuple[str, ...] = (*PROMPTS_SAID, "recording.notice")


def action_names() -> tuple[str, ...]:
    """The backend actions a flow's `action:` step may name."""
    from ivr.services import addresses, clients, status, survey  # noqa: F401 - registers the built-in actions
    from ivr.services.actions import ACTIONS

    return tuple(sorted(ACTIONS))


def loader_options() -> dict[str, Any]:
    """Keyword arguments for load_flowset and lint, so both check the same things."""
    return {"actions": action_names(), "code_prompts": SAID_BY_CODE, "desktop_languages": WORDS_LANGUAGES}
