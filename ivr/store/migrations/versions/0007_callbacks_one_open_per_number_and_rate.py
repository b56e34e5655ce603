"""Callbacks: one open callback per number, enforced by a partial unique index, and a count of
callback requests per caller ID (keyed hash) for the hourly rate.

Before the index can be made, numbers that already have several open callbacks (a flood before
this revision) keep their newest one open; the older ones become 'replaced', so no agent calls
the same number back twice and nothing is deleted.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 23:40:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

OPEN = "status = 'open'"


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    if 'callback_request_counts' not in inspector.get_table_names():
        op.create_table('callback_request_counts',
        sa.Column('caller_key', sa.String(length=64), nullable=False),
        sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('requests', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('caller_key')
        )
    if 'uq_callbacks_open_number' in {index['name'] for index in inspector.get_indexes('callbacks')}:
        return  # a database made by create_all
    callbacks = sa.table('callbacks', sa.column('id', sa.Integer), sa.column('number', sa.String),
                         sa.column('status', sa.String))
    newer = callbacks.alias('newer')
    bind.execute(callbacks.update().where(callbacks.c.status == 'open', sa.exists().where(
        newer.c.number == callbacks.c.number, newer.c.status == 'open', newer.c.id > callbacks.c.id,
    )).values(status='replaced'))
    op.create_index('uq_callbacks_open_number', 'callbacks', ['number'], unique=True,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade() -> None:
    op.drop_index('uq_callbacks_open_number', table_name='callbacks',
                  sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    op.drop_table('callback_request_counts')
