"""What callers think, counted at scale: the report's scores statement over N generated answers.

    .venv/bin/python bench/survey_scores.py sqlite:////tmp/scores.db 100000
    .ci/with-postgres bash -c '.venv/bin/python bench/survey_scores.py "$IVR_TEST_DATABASE_URL" 1000000'

Fills survey_answers with N answers spread over a year (the table is emptied first: use a throw-away
database), then times ivr.store.survey.scores for 30 and 365 days cut by day (best of 3, in ms).
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, timedelta

from sqlalchemy import create_engine, insert

from ivr.store import survey
from ivr.store.models.base import Base
from ivr.store.models.survey import SurveyAnswer

ANSWERS = SurveyAnswer.__table__


def fill(engine, count: int, first: date) -> None:
    chance = random.Random(1)
    with engine.begin() as connection:
        connection.execute(ANSWERS.delete())
        batch = []
        for _ in range(count):
            batch.append({"day": first + timedelta(days=chance.randrange(365)), "language": chance.choice(["fr", "en"]),
                          "service": chance.choice(["status", "address", "phone", "agent"]),
                          "outcome": chance.choice(["self_service", "agent"]), "flow_version": "v1",
                          "score": chance.choice([None, 1, 2, 3, 4, 5])})
            if len(batch) == 50_000:
                connection.execute(insert(ANSWERS), batch)
                batch = []
        if batch:
            connection.execute(insert(ANSWERS), batch)


def main(url: str, count: int) -> None:
    engine = create_engine(url)
    Base.metadata.create_all(engine, tables=[ANSWERS])
    first = date(2025, 1, 1)
    fill(engine, count, first)
    for days in (30, 365):
        periods = [survey.Days(0, first, first + timedelta(days=days - 1))]
        periods += [survey.Days(n + 1, first + timedelta(days=n), first + timedelta(days=n)) for n in range(days)]
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            with engine.connect() as connection:
                groups = survey.scores(connection, periods)
            timings.append(time.perf_counter() - started)
        print(f"| {engine.dialect.name} | {count:,} | {days} days by day | {min(timings) * 1000:.0f} ms | {len(groups)} |")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
