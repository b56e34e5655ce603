"""Prompts the application says by itself, not named in any flow: the wait on hold.

The loader and `ivr lint` are given this list, so these keys must exist in French and in
English and never show as unused. tests/test_lint_shipped.py reads the code for quoted prompt
keys and fails if one is missing here.
"""

from __future__ import annotations

SAID_BY_CODE: tuple[str, ...] = (
    "hold.position",
    "hold.wait_one",
    "hold.wait_many",
    "hold.stay",
    "hold.already_waiting",
)
