"""What callers think: one row per question asked at the end of a call, with nothing that leads back to it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from ivr.store.models.base import Base


class SurveyAnswer(Base):
    """One answer to the end-of-call question (docs/reports.md, "What callers think").

    Deliberately without CallSid, client, caller number or time of day: only the local `day`, so
    an answer cannot be matched back to a call by its moment. `score` is 1 to 5, None when the
    caller skipped the question (silence, #, or an answer that is not a score).
    """

    __tablename__ = "survey_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    """The contact centre's local day of the answer."""
    language: Mapped[str] = mapped_column(String(2))
    service: Mapped[str] = mapped_column(String(20))
    """The service completed in self-service ("status", "address", "phone"), "agent" after an agent call."""
    outcome: Mapped[str] = mapped_column(String(20))
    """"self_service" (completed, ended by the caller) or "agent" (after a call bridged to an agent)."""
    flow_version: Mapped[str] = mapped_column(String(32), default="")
    score: Mapped[int | None] = mapped_column(SmallInteger)

    __table_args__ = (Index("ix_survey_answers_day", "day"),)
