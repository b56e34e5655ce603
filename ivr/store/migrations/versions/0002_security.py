"""Issue 5 (security branch): audit trail, notices to old addresses, recording references, daily
counts, verification columns on calls, cooling-off columns on change requests, and triggers that
make the audit trail append-only in the database too.

Written for the Alembic set-up of the `resilience` branch (revision 0001 there) and tested in a
trial merge of main + resilience + security; on this branch alone create_all makes the tables.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 14:30:32.158523
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made by create_all on the security branch before migrations already has these:
    # create only what is missing, so such a database is adopted like the initial one.
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    calls_columns = {c["name"] for c in inspector.get_columns("calls")}
    change_columns = {c["name"] for c in inspector.get_columns("change_requests")}
    if "audit_events" not in tables:
        _create_tables()
    if "verification_level" not in calls_columns:
        with op.batch_alter_table('calls', schema=None) as batch_op:
            batch_op.add_column(sa.Column('verification_level', sa.String(length=30), nullable=True))
            batch_op.add_column(sa.Column('caller_id_matches', sa.Boolean(), nullable=True))
    if "effective_at" not in change_columns:
        with op.batch_alter_table('change_requests', schema=None) as batch_op:
            batch_op.add_column(sa.Column('effective_at', sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column('decided_by', sa.String(length=60), nullable=True))
            batch_op.create_index(batch_op.f('ix_change_requests_effective_at'), ['effective_at'], unique=False)
    _append_only_triggers()


def _create_tables() -> None:
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('actor_kind', sa.String(length=10), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('call_sid', sa.String(length=64), nullable=True),
    sa.Column('caller', sa.String(length=32), nullable=True),
    sa.Column('subject_key', sa.String(length=64), nullable=True),
    sa.Column('caller_key', sa.String(length=64), nullable=True),
    sa.Column('old_value', sa.JSON(), nullable=True),
    sa.Column('new_value', sa.JSON(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_caller_at', ['caller_key', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_client_id'), ['client_id'], unique=False)
        batch_op.create_index('ix_audit_subject_at', ['subject_key', 'at'], unique=False)

    op.create_table('call_recordings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_sid', sa.String(length=64), nullable=False),
    sa.Column('recording_sid', sa.String(length=64), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('call_recordings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_recordings_call_sid'), ['call_sid'], unique=False)

    op.create_table('daily_call_counts',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('calls', sa.Integer(), nullable=False),
    sa.Column('verified', sa.Integer(), nullable=False),
    sa.Column('resolved_in_ivr', sa.Integer(), nullable=False),
    sa.Column('transferred', sa.Integer(), nullable=False),
    sa.Column('abandoned', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('daily_step_counts',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('position', sa.String(length=120), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'position', 'event')
    )
    op.create_table('outgoing_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('change_request_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('address', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['change_request_id'], ['change_requests.id'], ),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outgoing_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_notices_client_id'), ['client_id'], unique=False)



def _append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER IF NOT EXISTS audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                       "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END")
    elif dialect == "postgresql":
        op.execute("CREATE OR REPLACE FUNCTION ivr_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$")
        op.execute("CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
                   "FOR EACH ROW EXECUTE FUNCTION ivr_audit_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS ivr_audit_append_only()")
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('change_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_requests_effective_at'))
        batch_op.drop_column('decided_by')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('effective_at')

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('caller_id_matches')
        batch_op.drop_column('verification_level')

    with op.batch_alter_table('outgoing_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_notices_client_id'))

    op.drop_table('outgoing_notices')
    op.drop_table('daily_step_counts')
    op.drop_table('daily_call_counts')
    with op.batch_alter_table('call_recordings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_recordings_call_sid'))

    op.drop_table('call_recordings')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_subject_at')
        batch_op.drop_index(batch_op.f('ix_audit_events_client_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))
        batch_op.drop_index('ix_audit_caller_at')

    op.drop_table('audit_events')
    # ### end Alembic commands ###
