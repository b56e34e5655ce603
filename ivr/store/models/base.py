"""The one declarative base every table of the IVR is declared on (one metadata for Alembic)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.orm import DeclarativeBase

__all__ = ["Base"]


class Base(DeclarativeBase):
    """Datetimes are stored with their time zone (UTC); `dict` columns are JSON."""

    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSON}
