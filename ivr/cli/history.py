"""The plan of `ivr seed --demo --history N`: who calls when, and what each caller means to do.

A plan is drawn from one seed (`random.Random(seed)`), so the same seed, the same N, the same weeks
and the same last day give the same calls; `ivr.cli.playback` then plays each one through the real
webhook. Nothing here knows Twilio or the database: callers, times, kinds of call.

What the plan looks like (issue 16): N calls over the last `weeks` weeks, most on weekdays within
the agents' hours (peaks mid-morning and mid-afternoon), some evenings and weekends; French about
60 % of calls, English 40 %. About IDENTIFIED_SHARE of the calls are clients on file (the four demo
clients and a pool of fictional ones, one per POOL_CALLS_PER_CLIENT calls, services.demo's register)
who call in episodes: a first call, for some the same subject again within 7 days, for some another
subject 8 to 29 days later, a client's episodes far enough apart that most clients call once and
about a sixth of client contacts come back within 7 days, as on a real public-service line. Everybody
else is an anonymous caller (a fictional 555-01xx number, some calling more than once) who asks for an
agent, hangs up, is not understood, says nothing, types a client number that is not on file, or
reaches the line through Twilio's fallback URL. When N allows, every kind of call and every way out
of the queue happens at least once, whatever the seed.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum


class Kind(StrEnum):
    """What a caller sets out to do (what happens is the line's answer: hours, throttles, queue)."""

    STATUS = "status"
    """Hears the status of their application (a client on file), then hangs up."""
    STATUS_THEN_AGENT = "status_then_agent"
    """Hears the status, then presses 0: completed in self-service, then sent to an agent."""
    ADDRESS = "address"
    """Changes their address (a client on file), then says goodbye."""
    ADDRESS_AND_PHONE = "address_and_phone"
    """Changes their address, then their phone number."""
    LEFT_DURING_CHANGE = "left_during_change"
    """Verified for an address change, then hangs up while giving the new address."""
    ASKED_FOR_AGENT = "asked_for_agent"
    """Presses 0 at the menu (after hours: hears the closed message and its choices)."""
    HUNG_UP = "hung_up"
    """Hangs up at the greeting, at the menu or at the client number."""
    NOT_UNDERSTOOD = "not_understood"
    """Says things the menu does not understand until the line sends them to an agent."""
    NO_ANSWER = "no_answer"
    """Says nothing until the line sends them to an agent."""
    NOT_VERIFIED = "not_verified"
    """Types a client number that is not on file, three times: sent to an agent, not verified."""
    FAULT = "fault"
    """Twilio gives up on an answer and asks the fallback URL: the caller is queued after a fault."""


class QueueEnd(StrEnum):
    """How a caller sent to the agents leaves the queue (in the agents' hours)."""

    ANSWERED = "answered"
    HUNG_UP = "hung_up"
    CALLBACK = "callback"


class AfterHours(StrEnum):
    """What a caller who asked for an agent while agents are away chooses at the closed message."""

    CALLBACK = "callback"
    SELF_SERVICE = "self_service"
    HANG_UP = "hang_up"


@dataclass(frozen=True)
class DemoCaller:
    """A client on file as a caller (a demo client or one of the fictional pool, services.demo): what they
    type and say, and their phone."""

    client_number: str
    birth_date: str
    postal_code: str
    phone: str | None
    language: str


@dataclass(frozen=True)
class PlannedCall:
    """One call of the history: when it starts (UTC), who calls, in which language, what they mean to do."""

    at: datetime
    caller: str
    language: str
    kind: Kind
    client: DemoCaller | None = None
    queue_end: QueueEnd = QueueEnd.ANSWERED
    after_hours: AfterHours = AfterHours.HANG_UP
    wait_seconds: int = 60
    talk_seconds: int = 300
    agent_subject: str = "other"
    mistyped_once: bool = False
    survey_score: int | None = None
    """The 1-to-5 answer this caller would give the satisfaction question (issue 16's survey), or None
    to skip it; drawn for every call so the plan stays the same once the line asks the question."""
    seed: int = 0
    """This call's own seed: the pauses between the caller's moves, the words they say."""
    call_sid: str = ""
    """Twilio's CallSid for it ("CA" and 32 hex digits), drawn from the seed too."""


SELF_SERVICE = (Kind.STATUS, Kind.STATUS_THEN_AGENT, Kind.ADDRESS, Kind.ADDRESS_AND_PHONE, Kind.LEFT_DURING_CHANGE)
"""Kinds only a client on file plays (they need a client number and a birth date on file)."""
ANONYMOUS_WEIGHTS = {Kind.ASKED_FOR_AGENT: 30, Kind.HUNG_UP: 20, Kind.NOT_UNDERSTOOD: 9, Kind.NO_ANSWER: 9,
                     Kind.NOT_VERIFIED: 9, Kind.FAULT: 3}
QUEUE_WEIGHTS = {QueueEnd.ANSWERED: 70, QueueEnd.HUNG_UP: 17, QueueEnd.CALLBACK: 13}
AFTER_HOURS_WEIGHTS = {AfterHours.CALLBACK: 40, AfterHours.SELF_SERVICE: 20, AfterHours.HANG_UP: 40}
AGENT_SUBJECTS = {"status": 40, "address_change": 25, "payment": 20, "other": 15}
FRENCH_SHARE = 0.6
IDENTIFIED_SHARE = 0.45
"""This share of the calls are clients on file who identify (the demo clients and the fictional pool)."""
POOL_CALLS_PER_CLIENT = 3
"""One fictional client for every this many calls: with IDENTIFIED_SHARE, most clients call once."""
REPEAT_DAYS = 7
"""The reports' window for a repeat contact (docs/reports.md)."""
SAME_SUBJECT_AGAIN, OTHER_SUBJECT_LATER = 0.27, 0.2
"""Shares of the clients' episodes that bring the same subject again within 7 days, and another one 8 to
29 days later: about 17 % of client contacts are followed by one on the same subject within 7 days."""
IN_HOURS_SHARE = 0.85
FICTIONAL_AREA_CODES = ("514", "438", "450", "613", "819", "418")


def default_weeks(calls: int) -> int:
    """Weeks of history for `calls` calls: about 50 calls a week, at least 2 weeks (so repeats within
    7 and 30 days can both happen) and at most 52."""
    return max(2, min(52, round(calls / 50)))


def fictional_number(rng: random.Random) -> str:
    """A caller ID in the range the North American numbering plan keeps for fiction (555-0100 to 555-0199)."""
    return f"+1{rng.choice(FICTIONAL_AREA_CODES)}5550{rng.randrange(100, 200)}"


def plan_history(calls: int, weeks: int, last_day: date, zone: tzinfo, seed: int,
                 clients: tuple[DemoCaller, ...], agents_open: Callable[[datetime], bool]) -> list[PlannedCall]:
    """`calls` calls between the start of `last_day` - `weeks` weeks and the end of `last_day` (local days
    of `zone`), in time order. `agents_open(moment)` is the line's hours (flows/hours.yaml), so the kinds
    and queue endings every history must show are placed when agents answer. Raises ValueError for
    fewer than one call or one week."""
    if calls < 1 or weeks < 1:
        raise ValueError("a history needs at least one call over at least one week")
    rng = random.Random(seed)
    first_day = last_day - timedelta(weeks=weeks) + timedelta(days=1)
    days = (last_day - first_day).days + 1
    moments = _Moments(rng, first_day, days, zone, agents_open)
    most = max(1, int(calls * IDENTIFIED_SHARE)) if calls > 1 else 0
    planned = _clients_calls(rng, clients, moments, most)
    planned += _anonymous_calls(rng, calls - len(planned), moments, planned)
    planned = _with_every_ending(planned, moments)
    planned.sort(key=lambda call: call.at)
    return [replace(call, seed=rng.randrange(2**31), survey_score=_score(rng, call),
                    call_sid="CA%032x" % rng.getrandbits(128)) for call in planned]


# -- when ---------------------------------------------------------------------------------------------


class _Moments:
    """Moments of the history: in the agents' hours mostly, else evenings, early mornings and weekends."""

    def __init__(self, rng: random.Random, first_day: date, days: int, zone: tzinfo,
                 agents_open: Callable[[datetime], bool]) -> None:
        self.rng, self.first_day, self.days, self.zone, self.open = rng, first_day, days, zone, agents_open

    def local(self, day: date, hour: float) -> datetime:
        moment = datetime.combine(day, time(0), tzinfo=self.zone) + timedelta(hours=hour)
        return moment.astimezone(UTC)

    def day(self, weekdays_only: bool = False) -> date:
        while True:
            day = self.first_day + timedelta(days=self.rng.randrange(self.days))
            if day.weekday() < 5 or (not weekdays_only and self.rng.random() < 0.35):
                return day

    def any(self) -> datetime:
        """A moment of the history: within business hours for IN_HOURS_SHARE of the calls."""
        if self.rng.random() < IN_HOURS_SHARE:
            return self.in_hours()
        return self.after_hours()

    def in_hours(self, day: date | None = None) -> datetime:
        """A weekday moment between 8:00 and 16:30, busiest mid-morning and mid-afternoon, on `day` or the
        next working day after it (a random one without `day`) when agents answer then: a holiday or a
        closure moves it on (up to 50 tries; the last one is kept whatever the hours say)."""
        for attempt in range(50):
            hour = self.rng.choice((self.rng.triangular(8, 12, 10), self.rng.triangular(13, 16.5, 14)))
            on = self.day(weekdays_only=True) if day is None else _working_day(day + timedelta(days=attempt // 3))
            moment = self.local(on, hour)
            if self.open(moment):
                return moment
        return moment

    def after_hours(self) -> datetime:
        """An evening (17:30-22:00), an early morning (6:30-7:45) or a weekend day, when agents are away."""
        for _ in range(50):
            day = self.day()
            hour = self.rng.choice((self.rng.uniform(17.5, 22), self.rng.uniform(6.5, 7.75), self.rng.uniform(9, 17)
                                    if day.weekday() >= 5 else self.rng.uniform(17.5, 22)))
            moment = self.local(day, hour)
            if not self.open(moment):
                return moment
        return moment

    def early(self) -> datetime:
        """A moment in hours within the history's first days, so follow-ups 8 to 10 days later still fit."""
        return self.in_hours(self.first_day + timedelta(days=self.rng.randrange(max(1, min(4, self.days - 10)))))

    def near(self, moment: datetime, days: float) -> datetime | None:
        """A moment `days` after `moment`, on a working day in hours; None past the history's end."""
        day = _working_day((moment + timedelta(days=days)).astimezone(self.zone).date())
        if (day - self.first_day).days >= self.days:
            return None
        found = self.in_hours(day)
        return found if (found.astimezone(self.zone).date() - self.first_day).days < self.days else None


def _working_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


# -- who ----------------------------------------------------------------------------------------------


def _clients_calls(rng: random.Random, clients: tuple[DemoCaller, ...], moments: _Moments,
                   most: int) -> list[PlannedCall]:
    """About `most` calls of clients on file, in episodes (a first call; for a SAME_SUBJECT_AGAIN share of
    them the same subject again 1 to 6 days later; for an OTHER_SUBJECT_LATER share another subject 8 to
    29 days after that), spread so a client's episodes stand at least REPEAT_DAYS + 1 days apart: repeat
    contacts are those the plan means, in the shares it means, whatever N. The shares are dealt out evenly
    (every k-th episode), not drawn, so a small history has them too. The first client's first episode
    repeats its subject and the second's brings another subject later, whatever the seed."""
    if most <= 0 or not clients:
        return []
    free: dict[int, list[tuple[datetime, datetime]]] = {}
    planned: list[PlannedCall] = []
    order = list(range(2, len(clients))) + [n for n in range(min(2, len(clients)))]
    rng.shuffle(order)
    turn = deque(order)  # whose turn it is to call: a long history has a third as many clients as calls
    for number in range(min(2, len(clients))):
        episode = _episode(rng, clients[number], moments, moments.early(), same=number == 0, other=number == 1,
                           later_days=(REPEAT_DAYS + 1, REPEAT_DAYS + 2.5), first=(Kind.STATUS, Kind.ADDRESS)[number])
        free[number] = [(episode[0].at, episode[-1].at)]
        planned += episode
    episodes = 0
    while len(planned) < most and episodes < 20 * most:  # a handful of clients cannot fill a long history
        same = _dealt(episodes, SAME_SUBJECT_AGAIN)
        other = _dealt(episodes + 1, OTHER_SUBJECT_LATER)
        episodes += 1
        start = moments.any()
        for _ in range(len(turn)):
            number = turn.popleft()
            turn.append(number)
            if _apart(free.get(number, []), start, start):
                break
        else:
            continue  # every client is busy around `start`: another moment
        episode = _episode(rng, clients[number], moments, start, same, other)
        if not _apart(free.get(number, []), start, episode[-1].at):
            episode = episode[:1]
        free.setdefault(number, []).append((episode[0].at, episode[-1].at))
        planned += episode[:most - len(planned)]
    return planned


def _dealt(count: int, share: float) -> bool:
    """Whether the `count`-th of a series gets what a `share` of them get, dealt evenly (not drawn)."""
    return int((count + 1) * share) > int(count * share)


def _apart(busy: list[tuple[datetime, datetime]], starts: datetime, ends: datetime) -> bool:
    """The span `starts`..`ends` stands more than REPEAT_DAYS + 1 days from every episode in `busy` (its
    first and last call), so no call of one follows a call of the other within the repeat window."""
    gap = timedelta(days=REPEAT_DAYS + 1)
    return all(ends < first - gap or starts > last + gap for first, last in busy)


def _episode(rng: random.Random, client: DemoCaller, moments: _Moments, start: datetime, same: bool,
             other: bool, later_days: tuple[float, float] = (REPEAT_DAYS + 1, 29),
             first: Kind | None = None) -> list[PlannedCall]:
    """A client's first call at `start` (of kind `first` if given, STATUS or ADDRESS), then the same
    subject again and another subject `later_days` after that, if asked (and if they fall within the
    history)."""
    subject = first or (Kind.STATUS if rng.random() < 0.6 else Kind.ADDRESS)
    episode = [_client_call(rng, client, start, subject)]
    if first is not None:
        episode[0] = replace(episode[0], kind=first)
    if same:
        again = moments.near(start, rng.uniform(1, REPEAT_DAYS - 1))
        if again is not None:
            episode.append(_client_call(rng, client, again, subject))
    if other:
        later = moments.near(episode[-1].at, rng.uniform(*later_days))
        if later is not None:
            episode.append(_client_call(rng, client, later, Kind.ADDRESS if subject is Kind.STATUS else Kind.STATUS))
    return episode


def _client_call(rng: random.Random, client: DemoCaller, at: datetime, subject: Kind) -> PlannedCall:
    if subject is Kind.STATUS:
        kind = _weighted(rng, {Kind.STATUS: 82, Kind.STATUS_THEN_AGENT: 18})
    else:
        kind = _weighted(rng, {Kind.ADDRESS: 62, Kind.ADDRESS_AND_PHONE: 20, Kind.LEFT_DURING_CHANGE: 18})
    caller = client.phone if client.phone and rng.random() < 0.8 else fictional_number(rng)
    return _queue_details(rng, PlannedCall(at, caller, client.language, kind, client,
                                           mistyped_once=rng.random() < 0.06))


def _anonymous_calls(rng: random.Random, count: int, moments: _Moments, known: list[PlannedCall]) -> list[PlannedCall]:
    """`count` calls of people who do not identify; the French share brings the whole history near 60 %."""
    if count <= 0:
        return []
    french_known = sum(call.language == "fr" for call in known)
    french = min(0.9, max(0.3, (FRENCH_SHARE * (count + len(known)) - french_known) / count))
    callers = [fictional_number(rng) for _ in range(max(5, count // 3))]
    planned = []
    for _ in range(count):
        language = "fr" if rng.random() < french else "en"
        planned.append(_queue_details(rng, PlannedCall(moments.any(), rng.choice(callers), language,
                                                       _weighted(rng, ANONYMOUS_WEIGHTS))))
    return planned


def _queue_details(rng: random.Random, call: PlannedCall) -> PlannedCall:
    ending = _weighted(rng, QUEUE_WEIGHTS)
    wait = int(rng.triangular(5, 600, 60)) if ending is QueueEnd.ANSWERED else int(rng.triangular(15, 600, 120))
    return replace(call, queue_end=ending, after_hours=_weighted(rng, AFTER_HOURS_WEIGHTS), wait_seconds=wait,
                   talk_seconds=int(rng.triangular(60, 1200, 240)), agent_subject=_weighted(rng, AGENT_SUBJECTS))


def _with_every_ending(planned: list[PlannedCall], moments: _Moments) -> list[PlannedCall]:
    """Turn the first anonymous calls into one of each kind and of each way out of the queue (in hours),
    and one after-hours request for an agent, when there are enough of them; and a client's last
    status call into one that goes on to an agent, if none does."""
    musts: list[tuple[Kind, QueueEnd, bool]] = [(kind, QueueEnd.ANSWERED, False) for kind in ANONYMOUS_WEIGHTS]
    musts += [(Kind.ASKED_FOR_AGENT, QueueEnd.HUNG_UP, False), (Kind.ASKED_FOR_AGENT, QueueEnd.CALLBACK, False),
              (Kind.ASKED_FOR_AGENT, QueueEnd.ANSWERED, True)]
    status_calls = [n for n, call in enumerate(planned) if call.kind in (Kind.STATUS, Kind.STATUS_THEN_AGENT)]
    if status_calls and all(planned[n].kind is Kind.STATUS for n in status_calls):
        planned[status_calls[-1]] = replace(planned[status_calls[-1]], kind=Kind.STATUS_THEN_AGENT,
                                            queue_end=QueueEnd.ANSWERED)
    anonymous = [n for n, call in enumerate(planned) if call.client is None]
    if len(anonymous) < len(musts):
        return planned
    for n, (kind, ending, closed) in zip(anonymous, musts):
        at = moments.after_hours() if closed else moments.in_hours()
        planned[n] = replace(planned[n], kind=kind, queue_end=ending, at=at, after_hours=AfterHours.CALLBACK)
    return planned


def _score(rng: random.Random, call: PlannedCall) -> int | None:
    if rng.random() < 0.4:
        return None  # skipped
    good = call.kind in (Kind.STATUS, Kind.ADDRESS, Kind.ADDRESS_AND_PHONE) or call.queue_end is QueueEnd.ANSWERED
    return _weighted(rng, {5: 45, 4: 30, 3: 13, 2: 7, 1: 5} if good else {5: 10, 4: 15, 3: 25, 2: 25, 1: 25})


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]
