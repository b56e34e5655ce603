"""The flows this process serves: loaded once, looked up by version, never parsed per request."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import Flask, current_app

from .lint_context import loader_options
from .engine import FlowSet, load_flowset

log = logging.getLogger(__name__)


class FlowStore:
    """Holds the current flow set and the versions calls in progress started on."""

    def __init__(self, flows_dir: Path, prompts_dir: Path):
        self.flows_dir = Path(flows_dir)
        self.prompts_dir = Path(prompts_dir)
        self._lock = threading.Lock()
        self._versions: dict[str, FlowSet] = {}
        self._current = self._load()

    def _load(self) -> FlowSet:
        flowset = load_flowset(self.flows_dir, self.prompts_dir, **loader_options())
        self._versions[flowset.version] = flowset
        return flowset

    @property
    def current(self) -> FlowSet:
        return self._current

    def for_version(self, version: str) -> FlowSet:
        """The flows a call started on, so a call in progress is never switched mid-way."""
        return self._versions.get(version, self._current)

    def reload(self) -> FlowSet:
        with self._lock:
            self._current = self._load()
            return self._current


def init_app(app: Flask) -> None:
    app.extensions["ivr.flows"] = flows = FlowStore(app.config["FLOWS_DIR"], app.config["PROMPTS_DIR"])
    for warning in flows.current.warnings:  # errors already refused to start, listing every one
        log.warning("flows: %s", warning)


def store() -> FlowStore:
    return current_app.extensions["ivr.flows"]
