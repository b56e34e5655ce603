"""The agent desktop (agents, sessions, tokens, call handlings, callbacks, sign-in failures) and
the archived versions of the flows, for hot reload.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:22:53.449512
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made by create_all before migrations already has some of these: create only
    # what is missing, so such a database is adopted like the initial one.
    tables = set(sa.inspect(op.get_bind()).get_table_names())

    if 'agents' not in tables:
        op.create_table('agents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=60), nullable=False),
        sa.Column('display_name', sa.String(length=120), nullable=False),
        sa.Column('password_hash', sa.String(length=255), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('endpoint', sa.String(length=64), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('username')
        )

    if 'flow_versions' not in tables:
        op.create_table('flow_versions',
        sa.Column('version', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('files', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('version')
        )

    if 'sign_in_failures' not in tables:
        op.create_table('sign_in_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_key', sa.String(length=64), nullable=False),
        sa.Column('address_key', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_sign_in_failures_account_key'), ['account_key'], unique=False)
            batch_op.create_index(batch_op.f('ix_sign_in_failures_address_key'), ['address_key'], unique=False)
            batch_op.create_index(batch_op.f('ix_sign_in_failures_at'), ['at'], unique=False)

    if 'agent_sessions' not in tables:
        op.create_table('agent_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('end_reason', sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('id_hash')
        )
        with op.batch_alter_table('agent_sessions', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_agent_sessions_agent_id'), ['agent_id'], unique=False)

    if 'agent_tokens' not in tables:
        op.create_table('agent_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash')
        )
        with op.batch_alter_table('agent_tokens', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_agent_tokens_agent_id'), ['agent_id'], unique=False)

    if 'call_handlings' not in tables:
        op.create_table('call_handlings',
        sa.Column('call_sid', sa.String(length=64), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('conference', sa.String(length=80), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('subject', sa.String(length=60), nullable=True),
        sa.Column('outcome', sa.String(length=60), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ),
        sa.ForeignKeyConstraint(['call_sid'], ['calls.call_sid'], ),
        sa.PrimaryKeyConstraint('call_sid')
        )
        with op.batch_alter_table('call_handlings', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_call_handlings_agent_id'), ['agent_id'], unique=False)

    if 'callbacks' not in tables:
        op.create_table('callbacks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('call_sid', sa.String(length=64), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=True),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('due', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('done_by', sa.Integer(), nullable=True),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['call_sid'], ['calls.call_sid'], ),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ),
        sa.ForeignKeyConstraint(['done_by'], ['agents.id'], ),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('callbacks', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_callbacks_call_sid'), ['call_sid'], unique=False)
            batch_op.create_index(batch_op.f('ix_callbacks_client_id'), ['client_id'], unique=False)


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callbacks_client_id'))
        batch_op.drop_index(batch_op.f('ix_callbacks_call_sid'))

    op.drop_table('callbacks')
    with op.batch_alter_table('call_handlings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_handlings_agent_id'))

    op.drop_table('call_handlings')
    with op.batch_alter_table('agent_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_tokens_agent_id'))

    op.drop_table('agent_tokens')
    with op.batch_alter_table('agent_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_sessions_agent_id'))

    op.drop_table('agent_sessions')
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_failures_at'))
        batch_op.drop_index(batch_op.f('ix_sign_in_failures_address_key'))
        batch_op.drop_index(batch_op.f('ix_sign_in_failures_account_key'))

    op.drop_table('sign_in_failures')
    op.drop_table('flow_versions')
    op.drop_table('agents')
    # ### end Alembic commands ###
