"""ix_reply_client_created gets the kind (ix_reply_client_created_kind), so the digest counts a
client's replies since the last digest from the index alone, without reading each row
(bench/digest.py, target T5). Same leading columns: whatever used the old index uses this one.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.drop_index('ix_reply_client_created')
        batch_op.create_index('ix_reply_client_created_kind', ['client_id', 'created_at', 'kind'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.drop_index('ix_reply_client_created_kind')
        batch_op.create_index('ix_reply_client_created', ['client_id', 'created_at'], unique=False)
