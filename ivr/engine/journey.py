"""The kinds of a call's journey entries (`JourneyEntry.kind`, the `journey_events.kind` column): one
definition. The engine notes the kinds of its steps; the edge notes what happens around them (the
queue, after hours, faults, callbacks). The desktop reads them back to tell an agent the call's story."""

from __future__ import annotations

from enum import StrEnum


class JourneyKind(StrEnum):
    """What a journey entry is about; its `event` says what happened."""

    CALL = "call"
    """The call itself: started, its language chosen by the words said."""
    MENU = "menu"
    ASK = "ask"
    SAY = "say"
    BRANCH = "branch"
    ACTION = "action"
    TRANSFER = "transfer"
    HANGUP = "hangup"
    USE = "use"
    RETURN = "return"
    """The step kinds of flows/*.yaml (`ivr.engine.steps`), each noted when it runs."""
    FAULT = "fault"
    """A step failed, or a caller was found waiting without being recorded there."""
    QUEUE = "queue"
    """How a wait in the agents' queue ended (the channel's result)."""
    CLOSED = "closed"
    """A transfer asked for while agents were out."""
    CALLBACK = "callback"
    """A callback request, left or replaced."""
