"""Agents who sign in through the agency's OpenID provider are found again by its subject
("<issuer> <sub>"), never by a name, so a provider account cannot take over a local one.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 23:40:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made by create_all (before migrations existed) is stamped at 0001 and may already
    # have the column: add it only when missing.
    if 'oidc_subject' not in {column['name'] for column in sa.inspect(op.get_bind()).get_columns('agents')}:
        with op.batch_alter_table('agents', schema=None) as batch_op:
            batch_op.add_column(sa.Column('oidc_subject', sa.String(length=400), nullable=True))
            batch_op.create_index(batch_op.f('ix_agents_oidc_subject'), ['oidc_subject'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agents_oidc_subject'))
        batch_op.drop_column('oidc_subject')
