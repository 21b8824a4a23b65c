"""Planned meetings (meeting.planned_for; held_at empty until held) and weekly digests
(professional.digest_day).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('planned_for', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column('held_at',
               existing_type=storage.types.UTCDateTime(timezone=True),
               nullable=True)
        batch_op.create_index('ix_meeting_professional_planned', ['professional_id', 'planned_for'], unique=False)

    with op.batch_alter_table('professional', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_day', sa.Integer(), nullable=True))

    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.create_index('ix_reply_client_kind_created', ['client_id', 'kind', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.drop_index('ix_reply_client_kind_created')

    with op.batch_alter_table('professional', schema=None) as batch_op:
        batch_op.drop_column('digest_day')

    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_professional_planned')
        batch_op.alter_column('held_at',
               existing_type=storage.types.UTCDateTime(timezone=True),
               nullable=False)
        batch_op.drop_column('planned_for')

