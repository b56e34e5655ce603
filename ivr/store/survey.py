"""What callers think, kept and counted: the end-of-call question's answers (table survey_answers).

An answer row holds the local day, language, service, outcome, flow version and score (None when
skipped), never a CallSid, client or number (docs/reports.md, "What callers think"). The reports
count them in SQL per period of whole days: the row keeps no time of day, on purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Date, Integer, and_, bindparam, func, insert, select, text
from sqlalchemy.orm import Session

from ivr.store.models.survey import SurveyAnswer

SCORES = range(1, 6)
"""The scores a caller may give: 1 (not at all satisfied) to 5 (very satisfied)."""

_ANSWERS = SurveyAnswer.__table__


@dataclass(frozen=True)
class Days:
    """One period of a report in whole local days: `index` names it, `first` and `last` included."""

    index: int
    first: date
    last: date


def keep(session: Session, day: date, language: str, service: str, outcome: str, flow_version: str,
         score: int | None) -> None:
    """Add one answer (`score` 1 to 5, None: skipped) to the session's transaction. Raises ValueError
    for a score outside 1..5: the flow or the webhook let through what is not an answer."""
    if score is not None and score not in SCORES:
        raise ValueError(f"a survey score is 1 to 5, not {score!r}")
    session.execute(insert(_ANSWERS).values(day=day, language=language, service=service, outcome=outcome,
                                            flow_version=flow_version, score=score))


def scores(connection: Connection, periods: Sequence[Days]) -> list[dict[str, Any]]:
    """Per period, language, service, outcome and flow version: asked, answered, skipped, score_sum
    (of the answered; mean = score_sum / answered). Periods may overlap (the total and its days)."""
    if not periods:
        return []
    rows = ", ".join(f"({int(p.index)}, :f{n}, :l{n})" for n, p in enumerate(periods))
    params = [bindparam(f"f{n}", p.first, type_=Date) for n, p in enumerate(periods)]
    params += [bindparam(f"l{n}", p.last, type_=Date) for n, p in enumerate(periods)]
    days = (text(f"SELECT column1 AS bucket, column2 AS first, column3 AS last FROM (VALUES {rows}) AS v")
            .bindparams(*params).columns(bucket=Integer, first=Date, last=Date).subquery("days"))
    span = and_(_ANSWERS.c.day >= min(p.first for p in periods), _ANSWERS.c.day <= max(p.last for p in periods))
    kept = (_ANSWERS.c.language, _ANSWERS.c.service, _ANSWERS.c.outcome, _ANSWERS.c.flow_version)
    # Each day's answers are added up first (by the day index), so the join with the periods meets one
    # row per day and group rather than one per answer: a year by day stays a fraction of a second.
    per_day = (select(_ANSWERS.c.day, *kept, func.count().label("asked"),
                      func.count(_ANSWERS.c.score).label("answered"),
                      func.coalesce(func.sum(_ANSWERS.c.score), 0).label("score_sum"))
               .where(span).group_by(_ANSWERS.c.day, *kept).subquery("per_day"))
    groups = (days.c.bucket, per_day.c.language, per_day.c.service, per_day.c.outcome, per_day.c.flow_version)
    statement = (select(*groups, func.sum(per_day.c.asked).label("asked"),
                        func.sum(per_day.c.answered).label("answered"),
                        func.sum(per_day.c.asked - per_day.c.answered).label("skipped"),
                        func.sum(per_day.c.score_sum).label("score_sum"))
                 .select_from(per_day.join(days, and_(per_day.c.day >= days.c.first, per_day.c.day <= days.c.last)))
                 .group_by(*groups))
    return [dict(row._mapping) for row in connection.execute(statement)]
