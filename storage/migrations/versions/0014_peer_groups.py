"""Peer groups: the group, its one-time link code, meetings with their RSVPs (under a
pseudonym), anonymous polls' totals, and the group's carer link (invite.group_id).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('group_link_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('professional_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['professional_id'], ['professional.id'], name=op.f('fk_group_link_code_professional_id_professional'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_link_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_group_link_code_code_hash'))
    )
    with op.batch_alter_table('group_link_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_link_code_professional_id'), ['professional_id'], unique=False)

    op.create_table('peer_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('professional_id', sa.Integer(), nullable=True),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('title_enc', sa.Text(), nullable=True),
    sa.Column('join_token_enc', sa.Text(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('linked_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('leave_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('inactive_since', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('inactive_reason', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('inactive_told_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_welcome_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('prompt_day', sa.Integer(), nullable=True),
    sa.Column('encourage_days', sa.Integer(), nullable=False),
    sa.Column('poll_day', sa.Integer(), nullable=True),
    sa.Column('next_prompt_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_encourage_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_poll_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_post_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('posts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_peer_group_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['professional_id'], ['professional.id'], name=op.f('fk_peer_group_professional_id_professional'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_group')),
    sa.UniqueConstraint('chat_id', name=op.f('uq_peer_group_chat_id'))
    )
    with op.batch_alter_table('peer_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_group_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_peer_group_professional_id'), ['professional_id'], unique=False)

    op.create_table('group_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('repeat_days', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('announce_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('announced_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('day_reminded_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hour_reminded_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('coming', sa.Integer(), nullable=False),
    sa.Column('not_coming', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['peer_group.id'], name=op.f('fk_group_meeting_group_id_peer_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_meeting'))
    )
    with op.batch_alter_table('group_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_meeting_group_id'), ['group_id'], unique=False)

    op.create_table('group_poll',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('outbox_key', sa.String(length=200), nullable=False),
    sa.Column('telegram_poll_id', sa.String(length=64), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('counts', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('voters', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closes_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['peer_group.id'], name=op.f('fk_group_poll_group_id_peer_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['group_meeting.id'], name=op.f('fk_group_poll_meeting_id_group_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_poll')),
    sa.UniqueConstraint('outbox_key', name=op.f('uq_group_poll_outbox_key')),
    sa.UniqueConstraint('telegram_poll_id', name=op.f('uq_group_poll_telegram_poll_id'))
    )
    with op.batch_alter_table('group_poll', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_poll_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_group_poll_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('group_rsvp',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('coming', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['group_meeting.id'], name=op.f('fk_group_rsvp_meeting_id_group_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_rsvp')),
    sa.UniqueConstraint('meeting_id', 'member', name=op.f('uq_group_rsvp_meeting_id_member'))
    )
    with op.batch_alter_table('group_rsvp', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_rsvp_meeting_id'), ['meeting_id'], unique=False)

    with op.batch_alter_table('invite', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_invite_group_id'), ['group_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_invite_group_id_peer_group'), 'peer_group', ['group_id'], ['id'], ondelete='CASCADE')



def downgrade() -> None:
    with op.batch_alter_table('invite', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invite_group_id_peer_group'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_invite_group_id'))
        batch_op.drop_column('group_id')

    with op.batch_alter_table('group_rsvp', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_rsvp_meeting_id'))

    op.drop_table('group_rsvp')
    with op.batch_alter_table('group_poll', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_poll_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_group_poll_group_id'))

    op.drop_table('group_poll')
    with op.batch_alter_table('group_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_meeting_group_id'))

    op.drop_table('group_meeting')
    with op.batch_alter_table('peer_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peer_group_professional_id'))
        batch_op.drop_index(batch_op.f('ix_peer_group_organisation_id'))

    op.drop_table('peer_group')
    with op.batch_alter_table('group_link_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_link_code_professional_id'))

    op.drop_table('group_link_code')
