"""Indexes for the digest (bench/digest.py, target T5): open questions per client and per
professional, and the outbox rows whose arrival is in doubt (partial: they hold only the few
rows the digest looks for); ix_reply_client_kind_created gets the value too
(ix_reply_client_kind_created_value), so check-in trends are read from the index alone.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.drop_index('ix_reply_client_kind_created')
        batch_op.create_index('ix_reply_client_kind_created_value', ['client_id', 'kind', 'created_at', 'value'], unique=False)

    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.create_index('ix_question_open_client', ['client_id'], unique=False, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.create_index('ix_question_open_professional', ['professional_id', 'asked_at'], unique=False, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_in_doubt', ['created_at'], unique=False, sqlite_where=sa.text("status IN ('unknown', 'failed')"), postgresql_where=sa.text("status IN ('unknown', 'failed')"))


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_in_doubt', sqlite_where=sa.text("status IN ('unknown', 'failed')"), postgresql_where=sa.text("status IN ('unknown', 'failed')"))

    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index('ix_question_open_professional', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index('ix_question_open_client', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.drop_index('ix_reply_client_kind_created_value')
        batch_op.create_index('ix_reply_client_kind_created', ['client_id', 'kind', 'created_at'], unique=False)
