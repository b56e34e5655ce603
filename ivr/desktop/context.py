"""The screen pop: everything the IVR learned about a call, in plain words in the agent's language.

Built from the Call row, its JourneyEvent rows, the client's file and contact history, so the
agent never asks the caller to repeat what they already said or heard.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.store.calls import REACHED_THROUGH_FAULT
from ivr.engine.flows import FlowSet
from ivr.engine.phones import region_name, region_of
from ivr.engine.verification import default_policy
from ivr.store.models.calls import Call, ChangeRequest, Client, Contact, JourneyEvent
from ivr.services.verification import is_self_service_suspended
from ivr.desktop.identity import Identity, IdentityState, identity_of
from ivr.store.models.desktop import Callback, Handling
from ivr.desktop.words import Noun, Words

ADDRESS_FIELDS = ("postal_code", "civic_number", "street", "apartment", "city")
NOT_SHOWN = {"birth_date", "client_number"}  # never kept, or shown in the identity block
HIDDEN_IN_JOURNEY = {"birth_date", "postal_code_on_file", "survey_score"}  # checked or kept apart, then forgotten: not even a masked part is shown
REPEAT_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Clock:
    """Now and the centre's timezone, so dates read as the agent's wall clock."""

    now: datetime
    zone: ZoneInfo

    def local(self, when: datetime | None) -> datetime | None:
        if when is None:
            return None
        if when.tzinfo is None:  # SQLite hands back naive UTC
            when = when.replace(tzinfo=timezone.utc)
        return when.astimezone(self.zone)


def _aware(when: datetime | None) -> datetime | None:
    if when is not None and when.tzinfo is None:
        return when.replace(tzinfo=timezone.utc)
    return when


def reason_key(raw: str) -> str:
    """The family of a transfer reason, as the desktop's words name it (reasons.*), for the page and reports."""
    if raw in ("asked_for_agent", "no_input", "not_understood", "fault", "verification_suspended", REACHED_THROUGH_FAULT):
        return raw
    if raw.endswith(":failed"):
        return "not_verified"
    if raw.endswith(":error"):
        return "error"
    return "flow"


def caller_display(number: str | None) -> str | None:
    """(514) 555-0142 for North American numbers, +33 1 23… for others; None when hidden or not a valid
    number (calls stored before the border cleaned caller IDs may hold anything: never show it raw)."""
    if not number:
        return None
    try:
        parsed = phonenumbers.parse(number, "CA")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    if phonenumbers.region_code_for_number(parsed) in ("CA", "US"):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def number_region(number: str | None, words: Words) -> dict[str, str | None]:
    """Where a number is (phonenumbers' region, an ISO 3166 code, and its name in the agent's language
    from CLDR): a callback to Jamaica or the US is seen before it is dialled."""
    region = region_of(number)
    return {"region": region, "label": region_name(region, str(words.locale)) if region else None}


def _flow_of(position: str) -> str:
    return position.split("/", 1)[0]


def topic_of(events: list[JourneyEvent]) -> str | None:
    """What the caller came for, from the flows they went through."""
    flows = [_flow_of(e.position) for e in events]
    if "address" in flows:
        return "address_change"
    if "status" in flows:
        return "status"
    chosen = [e.detail.get("key") for e in events if e.position == "main/menu" and e.event == "chose"]
    if chosen:
        return {"1": "status", "2": "address_change"}.get(str(chosen[-1]))
    return None


class _Builder:
    def __init__(self, session: Session, call: Call, words: Words, flowset: FlowSet | None, clock: Clock):
        self.session = session
        self.call = call
        self.w = words
        self.flowset = flowset
        self.clock = clock
        self.events = list(session.scalars(
            select(JourneyEvent).where(JourneyEvent.call_sid == call.call_sid).order_by(JourneyEvent.id)))
        self.vars: dict[str, Any] = dict((call.state or {}).get("vars", {}))
        self.client = session.get(Client, call.client_id) if call.client_id else None
        self.changes = list(session.scalars(select(ChangeRequest).where(ChangeRequest.call_sid == call.call_sid)))
        self.identity: Identity = identity_of(session, call, self.client, self.events, self.vars)

    # -- words -----------------------------------------------------------------------------

    def duration(self, seconds: float | None) -> str | None:
        return self.w.duration(seconds)

    def step_name(self, position: str) -> Noun:
        """The step as a noun the sentence puts its article before ("au code postal", "at the postal code")."""
        if self.w.lookup(f"steps.{position}") is not None:
            return self.w.noun(f"steps.{position}")
        return self.w.noun("unknown_step", step=position)

    def field_name(self, name: Any) -> Noun:
        return self.w.noun(f"fields.{name}", default=str(name))

    def term(self, value: str | None) -> str:
        if not value:
            return ""
        if self.flowset is not None:
            entry = self.flowset.prompts.get(f"terms.{value}", self.w.language)
            if entry is not None and entry.text:
                return entry.text
        return str(value).replace("_", " ")

    # -- parts -------------------------------------------------------------------------------

    def journey(self) -> list[dict[str, Any]]:
        rows = []
        for event in self.events:
            summary = self.summary(event)
            if summary:
                row = {"step": event.position, "summary": summary,
                       "at": _aware(event.at).isoformat() if event.at else None}
                quote = self.quote(event)
                if quote and self.call.language and quote in summary:
                    row["quote"] = {"text": quote, "language": self.call.language}
                rows.append(row)
        return rows

    def quote(self, event: JourneyEvent) -> str | None:
        """The caller's own words inside a summary (what they heard or said), in the call's language."""
        d = event.detail or {}
        if event.kind == "say" and event.event == "heard":
            return d.get("text") or None
        if event.event == "nomatch":
            return d.get("said") or None
        if event.event == "entered" and d.get("by") == "speech" and d.get("name") not in HIDDEN_IN_JOURNEY:
            return str(d["value"]) if d.get("value") not in (None, "") else None
        return None

    def summary(self, event: JourneyEvent) -> str | None:
        w, d, step = self.w, event.detail or {}, event.position
        kind, what = event.kind, event.event
        if kind == "branch":  # the flow's own decision, not something the caller did
            return None
        if what == "started":
            return w("journey.started")
        if what == "chose":
            choice = w.lookup(f"choices.{step}:{d.get('key')}")
            if choice:
                return w("journey.said_choice" if d.get("by") == "speech" else "journey.chose", key=d.get("key"),
                         choice=choice)
            return w("journey.chose_plain", key=d.get("key"), step=self.step_name(step))
        if what == "entered" and kind == "ask":
            field = self.field_name(d.get("name"))
            if d.get("name") in HIDDEN_IN_JOURNEY:
                return w("journey.entered_hidden", field=field)
            key = "journey.said_value" if d.get("by") == "speech" else "journey.entered"
            return w(key, field=field, value=d.get("value") if d.get("value") not in (None, "") else "—")
        if kind == "say" and what == "heard":
            return w("journey.heard", text=d.get("text", "")) if d.get("text") else None
        if kind == "action" and what == "outcome":
            return self.action_summary(str(d.get("action")), str(d.get("outcome")), step)
        if what == "failed":
            return w("journey.action_failed", action=d.get("action"))
        if what == "noinput":
            return w("journey.noinput", step=self.step_name(step))
        if what == "nomatch":
            if "pressed" in d:
                return w("journey.nomatch_pressed", step=self.step_name(step), value=d["pressed"])
            if "said" in d:
                return w("journey.nomatch_said", step=self.step_name(step), value=d["said"])
            return w("journey.nomatch", step=self.step_name(step))
        if what == "asked_for_agent":
            how = w("journey.by_speech") if d.get("input") == "speech" else w("journey.by_keypad")
            return w("journey.asked_for_agent", how=how)
        if what == "repeat":
            return w("journey.repeat")
        if kind == "transfer":
            return w("journey.transfer", queue=d.get("queue", ""))
        if kind == "fault" and what == "found_waiting":
            return w("journey.found_waiting", queue=d.get("queue", ""))
        if kind == "fault":
            return w("journey.fault", error=d.get("error", ""))
        if kind == "hangup":
            return w("journey.hangup")
        if kind == "callback":
            if what == "taken_over":
                return w("journey.callback_taken_over")
            return w("journey.callback_took_over" if d.get("took_over") else "journey.callback")
        if kind == "queue":
            waited = self.duration(d.get("seconds")) or "—"
            return w(f"journey.wait_{what}", default=w("journey.wait_other", waited=waited), waited=waited)
        if kind == "closed":
            return w("journey.after_hours")
        return None

    def action_summary(self, action: str, outcome: str, step: str = "") -> str | None:
        w = self.w
        if action == "verification.available":
            return None if outcome == "offered" else w("journey.verify_not_offered")
        if action == "client.verify":
            if outcome == "suspended":
                return w("journey.verify_suspended")
            if outcome == "verified" and step.startswith("step_up/"):
                return w("journey.step_up_verified")
            return w({"verified": "journey.verified", "retry": "journey.verify_retry"}.get(outcome,
                                                                                       "journey.verify_failed"))
        if action == "status.lookup":
            return w("journey.lookup", outcome=w(f"lookup.{outcome}", default=outcome))
        if action == "address.submit":
            return w("journey.submitted")
        if action == "phone.update":
            return w("journey.phone_saved")
        return w("journey.action", action=action, outcome=outcome)

    def verify_attempts(self) -> int:
        return self.identity.attempts

    def verification(self) -> str:
        identity = self.identity
        if identity.verified:
            if self.call.verification_level == "step_up":
                return self.w("verification.verified_step_up")
            return self.w("verification.verified")
        if identity.state is IdentityState.SUSPENDED:
            if identity.attempts:
                return self.w("verification.suspended_after", count=identity.attempts)
            return self.w("verification.suspended")
        if identity.attempts:
            return self.w("verification.failed", count=identity.attempts)
        return self.w("verification.not_tried")

    def transfer_event(self) -> JourneyEvent | None:
        return next((e for e in reversed(self.events) if e.kind == "transfer"), None)

    def reason(self) -> str | None:
        raw = self.call.transfer_reason
        if not raw:
            return None
        w = self.w
        asked = next((e for e in reversed(self.events) if e.event == "asked_for_agent"), None)
        key = reason_key(raw)
        if key == REACHED_THROUGH_FAULT:  # where they were is what was not recorded
            return w(f"reasons.{key}")
        if key in ("not_verified", "flow") and self.identity.suspended:
            key = "verification_suspended"  # the try that failed last also suspended self-service verification
        if key == "asked_for_agent" and asked and asked.detail.get("input") == "speech":
            key = "asked_by_speech"
        transfer = self.transfer_event()
        position = transfer.position if transfer else (self.call.state or {}).get("position", "")
        return w("reasons.sentence", reason=w(f"reasons.{key}"), where=self.where(position))

    def where(self, position: str) -> str:
        w, flow = self.w, _flow_of(position)
        if position == "main/language" or (flow == "main" and not self.call.language):
            return w("where.greeting")
        if flow == "main":
            return w("where.main_menu")
        if flow in ("identify", "step_up"):
            topic = topic_of(self.events) or "none"
            return w(f"where.{flow}", topic=w(f"topics.{topic}"))
        if flow == "status":
            heard = any(e.kind == "action" and e.detail.get("action") == "status.lookup"
                        and e.detail.get("outcome") not in ("none",) for e in self.events)
            if heard and self.vars.get("benefit"):
                return w("where.status_heard", benefit=Noun(self.term(self.vars.get("benefit")), w.language))
            return w("where.status")
        if flow == "address":
            done = any(c.kind == "address" for c in self.changes)
            return w("where.address_done") if done else w("where.address")
        return w("where.elsewhere", step=self.step_name(position))

    def collected(self) -> list[dict[str, Any]]:
        """Values the caller gave that no request holds yet (a half-finished address)."""
        submitted_address = any(c.kind == "address" for c in self.changes)
        submitted_phone = any(c.kind == "phone" for c in self.changes)
        entered = [e.detail.get("name") for e in self.events if e.event == "entered"]
        rows = []
        for name in dict.fromkeys(entered):
            if name in NOT_SHOWN or name not in self.vars or self.vars[name] in (None, ""):
                continue
            if (name in ADDRESS_FIELDS and submitted_address) or (name == "new_phone" and submitted_phone):
                continue
            rows.append({"field": name, "label": str(self.field_name(name)), "value": self.vars[name]})
        return rows

    def submitted(self) -> list[dict[str, Any]]:
        rows = []
        for change in self.changes:
            label = self.w("journey.submitted") if change.kind == "address" else self.w("journey.phone_saved")
            rows.append({"kind": change.kind, "summary": label, "confirmation": change.confirmation,
                         "value": change.new_value, "status": change.status})
        return rows

    def failures(self) -> list[str]:
        w = self.w
        counts = Counter(e.event for e in self.events if e.event in ("nomatch", "noinput"))
        rows = []
        if self.verify_attempts():
            rows.append(w("failures.verify", count=self.verify_attempts()))
        if counts["nomatch"]:
            rows.append(w("failures.nomatch", count=counts["nomatch"]))
        if counts["noinput"]:
            rows.append(w("failures.noinput", count=counts["noinput"]))
        if any(e.kind == "fault" or e.event == "failed" for e in self.events):
            rows.append(w("failures.fault"))
        return rows

    def contacts(self) -> list[dict[str, Any]]:
        """The client's history, newest first, with the contact this call has become once it is closed."""
        if self.client is None:
            return []
        contacts = self.session.scalars(
            select(Contact).where(Contact.client_id == self.client.id).order_by(Contact.at.desc()).limit(20))
        return [{**contact_row(c, self.w, self.clock), "this_call": c.call_sid == self.call.call_sid}
                for c in contacts]

    def repeat_note(self, contacts: list[dict[str, Any]]) -> str | None:
        since = self.clock.now - REPEAT_WINDOW
        recent = [c for c in contacts if c["_at"] >= since and not c["this_call"]]
        if not recent:
            return None
        return self.w("ui.repeat_contacts", ordinal=self.w.ordinal(len(recent) + 1), count=REPEAT_WINDOW.days)

    def whisper(self) -> str:
        """What the agent hears before the caller: verification, language, subject."""
        w = self.w
        who = {IdentityState.VERIFIED: "whisper.verified", IdentityState.SUSPENDED: "whisper.suspended",
               IdentityState.NONE: "whisper.unknown"}.get(self.identity.state, "whisper.not_verified")
        parts = [w(who), w.language_label(self.call.language)]
        topic = topic_of(self.events)
        if topic:
            parts.append(w(f"subjects.{topic}"))
        return ", ".join(parts)


def contact_row(contact: Contact, words: Words, clock: Clock) -> dict[str, Any]:
    at = _aware(contact.at)
    local = clock.local(at)
    return {
        "at": at.isoformat() if at else None,
        "_at": at,
        "when": words.datetime(local),
        "channel": contact.channel,
        "channel_label": words(f"channels.{contact.channel}", default=contact.channel),
        "subject": contact.subject,
        "subject_label": words(f"subjects.{contact.subject}", default=contact.subject),
        "outcome": contact.outcome,
        "outcome_label": words(f"outcomes.{contact.outcome}", default=contact.outcome),
        "note": contact.note,
    }


def public(row: dict[str, Any]) -> dict[str, Any]:
    """A row without its private helper keys (those starting with _), ready for JSON."""
    return {k: v for k, v in row.items() if not k.startswith("_")}


def call_context(session: Session, call: Call, words: Words, flowset: FlowSet | None, clock: Clock) -> dict[str, Any]:
    """The whole screen pop for one call, as plain data for the page and the JSON API."""
    b = _Builder(session, call, words, flowset, clock)
    client = b.identity.client  # verified, or only claimed: its suspension and history help the agent verify
    queued_at, started_at = _aware(call.queued_at), _aware(call.started_at)
    handling = session.get(Handling, call.call_sid)
    callback = session.scalar(select(Callback).where(Callback.call_sid == call.call_sid))
    in_queue_until = _aware(handling.taken_at) if handling else _aware(call.ended_at) or clock.now
    contacts = b.contacts()
    return {
        "call_sid": call.call_sid,
        "caller": call.caller,
        "caller_display": caller_display(call.caller) or words("ui.unknown_caller"),
        "caller_region": number_region(call.caller, words),
        "language": call.language,
        "language_label": words.language_label(call.language),
        **_identity_fields(b),
        "verification": b.verification(),
        "self_service_suspended": bool(client) and is_self_service_suspended(
            session, client, flowset.verification if flowset is not None else default_policy(), clock.now),
        "status": call.status,
        "status_label": words(f"statuses.{call.status}", default=call.status),
        "topic": topic_of(b.events),
        "transfer_reason": call.transfer_reason,
        "reason": b.reason(),
        **context_mark(call, words, "ui.context_unavailable"),
        "journey": b.journey(),
        "collected": b.collected(),
        "submitted": b.submitted(),
        "failures": b.failures(),
        "queue": call.queue,
        "started_at": started_at.isoformat() if started_at else None,
        "waiting_since": queued_at.isoformat() if queued_at else None,
        "time_in_ivr": b.duration((queued_at - started_at).total_seconds()) if queued_at and started_at else None,
        "time_in_queue": b.duration((in_queue_until - queued_at).total_seconds()) if queued_at else None,
        "contacts": [public(c) for c in contacts],  # with this call's own, once closed ("this_call")
        "previous_contacts": [public(c) for c in contacts if not c["this_call"]],
        "repeat_note": b.repeat_note(contacts),
        "whisper": b.whisper(),
        "taken_by": handling.agent.display_name if handling else None,
        "closed": bool(handling and handling.closed_at),
        "callback": callback_row(callback, words, clock) if callback else None,
    }


IDENTITY_FIELDS = ("client_number", "client_name", "verified", "verification_state", "claimed", "headline")


def _identity_fields(b: _Builder) -> dict[str, Any]:
    """The caller's identity for the page and the API (see ivr/desktop/identity.py): `client_number` and
    `client_name` name the verified client only (None until verified); a file or number the caller only
    gave is in `claimed` ({client_number, client_name, claim, warning}, or None)."""
    identity = b.identity
    verified = identity.verified_client
    return {
        "client_number": verified.client_number if verified else None,
        "client_name": verified.name if verified else None,
        "verified": identity.verified,
        "verification_state": str(identity.state),
        "claimed": identity.claimed(b.w),
        "headline": identity.headline(b.w),
    }


def queue_row(session: Session, call: Call, words: Words, flowset: FlowSet | None, clock: Clock) -> dict[str, Any]:
    """One waiting caller in the list: enough to choose whom to take, nothing more."""
    b = _Builder(session, call, words, flowset, clock)
    queued_at = _aware(call.queued_at)
    return {
        "call_sid": call.call_sid,
        "caller": call.caller,
        "queue": call.queue,
        "language": call.language,
        "language_label": words.language_label(call.language),
        "waiting_since": queued_at.isoformat() if queued_at else None,
        "waited": b.duration((clock.now - queued_at).total_seconds()) if queued_at else None,
        "reason": b.reason(),
        **context_mark(call, words, "ui.context_unavailable_short"),
        **_identity_fields(b),
        "whisper": b.whisper(),
    }


def context_mark(call: Call, words: Words, key: str) -> dict[str, Any]:
    """Whether the IVR's record of this call can be trusted as its context: not for a caller found
    waiting after a write failed (callstore.REACHED_THROUGH_FAULT); then `context_note` says so."""
    available = call.transfer_reason != REACHED_THROUGH_FAULT
    return {"context_available": available, "context_note": None if available else words(key)}


def callback_row(callback: Callback, words: Words, clock: Clock) -> dict[str, Any]:
    """A callback request; who asked (IDENTITY_FIELDS) is its call's, from queue_row."""
    requested = _aware(callback.requested_at)
    local = clock.local(requested)
    return {
        "id": callback.id,
        "call_sid": callback.call_sid,
        "number": callback.number,
        "number_display": caller_display(callback.number) or callback.number,
        "number_region": number_region(callback.number, words),
        "language": callback.language or None,
        "language_label": words.language_label(callback.language),
        "requested_at": requested.isoformat() if requested else None,
        "requested": words.datetime(local),
        "due": callback.due.isoformat(),
        "due_label": words.date(callback.due),
        "status": callback.status,
        "reason": callback.reason,
    }
