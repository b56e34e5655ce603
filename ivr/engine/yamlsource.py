"""YAML loading that keeps line numbers, so every content error can point at its line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ivr.engine.findings import UNREADABLE, Finding
from ivr.engine.texts import as_path
from ivr.engine.yamlproblems import DuplicateKey, KeyNotText, explain


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
            raise KeyNotText(key_node.start_mark)
        if key in mapping.key_lines:
            raise DuplicateKey(key, mapping.key_lines[key][0], key_node.start_mark)
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
    """A file that cannot be read: where to look, what is wrong and how to fix it, in plain words
    (ivr.engine.yamlproblems translates the parser's)."""

    path: str
    line: int
    column: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}" + (f" — {self.hint}" if self.hint else "")

    def finding(self) -> Finding:
        return Finding(UNREADABLE, self.message, self.path, self.line, self.column, hint=self.hint)


def load_text(text: str, path: str, as_text: bool = False) -> Any:
    """Parse YAML keeping lines; with `as_text`, every scalar but null stays a string.

    Raises YamlProblem, in plain words, when the text is not YAML that can be read.
    """
    try:
        return yaml.load(text, Loader=_TextLoader if as_text else _LineLoader)  # noqa: S506 - SafeLoader subclasses
    except yaml.YAMLError as error:
        explained = explain(error, text)
        raise YamlProblem(path, explained.line, explained.column, explained.message, explained.hint) from None


def load_file(path: Path | str) -> Any:
    """Read and parse a UTF-8 YAML file; raises YamlProblem if it is not UTF-8 or not YAML."""
    path = as_path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise YamlProblem(str(path), line, error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1,
                          f"this file is not saved as UTF-8 (line {line} has a character that is not UTF-8)",
                          "save it again with the UTF-8 encoding (your editor's 'Save with encoding'), "
                          "which French accents need") from None
    return load_text(text, str(path))
