"""The flows this process serves: loaded once, looked up by version, never parsed per request.

Safe publishing: at most every few seconds (on a request) the store looks at the files'
sizes and times. A valid change becomes the version new calls start on; calls in progress
keep the version they started with; an invalid change is refused, logged with its findings,
and the last good version keeps serving. Each version's files are also kept in the database
(``flow_versions``), so a process that never loaded a version (another gunicorn worker, or
one started after the change) still finishes a call on it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from pathlib import Path
from collections.abc import Mapping
from typing import Any, Protocol

from flask import Flask, current_app

from ivr.engine.counts import counted
from ivr.engine.flows import FlowSet
from ivr.engine.languages import Languages
from ivr.engine.loader import load_flowset
from ivr.engine.languages import BUILT_IN
from ivr.engine.texts import TextPath
from ivr.engine.findings import FlowsInvalid
from ivr.store.archive import DatabaseArchive

log = logging.getLogger(__name__)

DEFAULT_CHECK_SECONDS = 2.0
KEEP_VERSIONS = 50
"""Versions kept in memory; older ones come back from the archive when a call still needs one."""

Files = dict[str, str]
Fingerprint = tuple[tuple[str, int, int], ...]


class VersionArchive(Protocol):
    """Where the files of each version are kept so any process can load it again."""

    def save(self, version: str, files: Files) -> None: ...

    def load(self, version: str) -> Files | None: ...


class FlowStore:
    """Holds the current flow set and the versions calls in progress started on."""

    def __init__(self, flows_dir: Path, prompts_dir: Path, archive: VersionArchive | None = None,
                 check_every: float = DEFAULT_CHECK_SECONDS, options: Mapping[str, Any] | None = None):
        self.flows_dir = Path(flows_dir)
        self.options = dict(options or {})
        self.prompts_dir = Path(prompts_dir)
        self.archive = archive
        self.check_every = check_every
        self._lock = threading.Lock()
        self._versions: OrderedDict[str, FlowSet] = OrderedDict()
        self._fingerprint = self._stat()
        self._refused: Fingerprint | None = None
        self._gone: set[str] = set()
        self._next_check = time.monotonic() + check_every
        self._current = self._load_and_keep()

    # -- the files ---------------------------------------------------------------------------

    def _sources(self) -> list[tuple[str, Path]]:
        found = [(f"flows/{p.name}", p) for p in sorted(self.flows_dir.glob("*.yaml"))]
        found += [(f"prompts/{p.relative_to(self.prompts_dir).as_posix()}", p)
                  for p in sorted(self.prompts_dir.glob("*/*.yaml"))]
        return found

    def _stat(self) -> Fingerprint:
        """Names, sizes and change times: enough to notice an edit without reading anything."""
        marks = []
        for name, path in self._sources():
            try:
                stat = path.stat()
            except OSError:
                continue
            marks.append((name, stat.st_mtime_ns, stat.st_size))
        return tuple(marks)

    def _read(self) -> Files:
        files: Files = {}
        for name, path in self._sources():
            try:
                files[name] = path.read_bytes().decode("utf-8", errors="surrogateescape")
            except OSError:
                continue
        return files

    def _load(self) -> FlowSet:
        flowset = load_flowset(self.flows_dir, self.prompts_dir, **self.options)
        self._versions[flowset.version] = flowset
        return flowset

    def _load_and_keep(self) -> FlowSet:
        """Load the files on disk and keep a copy of them: the very files loaded (read again to be sure)."""
        for _ in range(3):
            before = self._read()
            flowset = self._load()
            if self._read() == before:
                break
        self._remember(flowset, before)
        return flowset

    def _remember(self, flowset: FlowSet, files: Files | None) -> None:
        self._versions[flowset.version] = flowset
        self._versions.move_to_end(flowset.version)
        while len(self._versions) > KEEP_VERSIONS:
            self._versions.popitem(last=False)
        if files is not None and self.archive is not None:
            try:
                self.archive.save(flowset.version, files)
            except Exception as error:  # serving calls matters more than keeping a copy
                log.warning("could not keep a copy of flows version %s: %s", flowset.version, error)

    # -- what calls use ----------------------------------------------------------------------

    @property
    def current(self) -> FlowSet:
        return self._current

    def for_version(self, version: str) -> FlowSet:
        """The flows a call started on, so a call in progress is never switched mid-way."""
        found = self._versions.get(version)
        if found is not None or not version or version in self._gone:
            return found or self._current
        self.refresh(force=True)  # another process may already serve the files now on disk
        found = self._versions.get(version) or self._from_archive(version)
        if found is None:
            self._gone.add(version)  # warn once, not on every step of the call
            log.warning("flows version %s is gone; its calls carry on with version %s", version,
                        self._current.version)
            return self._current
        return found

    def _from_archive(self, version: str) -> FlowSet | None:
        if self.archive is None:
            return None
        try:
            files = self.archive.load(version)
        except Exception as error:
            log.warning("could not read flows version %s back: %s", version, error)
            return None
        if not files:
            return None
        root = TextPath(files, f"flows version {version}", folders=("flows", "prompts"))
        try:
            flowset = load_flowset(root / "flows", root / "prompts", **self.options)
        except FlowsInvalid as invalid:
            log.warning("stored flows version %s no longer loads: %s", version, invalid)
            return None
        if flowset.version != version:
            log.warning("stored flows version %s loads as %s; not used", version, flowset.version)
            return None
        with self._lock:
            self._remember(flowset, None)
        return flowset

    # -- publishing --------------------------------------------------------------------------

    def refresh(self, force: bool = False) -> FlowSet:
        """Take up a change on disk: a valid one for new calls, an invalid one refused and logged."""
        now = time.monotonic()
        if not force and now < self._next_check:
            return self._current
        if not self._lock.acquire(blocking=force):
            return self._current  # another thread is already looking
        try:
            self._next_check = now + self.check_every
            mark = self._stat()
            if mark == self._fingerprint or mark == self._refused:
                return self._current
            try:
                flowset = self._load_and_keep()
            except FlowsInvalid as invalid:
                self._refused = mark
                log.error("refused a change to the flows (%s); still serving version %s:\n%s",
                          counted(len(invalid.findings), "error"), self._current.version, invalid)
                return self._current
            self._fingerprint, self._refused = mark, None
            if flowset.version != self._current.version:
                log.info("flows version %s now answers new calls (was %s)", flowset.version,
                         self._current.version)
            self._current = flowset
            return flowset
        finally:
            self._lock.release()

    def reload(self) -> FlowSet:
        """Load now, whatever the clock says; raises FlowsInvalid for an invalid change."""
        with self._lock:
            mark = self._stat()
            self._current = self._load_and_keep()
            self._fingerprint, self._refused = mark, None
            return self._current


def init_app(app: Flask, options: Mapping[str, Any] | None = None) -> None:
    """Serve the flows of FLOWS_DIR/PROMPTS_DIR, checked with `options` (`ivr.lint_context.loader_options()`:
    the actions, prompts said by code and desktop languages the program has)."""
    seconds = app.config.get("FLOWS_CHECK_SECONDS")
    if seconds is None:
        seconds = DEFAULT_CHECK_SECONDS
    app.extensions["ivr.flows"] = flows = FlowStore(app.config["FLOWS_DIR"], app.config["PROMPTS_DIR"],
                                                    archive=DatabaseArchive(app.extensions["ivr.db"]),
                                                    check_every=float(seconds), options=options)
    for warning in flows.current.warnings:  # errors already refused to start, listing every one
        log.warning("flows: %s", warning)
    app.before_request(_look_for_changes)


def _look_for_changes() -> None:
    store().refresh()


def store() -> FlowStore:
    return current_app.extensions["ivr.flows"]


def languages() -> Languages:
    """The languages of the flows being served (flows/languages.yaml, ivr.engine.languages); the built-in
    pair in an app that serves no flows."""
    flows = current_app.extensions.get("ivr.flows")
    return flows.current.languages if flows is not None else BUILT_IN
