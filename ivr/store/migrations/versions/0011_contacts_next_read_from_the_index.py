"""The report's repeat contacts read the client's next contact from the index alone (issue 16).

The next contact of the same client (within 7 and 30 days, on any subject or the same one, not from
the same call) was found through (client_id, at) and then its row was read for its subject and call;
(client_id, at, subject, call_sid) answers the search without the row. It replaces ix_contacts_client_at,
of which it is an extension. bench/reports.py, SQLite, 100 000 calls: the contacts figure 1.1 s -> 0.7 s.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 05:40:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made by create_all may already have the new index and not the old one.
    existing = {index['name'] for index in sa.inspect(op.get_bind()).get_indexes('contacts')}
    if 'ix_contacts_client_next' not in existing:
        op.create_index('ix_contacts_client_next', 'contacts', ['client_id', 'at', 'subject', 'call_sid'], unique=False)
    if 'ix_contacts_client_at' in existing:
        op.drop_index('ix_contacts_client_at', table_name='contacts')


def downgrade() -> None:
    op.create_index('ix_contacts_client_at', 'contacts', ['client_id', 'at'], unique=False)
    op.drop_index('ix_contacts_client_next', table_name='contacts')
