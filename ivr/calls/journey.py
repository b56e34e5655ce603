"""The kinds of a call's journey entries, for the code above the engine: defined once, in the engine,
which notes most of them (`ivr.engine.journey.JourneyKind`)."""

from __future__ import annotations

from ivr.engine.journey import JourneyKind

__all__ = ["JourneyKind"]
