"""Stored copies of every version of the flows that served a call.

Any process can then carry on a call on the version it started with, even a process
started after the flows changed (gunicorn workers, a restart during a call).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from ivr import clock
from ivr.store.models.calls import Base


class FlowVersion(Base):
    """The text of every flow and prompt file of one version, keyed by the version's hash."""

    __tablename__ = "flow_versions"

    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    files: Mapped[dict[str, Any]] = mapped_column(JSON)
