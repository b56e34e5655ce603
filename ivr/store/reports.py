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

from collections.abc import Sequence
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


def _within(periods: FromClause, moment: ColumnElement[datetime], buckets: Sequence[Bucket]) -> ColumnElement[bool]:
    """`moment` falls in a period; the whole report's span is said too, so the planner narrows the rows
    by the moment's index first, whatever it guesses of the VALUES list."""
    moment_type = DateTime(timezone=True)
    span = and_(moment >= bindparam("span_starts", min(b.starts for b in buckets), type_=moment_type),
                moment < bindparam("span_ends", max(b.ends for b in buckets), type_=moment_type))
    return and_(span, moment >= periods.c.starts, moment < periods.c.ends)


def _language(column: ColumnElement[str | None], by_language: bool) -> ColumnElement[str]:
    if by_language:
        return func.coalesce(column, "").label("language")
    return literal_column(f"'{ALL_LANGUAGES}'", String).label("language")


def _groups(by_language: bool, bucket: Any, language: Any, *others: Any) -> list[Any]:
    """GROUP BY the period, the language when counted per language (PostgreSQL refuses a constant), and others."""
    return [bucket, *([language] if by_language else []), *others]


def _rows(connection: Connection, statement: Any) -> Rows:
    return [dict(row) for row in connection.execute(statement).mappings()]


# -- one row per call: its journey's facts, read in one grouped pass -----------------------------------


@dataclass(frozen=True)
class Journeys:
    """What a report asks of the calls' journeys: the actions that complete a service, and the funnels."""

    actions: tuple[str, ...]
    funnels: tuple[Funnel, ...]


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.max(case((condition, 1), else_=0))


def _per_call(buckets: Sequence[Bucket], journeys: Journeys) -> Any:
    """(bucket, call_sid, language, status, transfer_reason, facts...) for each call begun in a period.

    The calls of the periods are found first (by the index on started_at), then their journey rows are
    read once (by the index on call_sid) and folded into 0/1 facts: done_<n> (action n succeeded),
    sent_here, closed, chose_<n> / identified_<n> / verified_<n> (funnel n), answered, hung_up, wait
    (seconds of the answered wait) and step (where the flow sent the caller to the agents)."""
    periods = _periods(buckets)
    period_calls = (select(periods.c.bucket, _CALLS.c.call_sid, func.coalesce(_CALLS.c.language, "").label("language"),
                           _CALLS.c.status, _CALLS.c.transfer_reason)
                    .select_from(_CALLS.join(periods, _within(periods, _CALLS.c.started_at, buckets)))
                    .subquery("period_calls"))
    j = _JOURNEY
    outcome = j.c.detail["outcome"].as_string()
    succeeded = and_(j.c.kind == "action", j.c.event == "outcome", outcome != "error")
    returned = and_(j.c.kind == "use", j.c.event == "returned", outcome == "verified")
    answered = and_(j.c.kind == "queue", j.c.event.in_(ANSWERED_RESULTS))
    facts = [_flag(and_(succeeded, j.c.detail["action"].as_string() == name)).label(f"done_{n}")
             for n, name in enumerate(journeys.actions)]
    for n, stages in enumerate(journeys.funnels):
        facts += [_flag(j.c.position.like(f"{stages.flow}/%")).label(f"chose_{n}"),
                  _flag(and_(returned, j.c.position == stages.identified_at)).label(f"identified_{n}"),
                  _flag(and_(returned, j.c.position == stages.verified_at)).label(f"verified_{n}")]
    facts += [_flag(j.c.kind.in_(SENT_TO_AGENTS_KINDS)).label("sent_here"), _flag(j.c.kind == "closed").label("closed"),
              _flag(answered).label("answered"),
              _flag(and_(j.c.kind == "queue", j.c.event == HUNG_UP_IN_QUEUE)).label("hung_up"),
              func.max(case((answered, j.c.detail["seconds"].as_integer()))).label("wait"),
              func.max(case((and_(j.c.kind == "transfer", j.c.event == "queued"), j.c.position))).label("step")]
    keys = [period_calls.c.bucket, period_calls.c.call_sid, period_calls.c.language, period_calls.c.status,
            period_calls.c.transfer_reason]
    return (select(*keys, *facts).select_from(period_calls.outerjoin(j, j.c.call_sid == period_calls.c.call_sid))
            .group_by(*keys).subquery("per_call"))


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _sent(call: Any) -> ColumnElement[bool]:
    return or_(call.c.sent_here == 1, call.c.transfer_reason.is_not(None))


# -- the figures -----------------------------------------------------------------------------------


def offered(connection: Connection, buckets: Sequence[Bucket]) -> Rows:
    """Calls that began in each period: bucket, language, flow_version, calls."""
    periods = _periods(buckets)
    language = _language(_CALLS.c.language, True)
    statement = (select(periods.c.bucket, language, _CALLS.c.flow_version, func.count().label("calls"))
                 .select_from(_CALLS.join(periods, _within(periods, _CALLS.c.started_at, buckets)))
                 .group_by(periods.c.bucket, language, _CALLS.c.flow_version))
    return _rows(connection, statement)


def call_figures(connection: Connection, buckets: Sequence[Bucket], journeys: Journeys) -> Rows:
    """Per period and language (calls): calls, completed, sent_to_agents, completed_then_sent, contained,
    abandoned_in_ivr, done_<n> per action, chose_<n> / identified_<n> / verified_<n> per funnel, answered
    and hung_up (docs/reports.md gives each rule)."""
    call = _per_call(buckets, journeys)
    completed = or_(*(call.c[f"done_{n}"] == 1 for n in range(len(journeys.actions))))
    sent = _sent(call)
    own = _CONTACTS.alias("own")  # the contact this call added to the client's history
    later = _CONTACTS.alias("later")
    repeated = exists(select(1).select_from(later).where(
        later.c.client_id == own.c.client_id, later.c.subject == own.c.subject, later.c.at > own.c.at,
        later.c.at < plus_days(own.c.at, 7), or_(later.c.call_sid.is_(None), later.c.call_sid != own.c.call_sid)))
    stages = [call.c[name] for name in call.c.keys() if name.startswith(("done_", "chose_", "identified_", "verified_"))]
    statement = (select(call.c.bucket, call.c.language, func.count().label("calls"),
                        _count(completed).label("completed"), _count(sent).label("sent_to_agents"),
                        _count(and_(completed, sent)).label("completed_then_sent"),
                        _count(and_(completed, not_(sent), not_(repeated))).label("contained"),
                        _count(and_(call.c.status == ENDED_IN_IVR, not_(completed), not_(sent)))
                        .label("abandoned_in_ivr"),
                        *(func.sum(column).label(column.name) for column in stages),
                        func.sum(call.c.answered).label("answered"), func.sum(call.c.hung_up).label("hung_up"))
                 .select_from(call.outerjoin(own, and_(own.c.call_sid == call.c.call_sid, own.c.channel == "ivr")))
                 .group_by(call.c.bucket, call.c.language))
    return _rows(connection, statement)


def sent_by_reason(connection: Connection, buckets: Sequence[Bucket], journeys: Journeys) -> Rows:
    """Calls sent to the agents: bucket, language, reason (calls.transfer_reason as recorded),
    after_hours (1: reached closed hours), calls."""
    call = _per_call(buckets, journeys)
    reason = func.coalesce(call.c.transfer_reason, "").label("reason")
    statement = (select(call.c.bucket, call.c.language, reason, call.c.closed.label("after_hours"),
                        func.count().label("calls"))
                 .where(_sent(call)).group_by(call.c.bucket, call.c.language, reason, call.c.closed))
    return _rows(connection, statement)


def sent_by_step(connection: Connection, buckets: Sequence[Bucket], journeys: Journeys) -> Rows:
    """Where the flow sent callers to the agents: bucket, language, position ('flow/step'), calls; a call
    the flow transferred twice counts once, at one of its steps."""
    call = _per_call(buckets, journeys)
    statement = (select(call.c.bucket, call.c.language, call.c.step.label("position"), func.count().label("calls"))
                 .where(call.c.step.is_not(None)).group_by(call.c.bucket, call.c.language, call.c.step))
    return _rows(connection, statement)


def waits(connection: Connection, buckets: Sequence[Bucket], journeys: Journeys, target_seconds: int,
          by_language: bool = True) -> Rows:
    """The answered waits with a QueueTime (seconds), for calls begun in each period: bucket, language,
    waits, mean_seconds, p90_seconds (nearest rank), longest_seconds, within_target."""
    call = _per_call(buckets, journeys)
    language = _language(call.c.language, by_language)
    partition = {"partition_by": _groups(by_language, call.c.bucket, call.c.language)}
    ranked = (select(call.c.bucket, language, call.c.wait.label("seconds"),
                     func.row_number().over(order_by=call.c.wait, **partition).label("rank"),
                     func.count().over(**partition).label("waits"))
              .where(call.c.wait.is_not(None)).subquery("ranked"))
    nearest_90 = (ranked.c.waits * 9 + 9) // 10  # ceil(0.9 n) in whole numbers, on both dialects
    statement = (select(ranked.c.bucket, ranked.c.language, func.count().label("waits"),
                        func.avg(ranked.c.seconds).label("mean_seconds"),
                        func.max(case((ranked.c.rank == nearest_90, ranked.c.seconds))).label("p90_seconds"),
                        func.max(ranked.c.seconds).label("longest_seconds"),
                        _count(ranked.c.seconds <= target_seconds).label("within_target"))
                 .group_by(ranked.c.bucket, ranked.c.language))
    return _rows(connection, statement)


def callbacks(connection: Connection, buckets: Sequence[Bucket], by_language: bool = True) -> Rows:
    """Callbacks asked in each period: bucket, language, requested, done, mean_delay_seconds and
    longest_delay_seconds (asked to done)."""
    periods = _periods(buckets)
    language = _language(_CALLBACKS.c.language, by_language)
    done = _CALLBACKS.c.status == "done"
    delay = case((done, seconds_between(_CALLBACKS.c.requested_at, _CALLBACKS.c.done_at)))
    statement = (select(periods.c.bucket, language, func.count().label("requested"), _count(done).label("done"),
                        func.avg(delay).label("mean_delay_seconds"), func.max(delay).label("longest_delay_seconds"))
                 .select_from(_CALLBACKS.join(periods, _within(periods, _CALLBACKS.c.requested_at, buckets)))
                 .group_by(*_groups(by_language, periods.c.bucket, language)))
    return _rows(connection, statement)


def contacts(connection: Connection, buckets: Sequence[Bucket]) -> Rows:
    """Contacts recorded in each period, one per contact (a call's self-service part and its agent part
    are one): bucket, language, channel, contacts, and how many the same client followed within 7 and
    30 days, on any subject and on the same one: again_7, again_30, same_subject_7, same_subject_30."""
    periods = _periods(buckets)
    this = _CONTACTS.alias("this")
    later = _CONTACTS.alias("later")
    other = _CONTACTS.alias("other")

    def following(same_subject: bool) -> Any:
        """When the client's next contact came (not from the same call): the first row in the index on
        (client_id, at) that qualifies, not a min() over all the client's later contacts."""
        conditions = [later.c.client_id == this.c.client_id, later.c.at > this.c.at,
                      or_(this.c.call_sid.is_(None), later.c.call_sid.is_(None), later.c.call_sid != this.c.call_sid)]
        if same_subject:
            conditions.append(later.c.subject == this.c.subject)
        return select(later.c.at).where(*conditions).order_by(later.c.at).limit(1).scalar_subquery()

    agent_part = exists(select(1).select_from(other).where(other.c.call_sid == this.c.call_sid,
                                                           other.c.channel != "ivr"))
    each = (select(periods.c.bucket, func.coalesce(_CALLS.c.language, "").label("language"), this.c.channel,
                   this.c.at, following(False).label("next_any"), following(True).label("next_same"))
            .select_from(this.join(periods, _within(periods, this.c.at, buckets))
                         .outerjoin(_CALLS, _CALLS.c.call_sid == this.c.call_sid))
            .where(not_(and_(this.c.channel == "ivr", this.c.call_sid.is_not(None), agent_part)))
            .subquery("each"))

    def within(column: Any, days: int) -> ColumnElement[int]:
        return _count(and_(column.is_not(None), column < plus_days(each.c.at, days)))

    statement = (select(each.c.bucket, each.c.language, each.c.channel, func.count().label("contacts"),
                        within(each.c.next_any, 7).label("again_7"), within(each.c.next_any, 30).label("again_30"),
                        within(each.c.next_same, 7).label("same_subject_7"),
                        within(each.c.next_same, 30).label("same_subject_30"))
                 .group_by(each.c.bucket, each.c.language, each.c.channel))
    return _rows(connection, statement)
