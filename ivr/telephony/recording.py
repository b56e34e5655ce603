"""Call recording that never captures verification answers.

When IVR_RECORD_CALLS is on, the first thing a caller hears says so in French then English (the
prompt recording.notice, said by the code so no flow can forget it or put it later), the
recording starts once the caller has heard that, and it is paused for as long as the IVR waits
for a sensitive answer (client number, birth date, postal code on file, a new address or phone),
then resumed. The telephony side is a small `RecordingControl`: Twilio's REST API in production,
a recording fake in tests. The agent-side gateway (ivr/telephony/gateway.py) is separate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.engine.flows import FlowSet
from ivr.engine.state import CallState
from ivr.engine.steps import Ask
from ivr.store.models.calls import Call
from ivr.store.models.security import CallRecording

log = logging.getLogger(__name__)

CURRENT = "Twilio.CURRENT"


class RecordingControl(Protocol):
    def start(self, call_sid: str) -> str | None: ...

    def pause(self, call_sid: str) -> None: ...

    def resume(self, call_sid: str) -> None: ...


@dataclass
class RecordingFake:
    """Remembers what it was asked, in order: [("start", "CA…"), ("pause", "CA…"), …]."""

    actions: list[tuple[str, str]] = field(default_factory=list)
    fail: bool = False

    def _do(self, what: str, call_sid: str) -> None:
        if self.fail:
            raise ConnectionError("the telephony provider did not answer")
        self.actions.append((what, call_sid))

    def start(self, call_sid: str) -> str | None:
        self._do("start", call_sid)
        return f"RE{len(self.actions):032d}"

    def pause(self, call_sid: str) -> None:
        self._do("pause", call_sid)

    def resume(self, call_sid: str) -> None:
        self._do("resume", call_sid)


class TwilioRecordingControl:
    """Recording through Twilio's REST API (twilio.rest.Client)."""

    def __init__(self, client: Any):
        self.client = client

    def start(self, call_sid: str) -> str | None:
        return self.client.calls(call_sid).recordings.create(recording_channels="dual").sid

    def pause(self, call_sid: str) -> None:
        # "skip" leaves the paused part out of the file instead of recording silence over it.
        self.client.calls(call_sid).recordings(CURRENT).update(status="paused", pause_behavior="skip")

    def resume(self, call_sid: str) -> None:
        self.client.calls(call_sid).recordings(CURRENT).update(status="in-progress")


def enabled() -> bool:
    """Whether calls are recorded (IVR_RECORD_CALLS)."""
    return bool(current_app.config.get("RECORD_CALLS"))


def control() -> RecordingControl | None:
    """The app's recording control, or None when calls are not recorded."""
    if not enabled():
        return None
    app = current_app
    if "ivr.recording" not in app.extensions:
        configured = app.config.get("RECORDING_CONTROL")
        if configured is None:
            from twilio.rest import Client  # 160 ms to import: only a server that records calls pays it

            configured = TwilioRecordingControl(Client(app.config["TWILIO_ACCOUNT_SID"],
                                                       app.config["TWILIO_AUTH_TOKEN"]))
        app.extensions["ivr.recording"] = configured
    return app.extensions["ivr.recording"]


NOTICE = "recording.notice"
"""Said by the code, in every language of the line (greeting order), before the greeting of every recorded call."""


def with_notice(result: Any, flowset: FlowSet) -> Any:
    """The first turn of a call, preceded by the recording notice when calls are recorded."""
    if not current_app.config.get("RECORD_CALLS"):
        return result
    notice = tuple(flowset.prompts.render(NOTICE, language, {}) for language in flowset.languages.codes)
    return replace(result, turn=replace(result.turn, prompts=notice + tuple(result.turn.prompts)))


def _waiting_for_sensitive_answer(flowset: FlowSet, state: CallState) -> bool:
    if state.awaiting != "input" or state.finished:
        return False
    try:
        step = flowset.step(state.position)
    except KeyError:
        return False
    return isinstance(step, Ask) and step.sensitive


def follow(session: Session, call: Call, flowset: FlowSet, state: CallState, first_turn: bool) -> None:
    """After a turn: start recording once the notice was heard, pause it for sensitive answers."""
    recorder = control()
    if recorder is None:
        return
    recording = session.scalar(select(CallRecording).where(CallRecording.call_sid == call.call_sid))
    sensitive = _waiting_for_sensitive_answer(flowset, state)
    try:
        if recording is None:
            if first_turn or state.finished:
                return  # the caller has not heard the notice yet, or the IVR part is over
            recording = CallRecording(call_sid=call.call_sid, recording_sid=recorder.start(call.call_sid),
                                      paused=False)
            session.add(recording)
        if sensitive and not recording.paused:
            recorder.pause(call.call_sid)
            recording.paused = True
        elif not sensitive and recording.paused:
            recorder.resume(call.call_sid)
            recording.paused = False
    except Exception as error:  # the call goes on; operations hear about it
        log.error("recording control failed on call %s (%s): %s", call.call_sid,
                  "pause" if sensitive else "start/resume", type(error).__name__)


class Recorder:
    """Recording as `ivr.calls.line.Recorder`: this module's rules, with the app's settings of the request."""

    def enabled(self) -> bool:
        return enabled()

    def with_notice(self, result: Any, flowset: FlowSet) -> Any:
        return with_notice(result, flowset)

    def follow(self, session: Session, call: Call, flowset: FlowSet, state: CallState, first_turn: bool) -> None:
        follow(session, call, flowset, state, first_turn)
