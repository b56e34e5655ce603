"""The throttle's indexes name the action: counting a caller ID's failed tries reads only those,
not every verification that caller ID ever made.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 16:45:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain index statements, not a batch: on SQLite a batch may copy the table and lose its
    # append-only triggers. A database made by create_all may already have the new indexes.
    existing = {index['name'] for index in sa.inspect(op.get_bind()).get_indexes('audit_events')}
    for old in ('ix_audit_subject_at', 'ix_audit_caller_at'):
        if old in existing:
            op.drop_index(old, table_name='audit_events')
    for name, key in (('ix_audit_subject_action_at', 'subject_key'), ('ix_audit_caller_action_at', 'caller_key')):
        if name not in existing:
            op.create_index(name, 'audit_events', [key, 'action', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_caller_action_at', table_name='audit_events')
    op.drop_index('ix_audit_subject_action_at', table_name='audit_events')
    op.create_index('ix_audit_caller_at', 'audit_events', ['caller_key', 'at'], unique=False)
    op.create_index('ix_audit_subject_at', 'audit_events', ['subject_key', 'at'], unique=False)
