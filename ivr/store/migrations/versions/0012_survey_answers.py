"""What callers think: the survey_answers table, with no CallSid, client or caller number in it.

One row per end-of-call question: the local day, language, service, outcome, flow version and the
score (1 to 5, NULL when skipped), indexed by day for the reports (ivr.store.survey).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 05:40:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made by create_all may already have it.
    if 'survey_answers' in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        'survey_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('service', sa.String(length=20), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('flow_version', sa.String(length=32), nullable=False),
        sa.Column('score', sa.SmallInteger(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_survey_answers_day', 'survey_answers', ['day'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_survey_answers_day', table_name='survey_answers')
    op.drop_table('survey_answers')
