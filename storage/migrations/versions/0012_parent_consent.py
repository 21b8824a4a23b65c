"""A parent's agreement for pupils under the age rule: invite.parent_consent and
client.parent_consent_pending.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_consent_pending', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('invite', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_consent', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('invite', schema=None) as batch_op:
        batch_op.drop_column('parent_consent')

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_column('parent_consent_pending')

