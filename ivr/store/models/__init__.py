"""The tables of the IVR, one module per area, all on one `Base` (so Alembic sees one metadata).

calls: clients, applications, change requests, calls, their journey and contacts;
desktop: agents, sessions, devices, suspensions; security: audit, counts, notices, recordings;
publishing: archived versions of the flows; survey: what callers think. Importing this package declares every table.
"""

from __future__ import annotations

from ivr.store.models import calls, desktop, publishing, security, survey
from ivr.store.models.base import Base

__all__ = ["Base", "calls", "desktop", "publishing", "security", "survey"]
