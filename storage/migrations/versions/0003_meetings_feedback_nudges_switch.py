"""Meetings held, feedback on answers, a nudges switch per client, and what the bot waits
for a professional to type.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('professional_id', sa.Integer(), nullable=False),
    sa.Column('held_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_meeting_client_id_client'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['professional_id'], ['professional.id'], name=op.f('fk_meeting_professional_id_professional'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_client_held', ['client_id', 'held_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_professional_id'), ['professional_id'], unique=False)

    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reply_id', sa.Integer(), nullable=False),
    sa.Column('professional_id', sa.Integer(), nullable=False),
    sa.Column('text_enc', sa.Text(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['professional_id'], ['professional.id'], name=op.f('fk_feedback_professional_id_professional'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reply_id'], ['reply.id'], name=op.f('fk_feedback_reply_id_reply'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback'))
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_professional_id'), ['professional_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_reply_id'), ['reply_id'], unique=False)

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nudges_enabled', sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table('professional', schema=None) as batch_op:
        batch_op.add_column(sa.Column('awaiting', sa.String(length=120), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('professional', schema=None) as batch_op:
        batch_op.drop_column('awaiting')

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_column('nudges_enabled')

    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_reply_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_professional_id'))

    op.drop_table('feedback')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_professional_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_client_id'))
        batch_op.drop_index('ix_meeting_client_held')

    op.drop_table('meeting')
