"""Confirmed bindings (client.confirmed_at) and new-phone links (invite.client_id).

Clients who joined before confirmation existed count as confirmed from when they joined.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_at', storage.types.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE client SET confirmed_at = created_at")

    with op.batch_alter_table('invite', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_invite_client_id'), ['client_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_invite_client_id_client'), 'client', ['client_id'], ['id'], ondelete='CASCADE')



def downgrade() -> None:
    with op.batch_alter_table('invite', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invite_client_id_client'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_invite_client_id'))
        batch_op.drop_column('client_id')

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_column('confirmed_at')

