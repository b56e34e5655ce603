"""What the reports need of each call's journey, folded once when the call ends: the call_facts table.

One row per ended call: its CallSid (the calls row it belongs to, purged with it), the digest of the
definitions its facts follow, the last journey row folded, one bit per fact, the answered wait and
the step the flow sent the caller to the agents from. No words, client, or number (ivr.store.reports).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 06:40:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made by create_all may already have it.
    if 'call_facts' in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        'call_facts',
        sa.Column('call_sid', sa.String(length=64), nullable=False),
        sa.Column('signature', sa.String(length=16), nullable=False),
        sa.Column('through_id', sa.Integer(), nullable=False),
        sa.Column('flags', sa.Integer(), nullable=False),
        sa.Column('wait', sa.Integer(), nullable=True),
        sa.Column('step', sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(['call_sid'], ['calls.call_sid']),
        sa.PrimaryKeyConstraint('call_sid'),
    )


def downgrade() -> None:
    op.drop_table('call_facts')
