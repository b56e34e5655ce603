"""YAML loading that keeps line numbers, so every content error can point at its line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class Located(dict):
    """A mapping that remembers where it and each of its keys were written."""

    line: int = 0
    column: int = 0
    key_lines: dict[Any, tuple[int, int]]

    def where(self, key: Any | None = None) -> tuple[int, int]:
        if key is not None and key in self.key_lines:
            return self.key_lines[key]
        return (self.line, self.column)


class LocatedList(list):
    line: int = 0
    column: int = 0
    item_lines: list[tuple[int, int]]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Located:
    loader.flatten_mapping(node)
    mapping = Located()
    mapping.line = node.start_mark.line + 1
    mapping.column = node.start_mark.column + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict)):
            raise yaml.constructor.ConstructorError(
                None, None, "a key cannot be a list or a mapping", key_node.start_mark
            )
        if key in mapping.key_lines:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"'{key}' is written twice in the same block; keep only one",
                key_node.start_mark,
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LocatedList:
    items = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    items.line = node.start_mark.line + 1
    items.column = node.start_mark.column + 1
    items.item_lines = [(c.start_mark.line + 1, c.start_mark.column + 1) for c in node.value]
    return items


def _construct_scalar_str(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
    # Keys like 1, 2, * and dates must stay as written: content staff type text.
    return loader.construct_scalar(node)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
# Dates and times stay strings: "08:00" must not become minutes, 2026-12-24 stays text.
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_scalar_str)


class _TextLoader(_LineLoader):
    """Numbers and yes/no stay the text staff typed: press 0012, "no" keywords, 17:00."""


def _as_text(loader: _TextLoader, node: yaml.ScalarNode) -> str:
    return loader.construct_scalar(node)


for _tag in ("int", "float", "bool"):
    _TextLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _as_text)


@dataclass(frozen=True)
class YamlProblem(Exception):
    """A file that is not valid YAML, with the position the parser stopped at."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


def load_text(text: str, path: str, as_text: bool = False) -> Any:
    """Parse YAML keeping lines; with `as_text`, every scalar but null stays a string."""
    try:
        return yaml.load(text, Loader=_TextLoader if as_text else _LineLoader)  # noqa: S506 - SafeLoader subclasses
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        column = mark.column + 1 if mark else 1
        problem = error.problem or error.context or "this is not valid YAML"
        raise YamlProblem(
            path,
            line,
            column,
            f"{problem} — check the indentation and that text with ':' or '#' is in quotes",
        ) from None


def load_file(path: Path | str) -> Any:
    path = Path(path)
    return load_text(path.read_text(encoding="utf-8"), str(path))
