"""Privacy: an organisation's retention (answers and questions deleted N days after a line
ended) and its PIN rule; a professional's PIN hash and until when it holds.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_days', sa.Integer(), server_default='90', nullable=False))
        batch_op.add_column(sa.Column('require_pin', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('professional', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pin_hash', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('pin_until', storage.types.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('professional', schema=None) as batch_op:
        batch_op.drop_column('pin_until')
        batch_op.drop_column('pin_hash')

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('require_pin')
        batch_op.drop_column('retention_days')

