"""The nudge ladder and its log (`nudge`: every automatic message a client got, for the caps,
the variety and the effect), what a stall is about and since when (traject.stall_reason,
traject.stall_since), an organisation's school region and its last welcome back, a check-in's
one reminder (traject_checkin.remind_at) and a client's check-in day.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('nudge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('traject_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('rung', sa.Integer(), nullable=False),
    sa.Column('text_id', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
    sa.Column('due_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('followed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_nudge_client_id_client'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nudge'))
    )
    with op.batch_alter_table('nudge', schema=None) as batch_op:
        batch_op.create_index('ix_nudge_client_due', ['client_id', 'due_at'], unique=False)

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_day', sa.Integer(), nullable=True))

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_region', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column('welcomed_back_on', sa.Date(), nullable=True))

    with op.batch_alter_table('traject', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stall_reason', sa.String(length=10), server_default='step', nullable=False))
        batch_op.add_column(sa.Column('stall_since', storage.types.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('traject_checkin', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remind_at', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_traject_checkin_remind', ['remind_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('traject_checkin', schema=None) as batch_op:
        batch_op.drop_index('ix_traject_checkin_remind')
        batch_op.drop_column('remind_at')

    with op.batch_alter_table('traject', schema=None) as batch_op:
        batch_op.drop_column('stall_since')
        batch_op.drop_column('stall_reason')

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('welcomed_back_on')
        batch_op.drop_column('school_region')

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_column('checkin_day')

    with op.batch_alter_table('nudge', schema=None) as batch_op:
        batch_op.drop_index('ix_nudge_client_due')

    op.drop_table('nudge')
