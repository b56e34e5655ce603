"""Indexes the reports aggregate on (issue 16): calls by when they began, journey rows by kind and
event (completed actions, queue results, transfers), contacts by client and moment (repeat contacts
within 7 and 30 days), callbacks by when they were asked. No column changes: every figure counts facts
already recorded.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_calls_started_at', 'calls', ['started_at']),
    ('ix_journey_kind_event', 'journey_events', ['kind', 'event', 'call_sid']),
    ('ix_contacts_client_at', 'contacts', ['client_id', 'at']),
    ('ix_contacts_at', 'contacts', ['at']),
    ('ix_callbacks_requested_at', 'callbacks', ['requested_at']),
)


def upgrade() -> None:
    # Plain index statements, not a batch: on SQLite a batch may copy the table. A database made by
    # create_all may already have them.
    inspector = sa.inspect(op.get_bind())
    for name, table, columns in INDEXES:
        if name not in {index['name'] for index in inspector.get_indexes(table)}:
            op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
