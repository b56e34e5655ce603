"""Counts in the English the `ivr` commands print: "1 change", "2 changes", never "change(s)".

Which form a count takes is CLDR's plural rule for English, as Babel has it
(`babel.Locale.plural_form`), the same rules the desktop's words use in both languages.
"""

from __future__ import annotations

from babel import Locale

_ENGLISH = Locale("en")


def counted(count: int, one: str, other: str | None = None) -> str:
    """`count` and its noun in the form English takes for it: `counted(1, "event")` is "1 event",
    `counted(0, "event")` "0 events"; `other` is the plural when it is not `one` + "s"
    (`counted(2, "day", "days")`). The noun is everything after the number ("pending change")."""
    noun = one if _ENGLISH.plural_form(count) == "one" else (other or f"{one}s")
    return f"{count} {noun}"


__all__ = ["counted"]
