"""The desktop's own words, per agent language (callers' words are in prompts/, not here)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("fr", "en")
_HERE = Path(__file__).parent


@lru_cache(maxsize=None)
def _catalog(language: str) -> dict[str, Any]:
    with open(_HERE / f"{language}.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


class Words:
    """`words("ui.title")`, `words("journey.heard", text=...)`: a missing key shows itself, never crashes."""

    def __init__(self, language: str):
        self.language = language if language in LANGUAGES else "fr"

    def lookup(self, key: str) -> Any:
        node: Any = _catalog(self.language)
        for part in key.split(".", 1) if "." in key else [key]:
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def __call__(self, name: str, /, default: str | None = None, **values: Any) -> str:
        text = self.lookup(name)
        if not isinstance(text, str):
            return default if default is not None else name
        return text.format(**values) if values else text

    def ordinal(self, number: int) -> str:
        if self.language == "fr":
            return "1er" if number == 1 else f"{number}e"
        suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
        return f"{number}{suffix}"
