"""What self-service achieved over a period: the figures of issue 16, defined in docs/reports.md.

`build_report` cuts the period into days, weeks (Monday to Sunday) or hours of the contact centre's
time zone, has ivr.store.reports count each figure in SQL for every period and for the whole, per
language and for all languages together, and assembles the rows into typed figures. Units: counts
are calls or contacts; durations are seconds; money is Decimal in the currency of flows/costs.yaml
(dollars for CAD). Nothing here holds personal data: no number, name or CallSid reaches a figure.
"""

from __future__ import annotations

import contextvars
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection

from ivr.engine.costs import Channel, Costs
from ivr.store import reports as counted
from ivr.store import survey
from ivr.store.reports import ALL_LANGUAGES, Bucket, Funnel, Journeys, Rows

__all__ = ["ALL_LANGUAGES", "By", "FIRST_DAY", "Figures", "LAST_DAY", "Report", "build_report", "check_days",
           "offered_by_period", "reason_category"]

FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)
"""The days a report may be asked for: any real period, with room for the period of the same length before it
and for the time zone's offset (a day at the calendar's very ends has no UTC bounds: 9999-12-31 overflows)."""

MAX_PERIODS = 10_000
"""More periods than this in one report (about 14 months by the hour) is refused: ask for days."""

COMPLETING_ACTIONS = {"status.lookup": "status", "address.submit": "address", "phone.update": "phone"}
"""The backend action whose success completes each service in self-service (the flows' action steps):
the status heard, the address or the phone change confirmed."""

FUNNELS = (
    Funnel("status", flow="status", identified_at="status/identify", verified_at="status/identify",
           action="status.lookup"),
    Funnel("address", flow="address", identified_at="address/identify", verified_at="address/step_up",
           action="address.submit"),
)
"""Each menu service's funnel: the status needs the `identify` level only, so identified = verified;
an address change needs the step-up too (flows/verification.yaml)."""

JOURNEYS = Journeys(tuple(COMPLETING_ACTIONS), FUNNELS)
"""What the reports ask of every call's journey."""


class By(StrEnum):
    """How a report's period is cut."""

    DAY = "day"
    WEEK = "week"
    HOUR = "hour"


class Reason(StrEnum):
    """Why a call was sent to the agents, as issue 16 groups the transfer reasons recorded."""

    ASKED = "asked_for_agent"
    NOT_UNDERSTOOD = "not_understood"
    NO_ANSWER = "no_answer"
    NOT_VERIFIED = "not_verified"
    FAULT = "fault"
    AFTER_HOURS = "after_hours"
    OTHER = "flow_sent"


_BY_RECORDED = {"asked_for_agent": Reason.ASKED, "not_understood": Reason.NOT_UNDERSTOOD,
                "no_input": Reason.NO_ANSWER, "fault": Reason.FAULT, "reached_through_fault": Reason.FAULT,
                "verification_suspended": Reason.NOT_VERIFIED}


def reason_category(recorded: str, after_hours: bool) -> Reason:
    """The group of a recorded transfer reason (ivr.engine.state.TransferReason, a flow's transfer step,
    or '<flow>/<step>:<outcome>' for a flow that sends a result to 'agent'); a call that reached
    closed hours is AFTER_HOURS whatever it asked."""
    if after_hours:
        return Reason.AFTER_HOURS
    if recorded in _BY_RECORDED:
        return _BY_RECORDED[recorded]
    if recorded.endswith((":failed", ":not_offered", ":suspended")):
        return Reason.NOT_VERIFIED
    if recorded.endswith(":error"):
        return Reason.FAULT
    return Reason.OTHER


@dataclass(frozen=True)
class Outcomes:
    """How the calls begun in a period ended (calls)."""

    completed: int
    """Completed at least one service in self-service."""
    contained: int
    """Completed, never sent to the agents, and no contact on the same subject within 7 days."""
    completed_then_sent: int
    """Completed, then sent to the agents in the same call: not contained."""
    sent_to_agents: int
    abandoned_in_ivr: int
    """Hung up in self-service before completing anything (never contained)."""


@dataclass(frozen=True)
class FunnelFigures:
    """One service's funnel (calls at each stage) and the drop-off between stages."""

    service: str
    called: int
    chose: int
    identified: int
    verified: int
    completed: int

    @property
    def drop_offs(self) -> dict[str, int]:
        """Calls lost before each stage: {'chose': called - chose, ...}."""
        stages = [self.called, self.chose, self.identified, self.verified, self.completed]
        names = ["chose", "identified", "verified", "completed"]
        return {name: before - after for name, before, after in zip(names, stages, stages[1:])}


@dataclass(frozen=True)
class QueueFigures:
    """The agents' queue: calls answered or hung up while waiting; waits of the answered in seconds
    (Twilio's QueueTime), None when no wait was measured."""

    answered: int
    hung_up: int
    waits: int
    mean_wait_seconds: float | None
    p90_wait_seconds: int | None
    longest_wait_seconds: int | None
    answered_within_target: int
    target_seconds: int

    @property
    def service_level(self) -> float | None:
        """Share (0 to 1) of the callers who left the queue who were answered within the target."""
        ended = self.answered + self.hung_up
        return self.answered_within_target / ended if ended else None


@dataclass(frozen=True)
class CallbackFigures:
    """Callbacks asked in the period, those done, and the delay from asked to done in seconds."""

    requested: int
    done: int
    mean_delay_seconds: float | None
    longest_delay_seconds: float | None


@dataclass(frozen=True)
class RepeatFigures:
    """Contacts recorded in the period (any channel; one per call) and those the same client followed
    with another contact within 7 or 30 days, on any subject or on the same one."""

    contacts: int
    again_7_days: int
    again_30_days: int
    same_subject_7_days: int
    same_subject_30_days: int
    by_channel: dict[str, int] = field(default_factory=dict)

    @property
    def first_contact_resolution(self) -> float | None:
        """1 - same-subject repeats within 7 days / contacts (0 to 1); None without contacts."""
        return 1 - self.same_subject_7_days / self.contacts if self.contacts else None


@dataclass(frozen=True)
class CostFigures:
    """Contacts by channel (web, ivr, email, agent_call) times the cost per contact of flows/costs.yaml,
    beside what the same contacts would have cost all answered by an agent; amounts in `currency`."""

    currency: str
    contacts: dict[str, int]
    cost: Decimal
    all_by_agent: Decimal

    @property
    def saving(self) -> Decimal:
        return self.all_by_agent - self.cost


@dataclass(frozen=True)
class ScoreFigures:
    """What callers think of one service, outcome and flow version: the end-of-call question asked,
    answered (1 to 5) or skipped, and the mean score (None when nobody answered)."""

    service: str
    outcome: str
    flow_version: str
    asked: int
    answered: int
    skipped: int
    score_sum: int
    """The sum of the answered scores, so that tools can add groups up (mean = score_sum / answered)."""
    mean: float | None


@dataclass(frozen=True)
class Figures:
    """Every figure of one period in one language (ALL_LANGUAGES: all together; "" not chosen)."""

    period: str
    """'total', or the period's local start: 2026-11-30, 2026-11-30 (a week's Monday), 2026-11-30T14:00."""
    language: str
    offered: int
    offered_by_version: dict[str, int]
    completed_by_service: dict[str, int]
    outcomes: Outcomes
    sent_by_reason: dict[str, int]
    sent_by_step: dict[str, int]
    funnels: tuple[FunnelFigures, ...]
    queue: QueueFigures
    callbacks: CallbackFigures
    repeats: RepeatFigures
    cost: CostFigures
    scores: tuple[ScoreFigures, ...] = ()
    """Per service, outcome and flow version; counted by whole local days only (an answer keeps no
    time of day), so an hour's figures have none and the total and days do."""

    def scores_by_service(self) -> tuple[ScoreFigures, ...]:
        """`scores` with the flow versions added up: one per (outcome, service), in that order, its
        flow_version "" (what the Reports page and `ivr report`'s table show; CSV and JSON keep each)."""
        groups: dict[tuple[str, str], list[int]] = {}
        for group in self.scores:
            counts = groups.setdefault((group.outcome, group.service), [0, 0, 0, 0])
            for n, value in enumerate((group.asked, group.answered, group.skipped, group.score_sum)):
                counts[n] += value
        return tuple(ScoreFigures(service, outcome, "", asked, answered, skipped, score_sum,
                                  score_sum / answered if answered else None)
                     for (outcome, service), (asked, answered, skipped, score_sum) in sorted(groups.items()))


@dataclass(frozen=True)
class Report:
    """A report: the period (local dates, `to` included), its cut, and its figures, total first."""

    starts: date
    ends: date
    by: By
    zone: str
    figures: tuple[Figures, ...]

    def total(self, language: str = ALL_LANGUAGES) -> Figures:
        """The whole period's figures in `language`; raises KeyError if it had no call in it."""
        return self.find("total", language)

    def find(self, period: str, language: str = ALL_LANGUAGES) -> Figures:
        for figures in self.figures:
            if figures.period == period and figures.language == language:
                return figures
        raise KeyError(f"no figures for {period} in {language!r}")

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: amounts as strings ("12.50"), shares rounded to 4 places."""
        return _plain({"from": self.starts, "to": self.ends, "by": self.by, "zone": self.zone,
                       "figures": [_with_properties(item) for item in self.figures]})


def check_days(starts: date, ends: date) -> None:
    """Raises ValueError, with a sentence quoting the days, unless `starts`..`ends` lies within
    FIRST_DAY..LAST_DAY and does not end before it starts."""
    if ends < starts:
        raise ValueError(f"the period ends ({ends}) before it starts ({starts})")
    if starts < FIRST_DAY or ends > LAST_DAY:
        raise ValueError(f"a report counts days from {FIRST_DAY} to {LAST_DAY}, not {starts} to {ends}")


def note_call_facts(connection: Connection, call_sid: str | None = None) -> None:
    """Fold the journey of the call that just ended (None: of every call without facts yet) into the
    facts the reports read, so a report reads one row per call, not its journey. Facts a later
    journey row outdates are folded again by the report itself."""
    counted.save_facts(connection, JOURNEYS, call_sid)


def periods(starts: date, ends: date, by: By, zone: tzinfo) -> list[tuple[str, Bucket]]:
    """The report's periods, labelled, with their UTC bounds: the whole first ('total'), then each
    day, week or hour of `zone` from `starts` to `ends` included. Raises ValueError."""
    if ends < starts:
        raise ValueError(f"the period ends ({ends}) before it starts ({starts})")
    try:
        first, last = _local_midnight(starts, zone), _local_midnight(ends + timedelta(days=1), zone)
    except OverflowError:
        raise ValueError(f"a report counts days from {FIRST_DAY} to {LAST_DAY}, not {starts} to {ends}") from None
    cut: list[tuple[str, Bucket]] = [("total", Bucket(0, first, last))]
    if by is By.HOUR:
        moment = first
        while moment < last:
            local = moment.astimezone(zone)
            # ISO 8601 with the UTC offset: the hour repeated when clocks fall back has two labels, not one twice.
            cut.append((local.isoformat(timespec="minutes"), Bucket(len(cut), moment, moment + timedelta(hours=1))))
            moment += timedelta(hours=1)
            _check_size(cut, by)
    else:
        day = starts if by is By.DAY else starts - timedelta(days=starts.weekday())
        step = timedelta(days=1 if by is By.DAY else 7)
        while day <= ends:
            bounds = max(_local_midnight(day, zone), first), min(_local_midnight(day + step, zone), last)
            cut.append((max(day, starts).isoformat(), Bucket(len(cut), *bounds)))
            day += step
            _check_size(cut, by)
    return cut


def build_report(connection: Connection, starts: date, ends: date, by: By, zone: tzinfo, costs: Costs,
                 progress: Callable[[str], None] | None = None) -> Report:
    """Count every figure of `starts`..`ends` (local dates, both included) in SQL and assemble them.
    `progress` hears the name of each figure as it is counted (for a long period on a terminal).

    The figures that read no call facts (callbacks, repeat contacts, scores: a third of the time over
    100 000 calls) are counted on a second connection (`ivr.store.reports.beside`), in a thread, while
    `connection` prepares the calls' facts and counts the rest: the database works on two cores. The
    thread runs in a copy of the caller's context, so a request's time budget (ivr.deadline) holds there
    too. Raises ValueError when the periods cannot be cut (too many; see `periods`)."""
    cut = periods(starts, ends, By(by), zone)
    buckets = [bucket for _, bucket in cut]
    labels = {bucket.index: label for label, bucket in cut}
    target = costs.answered_within_seconds
    days = _whole_days(cut, zone)

    def without_facts(side: Connection, spans: counted.Periods) -> list[tuple[str, Callable[[], Rows]]]:
        return [("callbacks", lambda: counted.callbacks(side, spans, by_language=False) + counted.callbacks(side, spans)),
                ("contacts", lambda: _with_all_languages(counted.contacts(side, spans), "channel")),
                ("scores", lambda: _with_all_languages(survey.scores(side, days), "service", "outcome", "flow_version"))]

    def count_beside(side: Connection) -> dict[str, Rows]:
        with counted.periods_only(side, buckets) as spans:
            return {name: count() for name, count in without_facts(side, spans)}

    gathered: dict[str, Rows] = {}
    with counted.beside(connection) as side, ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(contextvars.copy_context().run, count_beside, side) if side is not None else None
        with counted.prepared(connection, buckets, JOURNEYS) as report:
            steps: list[tuple[str, Callable[[], Rows]]] = [
                ("offered", lambda: _with_all_languages(counted.offered(connection, report), "flow_version")),
                ("calls", lambda: _with_all_languages(counted.call_figures(connection, report))),
                ("reasons", lambda: _with_all_languages(counted.sent_by_reason(connection, report),
                                                        "reason", "after_hours")),
                ("steps", lambda: _with_all_languages(counted.sent_by_step(connection, report), "position")),
                ("waits", lambda: counted.waits(connection, report, target)),
            ]
            if pending is None:
                steps += without_facts(connection, report.periods)
            for name, count in steps:
                if progress is not None:
                    progress(name)
                gathered[name] = count()
        if pending is not None:
            if progress is not None:
                progress("contacts")
            gathered.update(pending.result())
    found = {(row["bucket"], row["language"]) for rows in gathered.values() for row in rows}
    found |= {(bucket.index, ALL_LANGUAGES) for bucket in buckets}  # a period without calls shows its zeros
    keys = sorted(found, key=lambda key: (key[0], key[1] != ALL_LANGUAGES, key[1]))
    grouped: dict[tuple[int, str], dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for name, rows in gathered.items():
        for row in rows:
            grouped[(row["bucket"], row["language"])][name].append(row)
    figures = tuple(_figures(labels[bucket], language, grouped[(bucket, language)], costs)
                    for bucket, language in keys)
    return Report(starts, ends, By(by), str(zone), figures)


def offered_by_period(connection: Connection, starts: date, ends: date, by: By,
                      zone: tzinfo) -> list[tuple[str, int]]:
    """Calls offered in each period of `starts`..`ends` as `build_report` cuts and labels them (without
    'total'), every language together, in order: (label, calls). Counted from the calls' start alone,
    not their journeys: the Reports page's volume by hour costs a scan of the calls' index, not a
    second whole report (bench/RESULTS.md). Raises ValueError as `periods` does."""
    cut = periods(starts, ends, By(by), zone)
    found = {row["bucket"]: int(row["calls"]) for row in counted.offered_by_bucket(connection, [b for _, b in cut])}
    return [(label, found.get(bucket.index, 0)) for label, bucket in cut if bucket.index != 0]


# -- assembling ------------------------------------------------------------------------------------


def _figures(period: str, language: str, rows: dict[str, list[dict[str, Any]]], costs: Costs) -> Figures:
    rows = defaultdict(list, rows)
    offered_by_version = _sum_by(rows["offered"], "flow_version", "calls")
    calls = rows["calls"][0] if rows["calls"] else {}
    completed = {service: int(calls.get(f"done_{n}") or 0) for n, service in enumerate(COMPLETING_ACTIONS.values())}
    reasons: dict[str, int] = defaultdict(int)
    for row in rows["reasons"]:
        reasons[str(reason_category(row["reason"], bool(row["after_hours"])))] += row["calls"]
    waits = rows["waits"][0] if rows["waits"] else {}
    callback = rows["callbacks"][0] if rows["callbacks"] else {}
    contacts = rows["contacts"]
    by_channel = _sum_by(contacts, "channel", "contacts")
    repeats = RepeatFigures(sum(by_channel.values()), *(sum(row[name] for row in contacts) for name in (
        "again_7", "again_30", "same_subject_7", "same_subject_30")), by_channel=by_channel)
    queue_figures = QueueFigures(
        answered=int(calls.get("answered") or 0), hung_up=int(calls.get("hung_up") or 0),
        waits=int(waits.get("waits") or 0), mean_wait_seconds=_float(waits.get("mean_seconds")),
        p90_wait_seconds=_int(waits.get("p90_seconds")), longest_wait_seconds=_int(waits.get("longest_seconds")),
        answered_within_target=int(waits.get("within_target") or 0), target_seconds=costs.answered_within_seconds)
    callback_figures = CallbackFigures(int(callback.get("requested") or 0), int(callback.get("done") or 0),
                                       _float(callback.get("mean_delay_seconds")),
                                       _float(callback.get("longest_delay_seconds")))
    funnels = tuple(FunnelFigures(stages.service, int(calls.get("calls") or 0),
                                  *(int(calls.get(f"{stage}_{n}") or 0) for stage in ("chose", "identified", "verified")),
                                  completed.get(COMPLETING_ACTIONS[stages.action], 0))
                    for n, stages in enumerate(FUNNELS))
    return Figures(
        period=period, language=language, offered=sum(offered_by_version.values()),
        offered_by_version=offered_by_version, completed_by_service={k: v for k, v in completed.items() if v},
        outcomes=Outcomes(*(int(calls.get(name) or 0) for name in (
            "completed", "contained", "completed_then_sent", "sent_to_agents", "abandoned_in_ivr"))),
        sent_by_reason=dict(reasons), sent_by_step=_sum_by(rows["steps"], "position", "calls"),
        funnels=funnels, queue=queue_figures, callbacks=callback_figures, repeats=repeats,
        cost=_cost(sum(offered_by_version.values()), queue_figures.answered + callback_figures.done, by_channel, costs),
        scores=tuple(_score(row) for row in sorted(rows["scores"], key=lambda r: (r["service"], r["outcome"],
                                                                                 r["flow_version"]))))


def _score(row: dict[str, Any]) -> ScoreFigures:
    answered, score_sum = int(row["answered"]), int(row["score_sum"])
    return ScoreFigures(row["service"], row["outcome"], row["flow_version"], int(row["asked"]), answered,
                        int(row["skipped"]), score_sum, round(score_sum / answered, 2) if answered else None)


def _whole_days(cut: list[tuple[str, Bucket]], zone: tzinfo) -> list[survey.Days]:
    """The periods that are whole local days (the total, days, weeks), as first and last local day;
    hours are left out, since a survey answer keeps its day only."""
    spans = []
    for _, bucket in cut:
        first = bucket.starts.astimezone(zone)
        last = bucket.ends.astimezone(zone)
        if first.time() == time(0) and last.time() == time(0) and last.date() > first.date():
            spans.append(survey.Days(bucket.index, first.date(), last.date() - timedelta(days=1)))
    return spans


def _with_all_languages(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    """The rows counted per language, and their sums for all languages (ALL_LANGUAGES) by period and `keys`:
    counts add up across languages (a few rows per period, not calls)."""
    summed: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = (row["bucket"], *(row[name] for name in keys))
        total = summed.setdefault(key, {"bucket": row["bucket"], "language": ALL_LANGUAGES,
                                        **{name: row[name] for name in keys}})
        for name, value in row.items():
            if name not in ("bucket", "language", *keys):
                total[name] = total.get(name, 0) + int(value or 0)
    return list(summed.values()) + rows


def _cost(offered: int, agent_calls: int, by_channel: dict[str, int], costs: Costs) -> CostFigures:
    """A call costs the IVR rate; one an agent answered (or called back) adds the agent rate; web and
    e-mail contacts are those recorded in the contacts table. All by agent: every call and every web or
    e-mail contact answered by an agent instead."""
    contacts = {Channel.WEB: by_channel.get("web", 0), Channel.IVR: offered, Channel.EMAIL: by_channel.get("email", 0),
                Channel.AGENT_CALL: agent_calls}
    cost = sum((costs.of(channel, count) for channel, count in contacts.items()), Decimal(0))
    everyone = offered + contacts[Channel.WEB] + contacts[Channel.EMAIL]
    return CostFigures(costs.currency, {str(channel): count for channel, count in contacts.items()}, cost,
                       costs.of(Channel.AGENT_CALL, everyone))


def _sum_by(rows: Iterable[dict[str, Any]], key: str, value: str) -> dict[str, int]:
    summed: dict[str, int] = defaultdict(int)
    for row in rows:
        summed[str(row[key] or "")] += int(row[value] or 0)
    return dict(summed)


def _float(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _local_midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


_COARSER = {By.HOUR: "cut it by day or by week, or ask for fewer days", By.DAY: "cut it by week, or ask for fewer days",
            By.WEEK: "ask for fewer days"}
"""What a report with too many periods can do instead: a coarser cut than the one asked, if any."""


def _check_size(cut: list[tuple[str, Bucket]], by: By) -> None:
    if len(cut) > MAX_PERIODS + 1:
        raise ValueError(f"the report would have more than {MAX_PERIODS} periods by {by}: {_COARSER[by]}")


def _with_properties(figures: Figures) -> dict[str, Any]:
    data = _shallow(figures)
    data["funnels"] = [{**_shallow(item), "drop_offs": item.drop_offs} for item in figures.funnels]
    data["queue"] = {**_shallow(figures.queue), "service_level": figures.queue.service_level}
    data["repeats"] = {**_shallow(figures.repeats),
                       "first_contact_resolution": figures.repeats.first_contact_resolution}
    data["cost"] = {**_shallow(figures.cost), "saving": figures.cost.saving}
    return data


def _shallow(value: Any) -> dict[str, Any]:
    """A dataclass's fields by name, their values as they are (`_plain` unpacks them): what
    dataclasses.asdict gives without its deep copy, which took 0.12 s of a 90-day report by day."""
    return {item.name: getattr(value, item.name) for item in fields(value)}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(_shallow(value))
    return value
