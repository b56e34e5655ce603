"""The report figures counted in SQL: grouped, indexed statements, one per kind of figure.

`prepared` opens a report: it writes its periods (`Bucket`: a start included, an end excluded, in
UTC; the caller cuts them in the contact centre's time zone) into two temporary tables, the finest
periods and which buckets hold each (a day, and the whole report), then the span's calls, one row
each with its finest period and its journey's facts: those `save_facts` wrote into call_facts when
the call ended, while they hold, else its journey folded then. Every figure is then
grouped by finest period and language, and summed into the buckets that hold each period, so the
database does the counting and Python only reads one row per group. Only the waits are spread over
the buckets first: a 90th percentile does not add up, neither from periods nor from languages, so
they are ranked within each language and among all (ALL_LANGUAGES). The figures that read no call
facts (callbacks, repeat contacts) need only the periods (`periods_only`), so a report may count them
on a second connection (`beside`) while the first prepares the facts. bench/reports.py times it
(bench/RESULTS.md, issue 16).

What each figure counts is written in docs/reports.md; this module is the only one that knows the
tables, the journey's kinds and events, and the SQL dialects (seconds between two moments, a moment
plus days: SQLite's julianday and strftime, PostgreSQL's EXTRACT(EPOCH) and INTERVAL; PostgreSQL's
settings for one report's transaction).
"""

from __future__ import annotations

import hashlib
import uuid
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (Column, Connection, DateTime, Float, Index, Integer, MetaData, String, Table, and_, bindparam,
                        case, exists, func, literal_column, not_, or_, select, text, union_all)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.pool import SingletonThreadPool, StaticPool
from sqlalchemy.sql import ColumnElement, FromClause
from sqlalchemy.sql.functions import FunctionElement

from ivr.store.db import database_file
from ivr.store.models.calls import Call, CallFacts, Contact, JourneyEvent
from ivr.store.models.desktop import Callback

_CALLS = Call.__table__
_JOURNEY = JourneyEvent.__table__
_CONTACTS = Contact.__table__
_CALLBACKS = Callback.__table__
_SAVED = CallFacts.__table__

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

_MOMENT = DateTime(timezone=True)


def _cuts(buckets: Sequence[Bucket]) -> tuple[list[tuple[datetime, datetime]], list[tuple[int, int]]]:
    """The finest periods (those that hold no other, sorted) and (period, bucket) for every bucket that
    holds each; ValueError when the buckets overlap without nesting or a bucket is not whole periods.
    Sorting and bisection, not every span against every other: a year by the hour is 9 000 spans."""
    if not buckets:
        raise ValueError("a report needs at least one period")
    spans = sorted({(b.starts, b.ends) for b in buckets})
    earliest_end_after: list[datetime | None] = [None] * len(spans)  # of the spans after each (they start no sooner)
    for n in range(len(spans) - 2, -1, -1):
        following = earliest_end_after[n + 1]
        earliest_end_after[n] = spans[n + 1][1] if following is None else min(spans[n + 1][1], following)
    finest = [span for n, (span, end_after) in enumerate(zip(spans, earliest_end_after))
              if not (n and spans[n - 1][0] == span[0])  # one as early, ending sooner, is inside it
              and not (end_after is not None and end_after <= span[1])]  # one starting later ends within it
    if any(earlier[1] > later[0] for earlier, later in zip(finest, finest[1:])):
        raise ValueError("report periods must nest (a day inside the whole report), not overlap")
    firsts = [starts for starts, _ in finest]
    holders: list[tuple[int, int]] = []
    for bucket in buckets:
        inside: list[int] = []
        for n in range(bisect_left(firsts, bucket.starts), len(finest)):  # sorted, not overlapping: ends rise too
            if finest[n][1] > bucket.ends:
                break
            inside.append(n)
        covered = [finest[n] for n in inside]
        whole = (covered and covered[0][0] == bucket.starts and covered[-1][1] == bucket.ends
                 and all(earlier[1] == later[0] for earlier, later in zip(covered, covered[1:])))
        if not whole:
            raise ValueError(f"report period {bucket.index} is not made of whole smaller periods")
        holders += [(n, bucket.index) for n in inside]
    return finest, holders


@dataclass(frozen=True)
class Periods:
    """The report's periods as two temporary tables: `cuts` (period, starts, ends: the finest periods,
    which hold no other, indexed on starts) and `holders` (period, bucket: each finest period with every
    bucket that holds it, the whole report too). A moment finds its period by one index seek and its
    buckets by an equality join, instead of being compared with every bucket (91 for 90 days by day)."""

    cuts: Table
    holders: Table
    starts: datetime
    ends: datetime

    def within(self, moment: ColumnElement[datetime]) -> ColumnElement[bool]:
        """`moment` falls in the report's span (the moment's own index narrows the rows)."""
        return and_(moment >= bindparam("span_starts", self.starts, type_=_MOMENT),
                    moment < bindparam("span_ends", self.ends, type_=_MOMENT))

    def of(self, moment: ColumnElement[datetime]) -> ColumnElement[int]:
        """The finest period holding `moment` (NULL outside them): the last one starting at or before it."""
        cuts = self.cuts
        return (select(cuts.c.period).where(cuts.c.starts <= moment, cuts.c.ends > moment)
                .order_by(cuts.c.starts.desc()).limit(1).scalar_subquery())


def _temporary(connection: Connection, name: str, *columns: Column[Any]) -> Table:
    table = Table(f"report_{name}_{uuid.uuid4().hex[:12]}", MetaData(), *columns, prefixes=["TEMPORARY"])
    table.create(connection)
    return table


def _periods(connection: Connection, buckets: Sequence[Bucket]) -> Periods:
    finest, holders = _cuts(buckets)
    cuts = _temporary(connection, "cuts", Column("period", Integer), Column("starts", _MOMENT), Column("ends", _MOMENT))
    connection.execute(cuts.insert(), [{"period": n, "starts": starts, "ends": ends}
                                       for n, (starts, ends) in enumerate(finest)])
    Index(f"{cuts.name}_starts", cuts.c.starts).create(connection)
    held = _temporary(connection, "holders", Column("period", Integer), Column("bucket", Integer))
    connection.execute(held.insert(), [{"period": period, "bucket": bucket} for period, bucket in holders])
    Index(f"{held.name}_period", held.c.period).create(connection)
    return Periods(cuts, held, finest[0][0], finest[-1][1])


def _spread(periods: Periods, rows: FromClause, period: ColumnElement[int]) -> FromClause:
    """`rows` (which carry their finest `period`) joined to every bucket that holds it."""
    return rows.join(periods.holders, periods.holders.c.period == period)


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


@dataclass(frozen=True)
class Prepared:
    """What every statement of one report reads: its periods, and its calls one row each with their
    journey folded into facts (`facts`), so the journey is read once per report, not once per figure."""

    periods: Periods
    facts: Table
    journeys: Journeys


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.max(case((condition, 1), else_=0))


def _call_columns() -> list[Column[Any]]:
    """The temporary calls' columns, typed as the calls table's (so a longer value there fits here too)."""
    return [Column("period", Integer), Column("call_sid", _CALLS.c.call_sid.type, primary_key=True),
            *(Column(name, _CALLS.c[name].type) for name in ("language", "flow_version", "status", "transfer_reason"))]


def _flag_names(journeys: Journeys) -> list[str]:
    names = [f"done_{n}" for n in range(len(journeys.actions))]
    names += [f"{stage}_{n}" for n in range(len(journeys.funnels)) for stage in ("chose", "identified", "verified")]
    return names + ["sent_here", "closed", "answered", "hung_up"]


def _fact_columns(journeys: Journeys) -> list[Column[Any]]:
    return [*_call_columns(), *(Column(name, Integer) for name in _flag_names(journeys)), Column("wait", Integer),
            Column("step", _JOURNEY.c.position.type)]


def _span_calls(periods: Periods) -> Any:
    """(period, call_sid, language, flow_version, status, transfer_reason) of each call begun within the
    report's span, found by the index on started_at; its finest period is sought once per call."""
    return (select(periods.of(_CALLS.c.started_at).label("period"), _CALLS.c.call_sid,
                   func.coalesce(_CALLS.c.language, "").label("language"), _CALLS.c.flow_version,
                   _CALLS.c.status, _CALLS.c.transfer_reason)
            .where(periods.within(_CALLS.c.started_at)))


def _folded(calls: Table | None, journeys: Journeys, *rows: ColumnElement[bool]) -> Any:
    """`calls`' columns (None: the journey's call_sid and last row's id, through_id, of the journey `rows`
    pick) and their journey folded into 0/1 facts: done_<n> (action n succeeded), chose_<n> /
    identified_<n> / verified_<n> (funnel n), sent_here, closed, answered, hung_up; wait (seconds of the
    answered wait) and step (where the flow sent the caller to the agents), for every call of `calls`
    (grouped by the call's key alone: its other columns depend on it, the temporary table's key), or for
    each call of the journey `rows` pick."""
    j = _JOURNEY
    outcome = j.c.detail["outcome"].as_string()
    succeeded = and_(j.c.kind == "action", j.c.event == "outcome", outcome != "error")
    returned = and_(j.c.kind == "use", j.c.event == "returned", outcome == "verified")
    answered = and_(j.c.kind == "queue", j.c.event.in_(ANSWERED_RESULTS))
    facts = [_flag(and_(succeeded, j.c.detail["action"].as_string() == name)) for name in journeys.actions]
    for stages in journeys.funnels:
        facts += [_flag(j.c.position.like(f"{stages.flow}/%")),
                  _flag(and_(returned, j.c.position == stages.identified_at)),
                  _flag(and_(returned, j.c.position == stages.verified_at))]
    facts += [_flag(j.c.kind.in_(SENT_TO_AGENTS_KINDS)), _flag(j.c.kind == "closed"), _flag(answered),
              _flag(and_(j.c.kind == "queue", j.c.event == HUNG_UP_IN_QUEUE))]
    names = _flag_names(journeys)
    folded = [*(fact.label(name) for fact, name in zip(facts, names)),
              func.max(case((answered, j.c.detail["seconds"].as_integer()))).label("wait"),
              func.max(case((and_(j.c.kind == "transfer", j.c.event == "queued"), j.c.position))).label("step")]
    if calls is None:
        return (select(j.c.call_sid, func.max(j.c.id).label("through_id"), *folded).where(*rows)
                .group_by(j.c.call_sid))
    return (select(*calls.c, *folded)  # a call without journey rows: every fact 0, no wait, no step
            .select_from(calls.outerjoin(j, j.c.call_sid == calls.c.call_sid)).group_by(calls.c.call_sid))


def signature(journeys: Journeys) -> str:
    """A digest (16 hex digits) of what `journeys` asks and of the flags' order: saved facts count only
    when they were folded for the same definitions."""
    text = repr((_flag_names(journeys), journeys.actions, journeys.funnels, SENT_TO_AGENTS_KINDS,
                 ANSWERED_RESULTS, HUNG_UP_IN_QUEUE))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _saved_facts(journeys: Journeys, *rows: ColumnElement[bool]) -> Any:
    """(call_sid, signature, through_id, flags, wait, step) of each call of the journey `rows` pick: its
    journey folded as `_folded` does, the flags as one integer (bit n: `_flag_names(journeys)[n]`)."""
    folded = _folded(None, journeys, *rows).subquery("folded")
    names = _flag_names(journeys)
    if len(names) > 31:
        raise ValueError(f"{len(names)} facts do not fit the 31 bits of call_facts.flags")
    flags = sum((folded.c[name] * (1 << n) for n, name in enumerate(names)), literal_column("0", Integer))
    return select(folded.c.call_sid, literal_column(f"'{signature(journeys)}'", String).label("signature"),
                  folded.c.through_id, flags.label("flags"), folded.c.wait, folded.c.step)


def save_facts(connection: Connection, journeys: Journeys, call_sid: str | None = None) -> None:
    """Fold the journey of the call `call_sid` (None: of every call that has no facts yet, as when the
    table is new) into call_facts, replacing what was there. A call without journey rows gets none:
    the report counts it as a call with every fact 0. One call's statements are built once per
    `journeys` (building them cost 2.5 ms of every call's end, bench/RESULTS.md)."""
    if call_sid is None:
        statement = _saved_facts(journeys, _JOURNEY.c.call_sid.not_in(select(_SAVED.c.call_sid)))
        connection.execute(_SAVED.insert().from_select([c.name for c in statement.selected_columns], statement))
        return
    forget, save = _one_call_statements(journeys)
    connection.execute(forget, {"ended": call_sid})
    connection.execute(save, {"ended": call_sid})


@lru_cache(maxsize=4)
def _one_call_statements(journeys: Journeys) -> tuple[Any, Any]:
    """(DELETE, INSERT ... SELECT) of one call's facts, the call given as the `ended` parameter."""
    statement = _saved_facts(journeys, _JOURNEY.c.call_sid == bindparam("ended"))
    return (_SAVED.delete().where(_SAVED.c.call_sid == bindparam("ended")),
            _SAVED.insert().from_select([column.name for column in statement.selected_columns], statement))


def _from_saved(calls: Table, journeys: Journeys) -> Any:
    """`calls` whose saved facts still hold (folded for these definitions, and no journey row added since:
    one probe of the journey's (call_sid, id) index per call, not a read of its rows), with the facts
    unpacked into the temporary facts' columns."""
    saved = _SAVED
    later_row = exists(select(1).select_from(_JOURNEY).where(_JOURNEY.c.call_sid == calls.c.call_sid,
                                                             _JOURNEY.c.id > saved.c.through_id))
    flags = [case((saved.c.flags.op("&")(1 << n) != 0, 1), else_=0).label(name)
             for n, name in enumerate(_flag_names(journeys))]
    return (select(*calls.c, *flags, saved.c.wait, saved.c.step)
            .select_from(calls.join(saved, saved.c.call_sid == calls.c.call_sid))
            .where(saved.c.signature == signature(journeys), not_(later_row)))


def _settings(connection: Connection) -> None:
    """The report transaction's settings on PostgreSQL (none on SQLite)."""
    if connection.dialect.name == "postgresql":
        # No autovacuum analyses a temporary table, so its statements look dear and PostgreSQL would
        # compile them first (JIT: 0.4 s of the call figures' 0.6 s for 100 000 calls); analysing them
        # costs as much. The fold's hash and sort fit in 64 MB, not in the default 4 (1.4 s -> 0.95 s).
        connection.execute(text("SET LOCAL jit = off"))
        connection.execute(text("SET LOCAL work_mem = '64MB'"))


@contextmanager
def beside(connection: Connection) -> Iterator[Connection | None]:
    """A second connection to `connection`'s database, for the figures that read no call facts (callbacks,
    repeat contacts, scores), counted on another core while `connection` prepares the facts; None where a
    second connection would not see the same database (SQLite in memory: each connection has its own), or would
    be the same one (a pool that hands one connection per thread, as SQLAlchemy's for `?mode=memory` on a file).
    It reads in a transaction of its own, so on PostgreSQL (READ COMMITTED, where each statement of a
    report sees the rows committed when it starts anyway) and on SQLite (WAL) its figures count the rows
    committed when its statements run, as a second statement on `connection` would. Rolled back and
    returned to the pool on leaving."""
    engine = connection.engine
    if engine.dialect.name != "postgresql" and (
            database_file(engine.url) is None
            or isinstance(engine.pool, (SingletonThreadPool, StaticPool))):  # they hand the same connection again
        yield None
        return
    with engine.connect() as other:
        yield other


@contextmanager
def periods_only(connection: Connection, buckets: Sequence[Bucket]) -> Iterator[Periods]:
    """The report's periods as `prepared` writes them, without its calls: for the figures counted `beside`.
    Raises ValueError when `buckets` do not nest (see Periods)."""
    _settings(connection)
    periods = _periods(connection, buckets)
    try:
        yield periods
    finally:
        periods.holders.drop(connection)
        periods.cuts.drop(connection)


@contextmanager
def prepared(connection: Connection, buckets: Sequence[Bucket], journeys: Journeys) -> Iterator[Prepared]:
    """Write the report's periods, its calls and their facts into temporary tables, dropped on leaving:
    the facts saved when each call ended (call_facts) where they still hold, else its journey folded now.
    Reading one row of facts per call instead of its journey, and finding each call's period by an index
    rather than by comparing it with every period, keeps 100 000 calls within seconds (bench/reports.py,
    RESULTS.md). Raises ValueError when `buckets` do not nest (see Periods)."""
    with periods_only(connection, buckets) as periods:
        made: list[Table] = []
        try:
            calls = _temporary(connection, "calls", *_call_columns())
            made.append(calls)
            # In CallSid order, each temporary table's key grows at its end: in the calls' own (time) order
            # the CallSids are random, and past PostgreSQL's temp_buffers every row dirtied and wrote a page
            # of the key's index (1 000 000 calls: the facts' INSERT 13 s, half of it those writes;
            # bench/RESULTS.md).
            ordered = _span_calls(periods).order_by(_CALLS.c.call_sid)
            connection.execute(calls.insert().from_select([column.name for column in calls.c], ordered))
            facts = _temporary(connection, "facts", *_fact_columns(journeys))
            made.append(facts)
            columns = [column.name for column in facts.c]
            saved = _from_saved(calls, journeys).order_by(calls.c.call_sid)
            connection.execute(facts.insert().from_select(columns, saved))
            unsaved = _folded(calls, journeys).where(calls.c.call_sid.not_in(select(facts.c.call_sid)))
            connection.execute(facts.insert().from_select(columns, unsaved))
            yield Prepared(periods, facts, journeys)
        finally:
            for table in reversed(made):
                table.drop(connection)


def _rolled_up(connection: Connection, counted: Any, keys: Sequence[str], periods: Periods) -> Rows:
    """`counted` (a statement grouped by the finest `period`, `language` and `keys`, whose other columns are
    counts) summed into every bucket that holds each period: a call is folded and counted once, not once
    per bucket it falls in (a day and the whole report)."""
    inner = counted.subquery("counted")
    holders = periods.holders
    groups = [holders.c.bucket, inner.c.language, *(inner.c[key] for key in keys)]
    sums = [func.sum(column).label(column.name) for column in inner.c
            if column.name not in {"period", "language", *keys}]
    statement = (select(*groups, *sums).select_from(inner.join(holders, holders.c.period == inner.c.period))
                 .group_by(*groups))
    return _rows(connection, statement)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _sent(call: Any) -> ColumnElement[bool]:
    return or_(call.c.sent_here == 1, call.c.transfer_reason.is_not(None))


# -- the figures -----------------------------------------------------------------------------------


def offered(connection: Connection, report: Prepared) -> Rows:
    """Calls that began in each period: bucket, language, flow_version, calls."""
    call = report.facts
    counted = (select(call.c.period, call.c.language, call.c.flow_version, func.count().label("calls"))
               .group_by(call.c.period, call.c.language, call.c.flow_version))
    return _rolled_up(connection, counted, ["flow_version"], report.periods)


def offered_by_bucket(connection: Connection, buckets: Sequence[Bucket]) -> Rows:
    """Calls begun in each bucket, every language together: bucket, calls. Found by their start alone
    (the calls' index on started_at), without writing the calls and their facts as `prepared` does: for
    a volume by hour beside a report by day. Raises ValueError when `buckets` do not nest."""
    with periods_only(connection, buckets) as periods:
        each = (select(periods.of(_CALLS.c.started_at).label("period"))
                .where(periods.within(_CALLS.c.started_at)).subquery("each"))
        per_period = select(each.c.period, func.count().label("calls")).group_by(each.c.period).subquery("counted")
        holders = periods.holders
        statement = (select(holders.c.bucket, func.sum(per_period.c.calls).label("calls"))
                     .select_from(per_period.join(holders, holders.c.period == per_period.c.period))
                     .group_by(holders.c.bucket))
        return _rows(connection, statement)


def call_figures(connection: Connection, report: Prepared) -> Rows:
    """Per period and language (calls): calls, completed, sent_to_agents, completed_then_sent, contained,
    abandoned_in_ivr, done_<n> per action, chose_<n> / identified_<n> / verified_<n> per funnel, answered
    and hung_up (docs/reports.md gives each rule)."""
    call = report.facts
    completed = or_(*(call.c[f"done_{n}"] == 1 for n in range(len(report.journeys.actions))))
    sent = _sent(call)
    own = _CONTACTS.alias("own")  # the contact this call added to the client's history
    later = _CONTACTS.alias("later")
    # Sought only for a call completed and not sent (the AND stops at the first false term), not joined
    # to every call: 0.09 s of 100 000 calls' figures on SQLite.
    repeated = exists(select(1).select_from(own.join(later, and_(
        later.c.client_id == own.c.client_id, later.c.subject == own.c.subject, later.c.at > own.c.at,
        later.c.at < plus_days(own.c.at, 7), or_(later.c.call_sid.is_(None), later.c.call_sid != own.c.call_sid))))
        .where(own.c.call_sid == call.c.call_sid, own.c.channel == "ivr"))
    stages = [call.c[name] for name in call.c.keys() if name.startswith(("done_", "chose_", "identified_", "verified_"))]
    counted = (select(call.c.period, call.c.language, func.count().label("calls"),
                      _count(completed).label("completed"), _count(sent).label("sent_to_agents"),
                      _count(and_(completed, sent)).label("completed_then_sent"),
                      _count(and_(completed, not_(sent), not_(repeated))).label("contained"),
                      _count(and_(call.c.status == ENDED_IN_IVR, not_(completed), not_(sent))).label("abandoned_in_ivr"),
                      *(func.sum(column).label(column.name) for column in stages),
                      func.sum(call.c.answered).label("answered"), func.sum(call.c.hung_up).label("hung_up"))
               .group_by(call.c.period, call.c.language))
    return _rolled_up(connection, counted, [], report.periods)


def sent_by_reason(connection: Connection, report: Prepared) -> Rows:
    """Calls sent to the agents: bucket, language, reason (calls.transfer_reason as recorded),
    after_hours (1: reached closed hours), calls."""
    call = report.facts
    reason = func.coalesce(call.c.transfer_reason, "").label("reason")
    counted = (select(call.c.period, call.c.language, reason, call.c.closed.label("after_hours"),
                      func.count().label("calls"))
               .where(_sent(call)).group_by(call.c.period, call.c.language, reason, call.c.closed))
    return _rolled_up(connection, counted, ["reason", "after_hours"], report.periods)


def sent_by_step(connection: Connection, report: Prepared) -> Rows:
    """Where the flow sent callers to the agents: bucket, language, position ('flow/step'), calls; a call
    the flow transferred twice counts once, at one of its steps."""
    call = report.facts
    counted = (select(call.c.period, call.c.language, call.c.step.label("position"), func.count().label("calls"))
               .where(call.c.step.is_not(None)).group_by(call.c.period, call.c.language, call.c.step))
    return _rolled_up(connection, counted, ["position"], report.periods)


def waits(connection: Connection, report: Prepared, target_seconds: int) -> Rows:
    """The answered waits with a QueueTime (seconds), for calls begun in each period: bucket, language
    (and ALL_LANGUAGES for every language together), waits, mean_seconds, p90_seconds (nearest rank),
    longest_seconds, within_target. A percentile does not add up, neither from periods nor from
    languages, so the waits (not every call) are spread over the buckets holding their period and
    ranked twice in one pass: within their language, and among all languages."""
    facts = report.facts
    holders = report.periods.holders
    answered = (select(facts.c.period, facts.c.language, facts.c.wait).where(facts.c.wait.is_not(None))
                .cte("answered").prefix_with("MATERIALIZED"))  # the waits first, then their buckets
    call = (select(holders.c.bucket, answered.c.language, answered.c.wait)
            .select_from(_spread(report.periods, answered, answered.c.period)).subquery("spread"))
    # Each count spans its whole partition but shares the rank's ORDER BY: one sort per partitioning, not two.
    own = {"partition_by": [call.c.bucket, call.c.language], "order_by": call.c.wait}
    every = {"partition_by": [call.c.bucket], "order_by": call.c.wait}
    ranked = (select(call.c.bucket, call.c.language, call.c.wait.label("seconds"),
                     func.row_number().over(**own).label("rank"),
                     func.count().over(**own, rows=(None, None)).label("waits"),
                     func.row_number().over(**every).label("rank_all"),
                     func.count().over(**every, rows=(None, None)).label("waits_all"))
              .cte("ranked").prefix_with("MATERIALIZED"))  # read twice: ranked once

    def counted(language: ColumnElement[str], rank: ColumnElement[int], waits: ColumnElement[int],
                *groups: ColumnElement[Any]) -> Any:
        nearest_90 = (waits * 9 + 9) // 10  # ceil(0.9 n) in whole numbers, on both dialects
        return (select(ranked.c.bucket, language.label("language"), func.count().label("waits"),
                       func.avg(ranked.c.seconds).label("mean_seconds"),
                       func.max(case((rank == nearest_90, ranked.c.seconds))).label("p90_seconds"),
                       func.max(ranked.c.seconds).label("longest_seconds"),
                       _count(ranked.c.seconds <= target_seconds).label("within_target"))
                .group_by(ranked.c.bucket, *groups))

    statement = union_all(
        counted(literal_column(f"'{ALL_LANGUAGES}'", String), ranked.c.rank_all, ranked.c.waits_all),
        counted(func.coalesce(ranked.c.language, ""), ranked.c.rank, ranked.c.waits, ranked.c.language))
    return _rows(connection, statement)


def callbacks(connection: Connection, periods: Periods, by_language: bool = True) -> Rows:
    """Callbacks asked in each period: bucket, language, requested, done, mean_delay_seconds and
    longest_delay_seconds (asked to done)."""
    language = _language(_CALLBACKS.c.language, by_language)
    bucket = periods.holders.c.bucket
    done = _CALLBACKS.c.status == "done"
    delay = case((done, seconds_between(_CALLBACKS.c.requested_at, _CALLBACKS.c.done_at)))
    statement = (select(bucket, language, func.count().label("requested"), _count(done).label("done"),
                        func.avg(delay).label("mean_delay_seconds"), func.max(delay).label("longest_delay_seconds"))
                 .select_from(_spread(periods, _CALLBACKS, periods.of(_CALLBACKS.c.requested_at)))
                 .where(periods.within(_CALLBACKS.c.requested_at))
                 .group_by(*_groups(by_language, bucket, language)))
    return _rows(connection, statement)


def contacts(connection: Connection, periods: Periods) -> Rows:
    """Contacts recorded in each period, one per contact (a call's self-service part and its agent part
    are one): bucket, language, channel, contacts, and how many the same client followed within 7 and
    30 days, on any subject and on the same one: again_7, again_30, same_subject_7, same_subject_30."""
    this = _CONTACTS.alias("this")
    later = _CONTACTS.alias("later")
    other = _CONTACTS.alias("other")

    def following(same_subject: bool) -> Any:
        """When the client's next contact came (not from the same call): the first row in the index on
        (client_id, at, subject, call_sid) that qualifies, read from the index alone (migration 0011)."""
        conditions = [later.c.client_id == this.c.client_id, later.c.at > this.c.at,
                      or_(this.c.call_sid.is_(None), later.c.call_sid.is_(None), later.c.call_sid != this.c.call_sid)]
        if same_subject:
            conditions.append(later.c.subject == this.c.subject)
        return select(later.c.at).where(*conditions).order_by(later.c.at).limit(1).scalar_subquery()

    agent_part = exists(select(1).select_from(other).where(other.c.call_sid == this.c.call_sid,
                                                           other.c.channel != "ivr"))
    each = (select(periods.of(this.c.at).label("period"), func.coalesce(_CALLS.c.language, "").label("language"),
                   this.c.channel, this.c.at, following(False).label("next_any"), following(True).label("next_same"))
            .select_from(this.outerjoin(_CALLS, _CALLS.c.call_sid == this.c.call_sid))
            .where(periods.within(this.c.at), not_(and_(this.c.channel == "ivr", this.c.call_sid.is_not(None), agent_part)))
            .cte("each").prefix_with("MATERIALIZED"))  # else SQLite inlines each next contact's search 4 times

    def within(column: Any, days: int) -> ColumnElement[int]:
        return _count(and_(column.is_not(None), column < plus_days(each.c.at, days)))

    counted = (select(each.c.period, each.c.language, each.c.channel, func.count().label("contacts"),
                      within(each.c.next_any, 7).label("again_7"), within(each.c.next_any, 30).label("again_30"),
                      within(each.c.next_same, 7).label("same_subject_7"),
                      within(each.c.next_same, 30).label("same_subject_30"))
               .group_by(each.c.period, each.c.language, each.c.channel))
    return _rolled_up(connection, counted, ["channel"], periods)
