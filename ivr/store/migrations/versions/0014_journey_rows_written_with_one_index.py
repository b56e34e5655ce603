"""Journey rows are written with one index besides their key: ix_journey_kind_event is dropped.

Migration 0009 added (kind, event, call_sid) for reports that looked for completed actions and queue
results across all calls. The reports now fold each call's journey through its (call_sid, id) index
(ivr.store.reports), and no query reads journey rows by kind first, so the index only cost every step
of every call a second B-tree write: in process, the benchmark's calls took 1.60 ms a step with it and
1.52 ms without (bench/RESULTS.md), while `ivr report` over 100 000 calls took the same time
(SQLite 2.81 and 2.66 s, PostgreSQL measured in the same note).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made by create_all at this revision never had it.
    if 'ix_journey_kind_event' in {index['name'] for index in sa.inspect(op.get_bind()).get_indexes('journey_events')}:
        op.drop_index('ix_journey_kind_event', table_name='journey_events')


def downgrade() -> None:
    op.create_index('ix_journey_kind_event', 'journey_events', ['kind', 'event', 'call_sid'], unique=False)
