"""Plays a planned history (`ivr.cli.history`) through the real webhook, in the past.

Each call is a `PhoneCall` posting signed Twilio webhooks to the app through Flask's test client, as
the scenario runner and the tests do, with `ivr.clock` held at the moment the plan gives and moved
on by each pause of the caller, each wait in line and each conversation. What the caller does next
follows what the line answers: a caller sent to an agent (the flow, a suspension, a fault) waits in
line; one who asks for an agent after hours hears the closed message's choices. The agents' part is
the desktop's own service (`ivr.desktop.service`): the demo agent takes the call, talks, and closes
it with a subject; callbacks are done at a later moment in the agents' hours, if that moment is
before the history's end (later ones stay open, as on a real line).
"""

from __future__ import annotations

import heapq
import logging
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from ivr import clock, config
from ivr.app import create_app
from ivr.clock import HeldClock
from ivr.cli.history import POOL_CALLS_PER_CLIENT, AfterHours, DemoCaller, Kind, PlannedCall, QueueEnd, plan_history
from ivr.desktop import service
from ivr.desktop.accounts import DEMO_USERNAME, find_agent
from ivr.services.changes import local_zone
from ivr.services.demo import DEMO_CLIENTS, fictional_client, seed_fictional
from ivr.store import db
from ivr.store.models.calls import Call, Client
from ivr.store.models.desktop import Callback
from ivr.telephony.phone import CallEnded, FlaskTransport, PhoneCall
from ivr.telephony.twiml import speakable

NOT_UNDERSTOOD = {"fr": ("euh", "la pizza", "blablabla"), "en": ("um", "the weather", "blah blah")}
NEW_ADDRESSES = (("H3B 2Y5", "rue Sherbrooke Ouest", "Montréal"), ("H2T 1S6", "rue Laval", "Montréal"),
                 ("K1P 5K7", "Elgin Street", "Ottawa"), ("J8X 1A1", "rue Principale", "Gatineau"))
"""Where clients move: streets of the demo's own cities, never a person's address."""
CALLED_BACK_WITHIN_HOURS = (0.5, 6.0)
AGENT_OUTCOMES = {"resolved": 50, "information_given": 30, "follow_up": 15, "referred": 5}


@dataclass
class Played:
    """What the playback did, to tell the person who ran it (counts)."""

    calls: int = 0
    sent_to_agents: int = 0
    answered: int = 0
    hung_up_in_queue: int = 0
    after_hours: int = 0
    callbacks_requested: int = 0
    callbacks_done: int = 0


@dataclass(order=True)
class _DueCallback:
    at: datetime
    call_sid: str = field(compare=False)
    subject: str = field(compare=False)


class Playback:
    """Plays calls in time order on `app` (built with the line's hours), with `held` as the clock.

    `agents_open(moment)` is the line's hours; `ends` is the history's end (callbacks due later stay open).
    """

    def __init__(self, app: Flask, held: HeldClock, agents_open: Callable[[datetime], bool], ends: datetime) -> None:
        self.app, self.held, self.agents_open, self.ends = app, held, agents_open, ends
        self.transport = FlaskTransport(app.test_client())
        self.token = str(app.config["TWILIO_AUTH_TOKEN"])
        self.gateway = app.extensions["ivr.gateway"]
        self.played = Played()
        self._callbacks: list[_DueCallback] = []

    # -- the history ----------------------------------------------------------------------------------

    def play(self, planned: PlannedCall) -> None:
        """One call, from its first ring to the agent's note; callbacks due before it are done first."""
        self.finish_callbacks(planned.at)
        self.held.move_to(planned.at)
        rng = random.Random(planned.seed)
        call = PhoneCall(self.transport, self.token, caller=planned.caller, call_sid=planned.call_sid,
                         clock=self.held.seconds)
        call.dial()
        self.played.calls += 1
        for move in self._moves(planned, rng):
            if not self._in_self_service(call):
                break
            self.held.tick(rng.uniform(3, 12))
            move(call)
        self._after_self_service(call, planned, rng)
        if not call.ended:
            self.held.tick(rng.uniform(2, 8))
            call.hang_up()

    def finish_callbacks(self, until: datetime) -> None:
        """The demo agent calls back everyone due before `until` (and before the history's end)."""
        while self._callbacks and self._callbacks[0].at <= min(until, self.ends):
            due = heapq.heappop(self._callbacks)
            self.held.move_to(due.at)
            with db.session_for(self.app, writes=True) as session:
                callback = session.scalar(select(Callback).where(Callback.call_sid == due.call_sid,
                                                                 Callback.status == "open"))
                if callback is None:  # a newer call's request took its place: done with that one
                    continue
                service.finish_callback(session, callback, self._agent(session), "", due.at, due.subject)
            self.played.callbacks_done += 1

    # -- what the caller does -----------------------------------------------------------------------------

    def _moves(self, planned: PlannedCall, rng: random.Random) -> list[Callable[[PhoneCall], Any]]:
        language = self._greeting_key(planned.language)
        kind, client = planned.kind, planned.client
        if kind is Kind.HUNG_UP:
            return [lambda c: c.press(language)][:rng.randrange(2)] + [lambda c: c.press("1")][:rng.randrange(2)]
        moves: list[Callable[[PhoneCall], Any]] = [lambda c: c.press(language)]
        if kind is Kind.ASKED_FOR_AGENT:
            return moves + [lambda c: c.press("0")]
        if kind is Kind.NOT_UNDERSTOOD:
            return moves + [lambda c, w=w: c.say(w, confidence=0.4) for w in NOT_UNDERSTOOD[planned.language]] * 2
        if kind is Kind.NO_ANSWER:
            return moves + [lambda c: c.silence()] * 6
        if kind is Kind.FAULT:
            return moves + [lambda c: c.fallback()]
        if kind is Kind.NOT_VERIFIED:
            guesses = [(f"9{rng.randrange(10**8):08d}", f"19{rng.randrange(40, 99)}0{rng.randrange(1, 10)}1{rng.randrange(10)}")
                       for _ in range(4)]
            return moves + [lambda c: c.press("1")] + [lambda c, g=g, n=n: c.press(g[n]) for g in guesses for n in (0, 1)]
        assert client is not None, f"{kind} is a call of a client on file"
        service_key = "1" if kind in (Kind.STATUS, Kind.STATUS_THEN_AGENT) else "2"
        moves.append(lambda c: c.press(service_key))
        if planned.mistyped_once:
            moves += [lambda c: c.press(client.client_number), lambda c: c.press("19000101")]
        moves += [lambda c: c.press(client.client_number), lambda c: c.press(client.birth_date)]
        if kind is Kind.STATUS:  # sometimes hears it again, then ends the call (3), which asks the question
            return moves + [lambda c: c.press("1")][:int(rng.random() < 0.15)] + [lambda c: c.press("3")]
        if kind is Kind.STATUS_THEN_AGENT:
            return moves + [lambda c: c.press("0")]
        postal, street, city = rng.choice(NEW_ADDRESSES)
        on_file = self._postal_code_on_file(client.client_number) or client.postal_code
        moves += [lambda c: c.say(on_file), lambda c: c.say(postal), lambda c: c.press(str(rng.randrange(1, 9000)))]
        if kind is Kind.LEFT_DURING_CHANGE:
            return moves
        apartment = str(rng.randrange(1, 40)) if rng.random() < 0.3 else "#"
        moves += [lambda c: c.say(street), lambda c: c.say(city), lambda c: c.press(apartment), lambda c: c.press("1")]
        if kind is Kind.ADDRESS_AND_PHONE:
            moves += [lambda c: c.press("1"), lambda c: c.press(f"819555{rng.randrange(100, 200):04d}")]
        else:
            moves.append(lambda c: c.press("2"))
        return moves + [lambda c: c.press("2")]

    def _after_self_service(self, call: PhoneCall, planned: PlannedCall, rng: random.Random) -> None:
        """Once the caller's plan is over or the line took them elsewhere: the queue, the closed choices."""
        if call.ended:
            return
        if call.waiting is not None:
            self.played.sent_to_agents += 1
            self._in_line(call, planned, rng)
        elif _asked_at(call, "/closed"):
            self.played.sent_to_agents += 1
            self.played.after_hours += 1
            self._closed(call, planned, rng)
        else:
            self._answer_survey(call, planned)

    def _in_line(self, call: PhoneCall, planned: PlannedCall, rng: random.Random) -> None:
        """Twilio asks the wait URL at once (the desktop then sees the caller, even one queued through the
        fallback URL), then the caller is answered, hangs up or asks to be called back."""
        call.hold(position=rng.randrange(1, 6))
        if planned.queue_end is QueueEnd.HUNG_UP:
            self.held.tick(planned.wait_seconds)
            call.hang_up()
            self.played.hung_up_in_queue += 1
        elif planned.queue_end is QueueEnd.CALLBACK:
            self.held.tick(min(planned.wait_seconds, rng.uniform(20, 120)))
            self._ask_callback(call, planned, rng)
        else:
            self._answered(call, planned, rng)

    def _answered(self, call: PhoneCall, planned: PlannedCall, rng: random.Random) -> None:
        """The demo agent takes the call after the wait, talks, the agent's leg ends, the agent closes it."""
        self.held.tick(planned.wait_seconds)
        with db.session_for(self.app, writes=True) as session:
            row = session.get(Call, call.call_sid)
            if row is None:
                return
            service.take_call(session, row, self._agent(session), self.gateway, [], self.held.instant)
        self.held.tick(planned.talk_seconds)
        call.end_wait("bridged", queue_time=planned.wait_seconds)
        self.played.answered += 1
        self._answer_survey(call, planned)
        self.held.tick(rng.uniform(20, 120))
        with db.session_for(self.app, writes=True) as session:
            row = session.get(Call, call.call_sid)
            if row is not None:
                service.close_call(session, row, self._agent(session), self._subject(planned),
                                   _weighted(rng, AGENT_OUTCOMES), "", self.held.instant)

    def _closed(self, call: PhoneCall, planned: PlannedCall, rng: random.Random) -> None:
        self.held.tick(rng.uniform(4, 10))
        if planned.after_hours is AfterHours.CALLBACK:
            call.press("1")
            self._ask_callback(call, planned, rng)
        elif planned.after_hours is AfterHours.SELF_SERVICE:
            call.press("2")

    def _ask_callback(self, call: PhoneCall, planned: PlannedCall, rng: random.Random) -> None:
        """1 on hold (or at the closed message), then confirm the caller ID, or type a number if asked."""
        try:
            if call.waiting is not None and not _asked_at(call, "/callback"):
                call.press("1")
            self.held.tick(rng.uniform(3, 8))
            if _asked_at(call, "/callback/number"):
                call.press(f"514555{rng.randrange(100, 200):04d}")
                self.held.tick(rng.uniform(3, 8))
            if _asked_at(call, "/callback/confirm"):
                call.press("1")
        except CallEnded:
            pass
        with db.session_for(self.app) as session:
            requested = session.scalar(select(Callback).where(Callback.call_sid == call.call_sid,
                                                              Callback.status == "open"))
            if requested is None:
                return
            self.played.callbacks_requested += 1
            due = self._callback_moment(self.held.instant, rng)
        if due is not None:
            heapq.heappush(self._callbacks, _DueCallback(due, call.call_sid, self._subject(planned)))

    def _answer_survey(self, call: PhoneCall, planned: PlannedCall) -> None:
        """When the line asks what the caller thinks (flows/survey.yaml after self-service, the
        <Enqueue> action URL's question when the agent's leg ends), press `planned.survey_score`
        (1 to 5), or stay silent when it is None (skipped). Any other open question is left alone."""
        if call.ended or not call.screens or call.last.gather is None:
            return
        if not (_asked_at(call, "/survey") or self._survey_question(planned.language) in call.last.text):
            return
        self.held.tick(4 + (planned.survey_score or 3))
        if planned.survey_score is None:
            call.silence()
        else:
            call.press(str(planned.survey_score))

    def _greeting_key(self, language: str) -> str:
        """The key that chooses `language` at the greeting: its place in flows/languages.yaml, from 1."""
        codes = self.app.extensions["ivr.flows"].current.languages.codes
        return str(codes.index(language) + 1)

    def _survey_question(self, language: str) -> str:
        flowset = self.app.extensions["ivr.flows"].current
        return speakable(flowset.prompts.outline("survey.question", language) or "\0")  # as <Say> says it

    # -- helpers --------------------------------------------------------------------------------------

    def _in_self_service(self, call: PhoneCall) -> bool:
        return not call.ended and call.waiting is None and call.last.gather is not None \
            and not _asked_at(call, "/closed")

    def _callback_moment(self, requested: datetime, rng: random.Random) -> datetime | None:
        """When the demo agent calls back: some hours after the request, in the agents' hours."""
        moment = requested + timedelta(hours=rng.uniform(*CALLED_BACK_WITHIN_HOURS))
        for _ in range(7 * 24 * 4):
            if self.agents_open(moment):
                return moment if moment < self.ends else None
            moment += timedelta(minutes=15)
        return None

    def _agent(self, session: Any) -> Any:
        agent = find_agent(session, DEMO_USERNAME)
        assert agent is not None, "the demo agent is made before the history"
        return agent

    def _postal_code_on_file(self, client_number: str) -> str | None:
        with db.session_for(self.app) as session:
            return session.scalar(select(Client.postal_code).where(Client.client_number == client_number))

    @staticmethod
    def _subject(planned: PlannedCall) -> str:
        if planned.kind in (Kind.STATUS, Kind.STATUS_THEN_AGENT):
            return "status"
        if planned.kind in (Kind.ADDRESS, Kind.ADDRESS_AND_PHONE, Kind.LEFT_DURING_CHANGE):
            return "address_change"
        return planned.agent_subject


def _asked_at(call: PhoneCall, path: str) -> bool:
    """The open question's answer goes to a URL under `path` (the closed message, a callback question)."""
    if call.ended or not call.screens or call.last.gather is None:
        return False
    return path in call.last.gather.get("action", "")


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


# -- the command's part ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    """A history played: its local days (first, last), the seed that drew it, what happened, and how many
    clients of the fictional register it added (those a former history added are kept and counted out)."""

    first_day: Any
    last_day: Any
    seed: int
    played: Played
    fictional_added: int = 0


@contextmanager
def _quiet_line() -> Iterator[None]:
    """The line's own log lines (a fallback URL used, a caller found waiting) are about calls it plays on
    purpose here, not faults of a real line: kept off the terminal while the history plays."""
    logger = logging.getLogger("ivr")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


class HistoryPlayedAlready(RuntimeError):
    """This database already holds this seed's calls (the same seed, N and weeks on the same day)."""

    def __init__(self, seed: int) -> None:
        super().__init__(f"the history of --seed {seed} is in this database already: its calls would be played "
                         "twice under the same CallSids; give another --seed (or none) to add more calls")
        self.seed = seed


def history_app() -> Flask:
    """The demo line as `ivr serve --demo` runs it, but with the agents' hours in force (IVR_HOURS_FILE,
    else flows/hours.yaml), so a history has after-hours calls; the demo's token and secret key
    (instance/), so the calls are signed and hashed as the server would."""
    config.start_demo()
    settings = config.from_environment(config.instance_path())
    hours = settings["HOURS_FILE"] or str(Path(settings["FLOWS_DIR"]) / "hours.yaml")
    return create_app({"HOURS_FILE": hours})


def demo_callers() -> tuple[DemoCaller, ...]:
    """The demo clients as callers: what they type and say, from services.demo.DEMO_CLIENTS."""
    return tuple(_caller(entry) for entry in DEMO_CLIENTS)


def pool_size(calls: int) -> int:
    """Fictional clients a history of `calls` calls adds: one per POOL_CALLS_PER_CLIENT calls (at least 4)."""
    return max(4, -(-calls // POOL_CALLS_PER_CLIENT))


def history_callers(calls: int) -> tuple[DemoCaller, ...]:
    """The clients who identify in a history of `calls` calls: the demo clients, then the first
    pool_size(calls) clients of the fictional register (services.demo.fictional_client)."""
    return demo_callers() + tuple(_caller(fictional_client(index)) for index in range(1, pool_size(calls) + 1))


def _caller(entry: dict) -> DemoCaller:
    client = entry["client"]
    return DemoCaller(client["client_number"], client["birth_date"].strftime("%Y%m%d"), client["postal_code"],
                      client["phone"], client["language"])


def seed_history(app: Flask, calls: int, weeks: int, seed: int,
                 progress: Callable[[list[PlannedCall]], Any] | None = None) -> History:
    """Plan `calls` calls over the `weeks` weeks before today (local days of flows/hours.yaml's zone) and
    play them on `app` (`history_app()`), in time order; `progress(planned)` wraps the list to show
    progress while they play (click.progressbar). The demo clients and agent must be there already; the
    fictional clients the history needs are added (services.demo.seed_fictional)."""
    hours = app.extensions["ivr.hours"]
    with app.app_context():
        zone = hours.zone if hours is not None else local_zone()
    agents_open = hours.is_open if hours is not None else (lambda moment: True)
    today = clock.now().astimezone(zone).date()
    last_day = today - timedelta(days=1)
    ends = datetime.combine(today, time(0), tzinfo=zone).astimezone(UTC)
    planned = plan_history(calls, weeks, last_day, zone, seed, history_callers(calls), agents_open)
    with db.session_for(app, writes=True) as session:
        if session.scalar(select(Call.call_sid).where(Call.call_sid.in_([call.call_sid for call in planned[:50]]))):
            raise HistoryPlayedAlready(seed)
        added = seed_fictional(session, pool_size(calls))
    with clock.held_at(planned[0].at) as held, _quiet_line():
        playback = Playback(app, held, agents_open, ends)
        for call in (progress(planned) if progress is not None else planned):
            playback.play(call)
        playback.finish_callbacks(ends)
    first_day = last_day - timedelta(weeks=weeks) + timedelta(days=1)
    return History(first_day, last_day, seed, playback.played, added)
