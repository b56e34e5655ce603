"""Calls are found by the caller's number without reading every call: an index on (caller, started_at).

The desktop's search (ivr.store.search) looks a caller number up exactly, as stored in E.164, and lists
that number's calls newest first; the other keys it takes (CallSid, client number, confirmation number)
already had an index (primary key, unique constraints, ix_calls_client_id).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 05:00:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made by create_all may already have it.
    existing = {index['name'] for index in sa.inspect(op.get_bind()).get_indexes('calls')}
    if 'ix_calls_caller_started' not in existing:
        op.create_index('ix_calls_caller_started', 'calls', ['caller', 'started_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_calls_caller_started', table_name='calls')
