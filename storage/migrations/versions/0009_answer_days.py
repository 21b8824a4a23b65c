"""An organisation's answer time (organisation.answer_days): a client who sends a question is
told "usually within N working days".

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_days', sa.Integer(), server_default='2', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('answer_days')
