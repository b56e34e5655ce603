"""Sign-in failures note the known browser they came from (its device cookie), so that a guesser's
failures, even from the same address, never slow the agent on their own computer.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 23:13:08
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made by create_all (before migrations existed) is stamped at 0001 and may already
    # have the column: add it only when missing.
    if 'device_key' not in {column['name'] for column in sa.inspect(op.get_bind()).get_columns('sign_in_failures')}:
        with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
            batch_op.add_column(sa.Column('device_key', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.drop_column('device_key')
