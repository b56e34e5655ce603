"""The report figures counted in SQL: grouped, indexed statements, one per kind of figure.

Every statement joins the rows it counts to a small table of periods (`Bucket`: a start included,
an end excluded, in UTC; the caller cuts them in the contact centre's time zone) and groups by period
and language, so the database does the counting and Python only reads one row per group. A period may
hold others (the whole report is one more bucket), and `by_language=False` counts every language as
one (ALL_LANGUAGES): a 90th percentile cannot be added up from the languages'.

What each figure counts is written in docs/reports.md; this module is the only one that knows the
tables, the journey's kinds and events, and the SQL dialects (seconds between two moments, a moment
plus days: SQLite's julianday and strftime, PostgreSQL's EXTRACT(EPOCH) and INTERVAL).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (Connection, DateTime, Float, Integer, String, and_, bindparam, case, exists, func,
                        literal_column, not_, or_, select, text)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, FromClause
from sqlalchemy.sql.functions import FunctionElement

from ivr.store.models.calls import Call, Contact, JourneyEvent
from ivr.store.models.desktop import Callback

_CALLS = Call.__table__
_JOURNEY = JourneyEvent.__table__
_CONTACTS = Contact.__table__
_CALLBACKS = Callback.__table__

ALL_LANGUAGES = "*"
"""The language of a row that counts every language together."""

ANSWERED_RESULTS = ("bridged", "bridging-in-process", "redirected", "redirected-from-bridged")
"""Twilio QueueResult values of a caller who reached an agent (the journey's "queue" rows; see
ivr.telephony.outcomes for Twilio's reference)."""
HUNG_UP_IN_QUEUE = "hangup"
"""QueueResult of a caller who hung up while waiting."""
SENT_TO_AGENTS_KINDS = ("transfer", "closed")
"""Journey kinds of a call sent to the agents: by the flow, or into closed hours."""
ENDED_IN_IVR = "abandoned"
"""The status a call ends with when Twilio says it is over while it was still in self-service."""


@dataclass(frozen=True)
class Bucket:
    """One period of a report: `index` names it, `starts` (included) and `ends` (excluded) are UTC."""

    index: int
    starts: datetime
    ends: datetime


@dataclass(frozen=True)
class Funnel:
    """The journey facts of one service's funnel: a position inside its flow (chose), the `use` steps
    whose return 'verified' mean identified and verified, and the action that completes it."""

    service: str
    flow: str
    identified_at: str
    verified_at: str
    action: str


Rows = list[dict[str, Any]]


# -- dialects --------------------------------------------------------------------------------------


class _Seconds(FunctionElement):
    """Seconds from the first moment to the second (a float)."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(_Seconds)
def _seconds(element: _Seconds, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


@compiles(_Seconds, "sqlite")
def _seconds_sqlite(element: _Seconds, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


class _PlusDays(FunctionElement):
    """A moment plus a whole number of days (given as a literal integer)."""

    type = DateTime(timezone=True)
    inherit_cache = True
    name = "plus_days"


@compiles(_PlusDays)
def _plus_days(element: _PlusDays, compiler: Any, **kw: Any) -> str:
    moment, days = list(element.clauses)
    return f"({compiler.process(moment, **kw)} + INTERVAL '{int(days.value)} days')"


@compiles(_PlusDays, "sqlite")
def _plus_days_sqlite(element: _PlusDays, compiler: Any, **kw: Any) -> str:
    moment, days = list(element.clauses)  # SQLAlchemy keeps SQLite moments as 'YYYY-MM-DD HH:MM:SS.ffffff'
    return f"strftime('%Y-%m-%d %H:%M:%f', {compiler.process(moment, **kw)}, '+{int(days.value)} days')"


def seconds_between(start: Any, end: Any) -> ColumnElement[float]:
    return _Seconds(start, end)


def plus_days(moment: Any, days: int) -> ColumnElement[datetime]:
    return _PlusDays(moment, days)


# -- periods ---------------------------------------------------------------------------------------


def _periods(buckets: Sequence[Bucket]) -> FromClause:
    """The buckets as a table (bucket, starts, ends): a VALUES list, which SQLite and PostgreSQL both
    name column1, column2 ..."""
    if not buckets:
        raise ValueError("a report needs at least one period")
    rows = ", ".join(f"({int(b.index)}, :s{n}, :e{n})" for n, b in enumerate(buckets))
    moment = DateTime(timezone=True)
    params = [bindparam(f"s{n}", b.starts, type_=moment) for n, b in enumerate(buckets)]
    params += [bindparam(f"e{n}", b.ends, type_=moment) for n, b in enumerate(buckets)]
    statement = text(f"SELECT column1 AS bucket, column2 AS starts, column3 AS ends FROM (VALUES {rows}) AS v")
    return statement.bindparams(*params).columns(bucket=Integer, starts=moment, ends=moment).subquery("periods")


def _within(periods: FromClause, moment: ColumnElement[datetime]) -> ColumnElement[bool]:
    return and_(moment >= periods.c.starts, moment < periods.c.ends)


def _language(column: ColumnElement[str | None], by_language: bool) -> ColumnElement[str]:
    if by_language:
        return func.coalesce(column, "").label("language")
    return literal_column(f"'{ALL_LANGUAGES}'", String).label("language")


def _groups(by_language: bool, bucket: Any, language: Any, *others: Any) -> list[Any]:
    """GROUP BY the period, the language when counted per language (PostgreSQL refuses a constant), and others."""
    return [bucket, *([language] if by_language else []), *others]


def _rows(connection: Connection, statement: Any) -> Rows:
    return [dict(row) for row in connection.execute(statement).mappings()]


# -- journey facts -------------------------------------------------------------------------------------


def _action() -> ColumnElement[str]:
    return _JOURNEY.c.detail["action"].as_string()


def _completed(actions: Collection[str]) -> Any:
    """(call_sid, action) of each call in which a completing action gave any outcome but 'error'."""
    return (select(_JOURNEY.c.call_sid, _action().label("action"))
            .where(_JOURNEY.c.kind == "action", _JOURNEY.c.event == "outcome", _action().in_(list(actions)),
                   _JOURNEY.c.detail["outcome"].as_string() != "error")
            .distinct().subquery("completed"))


def _completed_here(actions: Collection[str]) -> ColumnElement[bool]:
    """The call (correlated) has a completing action that gave any outcome but 'error'."""
    return _has_event(_JOURNEY.c.kind == "action", _JOURNEY.c.event == "outcome", _action().in_(list(actions)),
                      _JOURNEY.c.detail["outcome"].as_string() != "error")


def _has_event(*conditions: Any) -> ColumnElement[bool]:
    return exists(select(1).select_from(_JOURNEY).where(_JOURNEY.c.call_sid == _CALLS.c.call_sid, *conditions))


def _sent_to_agents() -> ColumnElement[bool]:
    return or_(_CALLS.c.transfer_reason.is_not(None), _has_event(_JOURNEY.c.kind.in_(SENT_TO_AGENTS_KINDS)))


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# -- the figures -----------------------------------------------------------------------------------


def offered(connection: Connection, buckets: Sequence[Bucket], by_language: bool = True) -> Rows:
    """Calls that began in each period: bucket, language, flow_version, calls."""
    periods = _periods(buckets)
    language = _language(_CALLS.c.language, by_language)
    statement = (select(periods.c.bucket, language, _CALLS.c.flow_version, func.count().label("calls"))
                 .select_from(_CALLS.join(periods, _within(periods, _CALLS.c.started_at)))
                 .group_by(*_groups(by_language, periods.c.bucket, language, _CALLS.c.flow_version)))
    return _rows(connection, statement)


def completed_by_action(connection: Connection, buckets: Sequence[Bucket], actions: Collection[str],
                        by_language: bool = True) -> Rows:
    """Calls begun in each period in which each completing action succeeded: bucket, language, action, calls."""
    periods = _periods(buckets)
    done = _completed(actions)
    language = _language(_CALLS.c.language, by_language)
    statement = (select(periods.c.bucket, language, done.c.action, func.count(func.distinct(done.c.call_sid))
                        .label("calls"))
                 .select_from(_CALLS.join(periods, _within(periods, _CALLS.c.started_at))
                              .join(done, done.c.call_sid == _CALLS.c.call_sid))
                 .group_by(*_groups(by_language, periods.c.bucket, language, done.c.action)))
    return _rows(connection, statement)


def outcomes(connection: Connection, buckets: Sequence[Bucket], actions: Collection[str],
             by_language: bool = True) -> Rows:
    """Per period and language: calls, completed, sent_to_agents, completed_then_sent, contained and
    abandoned_in_ivr (docs/reports.md gives each rule)."""
    periods = _periods(buckets)
    completed = _completed_here(actions)
    sent = _sent_to_agents()
    own = _CONTACTS.alias("own")  # the contact this call added to the client's history
    later = _CONTACTS.alias("later")
    repeated = exists(select(1).select_from(later).where(
        later.c.client_id == own.c.client_id, later.c.subject == own.c.subject, later.c.at > own.c.at,
        later.c.at < plus_days(own.c.at, 7), or_(later.c.call_sid.is_(None), later.c.call_sid != own.c.call_sid)))
    language = _language(_CALLS.c.language, by_language)
    statement = (select(periods.c.bucket, language, func.count().label("calls"),
                        _count(completed).label("completed"), _count(sent).label("sent_to_agents"),
                        _count(and_(completed, sent)).label("completed_then_sent"),
                        _count(and_(completed, not_(sent), not_(repeated))).label("contained"),
                        _count(and_(_CALLS.c.status == ENDED_IN_IVR, not_(completed), not_(sent)))
                        .label("abandoned_in_ivr"))
                 .select_from(_CALLS.join(periods, _within(periods, _CALLS.c.started_at))
                              .outerjoin(own, and_(own.c.call_sid == _CALLS.c.call_sid, own.c.channel == "ivr")))
                 .group_by(*_groups(by_language, periods.c.bucket, language)))
    return _rows(connection, statement)


def sent_by_reason(connection: Connection, buckets: Sequence[Bucket], by_language: bool = True) -> Rows:
    """Calls sent to the agents: bucket, language, reason (calls.transfer_reason as recorded),
    after_hours (reached closed hours), calls."""
    periods = _periods(buckets)
    closed = _has_event(_JOURNEY.c.kind == "closed")
    after_hours = case((closed, 1), else_=0).label("after_hours")
    language = _language(_CALLS.c.language, by_language)
    reason = func.coalesce(_CALLS.c.transfer_reason, "").label("reason")
    statement = (select(periods.c.bucket, language, reason, after_hours, func.count().label("calls"))
                 .select_from(_CALLS.join(periods, _within(periods, _CALLS.c.started_at)))
                 .where(_sent_to_agents())
                 .group_by(*_groups(by_language, periods.c.bucket, language, reason, after_hours)))
    return _rows(connection, statement)


def sent_by_step(connection: Connection, buckets: Sequence[Bucket], by_language: bool = True) -> Rows:
    """Where the flow sent callers to the agents: bucket, language, position ('flow/step'), calls."""
    periods = _periods(buckets)
    language = _language(_CALLS.c.language, by_language)
    statement = (select(periods.c.bucket, language, _JOURNEY.c.position,
                        func.count(func.distinct(_CALLS.c.call_sid)).label("calls"))
                 .select_from(_CALLS.join(periods, _within(periods, _CALLS.c.started_at))
                              .join(_JOURNEY, _JOURNEY.c.call_sid == _CALLS.c.call_sid))
                 .where(_JOURNEY.c.kind == "transfer", _JOURNEY.c.event == "queued")
                 .group_by(*_groups(by_language, periods.c.bucket, language, _JOURNEY.c.position)))
    return _rows(connection, statement)


def funnel(connection: Connection, buckets: Sequence[Bucket], stages: Funnel, by_language: bool = True) -> Rows:
    """One service's funnel: bucket, language, called, chose, identified, verified, completed (calls)."""
    periods = _periods(buckets)

    def returned_verified(position: str) -> ColumnElement[bool]:
        return _has_event(_JOURNEY.c.kind == "use", _JOURNEY.c.event == "returned", _JOURNEY.c.position == position,
                          _JOURNEY.c.detail["outcome"].as_string() == "verified")

    chose = _has_event(_JOURNEY.c.position.like(f"{stages.flow}/%"))
    completed = _completed_here((stages.action,))
    language = _language(_CALLS.c.language, by_language)
    statement = (select(periods.c.bucket, language, func.count().label("called"), _count(chose).label("chose"),
                        _count(returned_verified(stages.identified_at)).label("identified"),
                        _count(returned_verified(stages.verified_at)).label("verified"),
                        _count(completed).label("completed"))
                 .select_from(_CALLS.join(periods, _within(periods, _CALLS.c.started_at)))
                 .group_by(*_groups(by_language, periods.c.bucket, language)))
    return _rows(connection, statement)


def queue(connection: Connection, buckets: Sequence[Bucket], target_seconds: int, by_language: bool = True) -> Rows:
    """How waits in the agents' queue ended, for calls begun in each period: bucket, language, answered,
    hung_up (calls), and over the answered waits with a QueueTime: waits, mean_seconds, p90_seconds
    (nearest rank), longest_seconds, within_target."""
    periods = _periods(buckets)
    language = _language(_CALLS.c.language, by_language)
    seconds = _JOURNEY.c.detail["seconds"].as_integer()
    joined = (_CALLS.join(periods, _within(periods, _CALLS.c.started_at))
              .join(_JOURNEY, _JOURNEY.c.call_sid == _CALLS.c.call_sid))
    ended = (select(periods.c.bucket, language,
                    func.count(func.distinct(case((_JOURNEY.c.event.in_(ANSWERED_RESULTS), _CALLS.c.call_sid))))
                    .label("answered"),
                    func.count(func.distinct(case((_JOURNEY.c.event == HUNG_UP_IN_QUEUE, _CALLS.c.call_sid))))
                    .label("hung_up"))
             .select_from(joined).where(_JOURNEY.c.kind == "queue")
             .group_by(*_groups(by_language, periods.c.bucket, language)))
    partition = {"partition_by": _groups(by_language, periods.c.bucket, language)}
    waits = (select(periods.c.bucket.label("bucket"), language, seconds.label("seconds"),
                    func.row_number().over(order_by=seconds, **partition).label("rank"),
                    func.count().over(**partition).label("waits"))
             .select_from(joined)
             .where(_JOURNEY.c.kind == "queue", _JOURNEY.c.event.in_(ANSWERED_RESULTS), seconds.is_not(None))
             .subquery("waits"))
    nearest_90 = (waits.c.waits * 9 + 9) // 10  # ceil(0.9 n) in whole numbers, on both dialects
    measured = (select(waits.c.bucket, waits.c.language, func.count().label("waits"),
                       func.avg(waits.c.seconds).label("mean_seconds"),
                       func.max(case((waits.c.rank == nearest_90, waits.c.seconds))).label("p90_seconds"),
                       func.max(waits.c.seconds).label("longest_seconds"),
                       _count(waits.c.seconds <= target_seconds).label("within_target"))
                .group_by(waits.c.bucket, waits.c.language))
    found = {(row["bucket"], row["language"]): row for row in _rows(connection, ended)}
    for row in _rows(connection, measured):
        found.setdefault((row["bucket"], row["language"]), {"bucket": row["bucket"], "language": row["language"],
                                                            "answered": 0, "hung_up": 0}).update(row)
    return list(found.values())


def callbacks(connection: Connection, buckets: Sequence[Bucket], by_language: bool = True) -> Rows:
    """Callbacks asked in each period: bucket, language, requested, done, mean_delay_seconds and
    longest_delay_seconds (asked to done)."""
    periods = _periods(buckets)
    language = _language(_CALLBACKS.c.language, by_language)
    done = _CALLBACKS.c.status == "done"
    delay = case((done, seconds_between(_CALLBACKS.c.requested_at, _CALLBACKS.c.done_at)))
    statement = (select(periods.c.bucket, language, func.count().label("requested"), _count(done).label("done"),
                        func.avg(delay).label("mean_delay_seconds"), func.max(delay).label("longest_delay_seconds"))
                 .select_from(_CALLBACKS.join(periods, _within(periods, _CALLBACKS.c.requested_at)))
                 .group_by(*_groups(by_language, periods.c.bucket, language)))
    return _rows(connection, statement)


def contacts(connection: Connection, buckets: Sequence[Bucket], by_language: bool = True) -> Rows:
    """Contacts recorded in each period, one per contact (a call's self-service part and its agent part
    are one): bucket, language, channel, contacts, and how many the same client followed within 7 and
    30 days, on any subject and on the same one: again_7, again_30, same_subject_7, same_subject_30."""
    periods = _periods(buckets)
    this = _CONTACTS.alias("this")
    later = _CONTACTS.alias("later")
    other = _CONTACTS.alias("other")

    def again(days: int, same_subject: bool) -> ColumnElement[bool]:
        conditions = [later.c.client_id == this.c.client_id, later.c.at > this.c.at,
                      later.c.at < plus_days(this.c.at, days),
                      or_(this.c.call_sid.is_(None), later.c.call_sid.is_(None), later.c.call_sid != this.c.call_sid)]
        if same_subject:
            conditions.append(later.c.subject == this.c.subject)
        return exists(select(1).select_from(later).where(*conditions))

    agent_part = exists(select(1).select_from(other).where(other.c.call_sid == this.c.call_sid,
                                                           other.c.channel != "ivr"))
    language = _language(_CALLS.c.language, by_language)
    statement = (select(periods.c.bucket, language, this.c.channel, func.count().label("contacts"),
                        _count(again(7, False)).label("again_7"), _count(again(30, False)).label("again_30"),
                        _count(again(7, True)).label("same_subject_7"),
                        _count(again(30, True)).label("same_subject_30"))
                 .select_from(this.join(periods, _within(periods, this.c.at))
                              .outerjoin(_CALLS, _CALLS.c.call_sid == this.c.call_sid))
                 .where(not_(and_(this.c.channel == "ivr", this.c.call_sid.is_not(None), agent_part)))
                 .group_by(*_groups(by_language, periods.c.bucket, language, this.c.channel)))
    return _rows(connection, statement)
