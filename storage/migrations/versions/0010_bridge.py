"""The bridge to a human: crisis alerts (acknowledged, or escalated to who is on duty),
appointments, chat consultation hours, questions marked quick, a photo's or voice note's file id
with a reply, and an organisation's face-to-face contact and on-call number.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('professional_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('starts_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note_enc', sa.Text(), nullable=True),
    sa.Column('remind_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_appointment_client_id_client'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_appointment_meeting_id_meeting'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['professional_id'], ['professional.id'], name=op.f('fk_appointment_professional_id_professional'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment'))
    )
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_professional_id'), ['professional_id'], unique=False)
        batch_op.create_index('ix_appointment_remind', ['remind_at'], unique=False, sqlite_where=sa.text('remind_at IS NOT NULL'), postgresql_where=sa.text('remind_at IS NOT NULL'))

    op.create_table('alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('reply_id', sa.Integer(), nullable=False),
    sa.Column('professional_id', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('escalate_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_alert_client_id_client'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['professional_id'], ['professional.id'], name=op.f('fk_alert_professional_id_professional'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reply_id'], ['reply.id'], name=op.f('fk_alert_reply_id_reply'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert'))
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_client_id'), ['client_id'], unique=False)
        batch_op.create_index('ix_alert_escalate', ['escalate_at'], unique=False, sqlite_where=sa.text('acknowledged_at IS NULL AND escalated_at IS NULL'), postgresql_where=sa.text('acknowledged_at IS NULL AND escalated_at IS NULL'))
        batch_op.create_index(batch_op.f('ix_alert_professional_id'), ['professional_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_reply_id'), ['reply_id'], unique=False)

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('on_call', sa.String(length=100), server_default='', nullable=False))

    with op.batch_alter_table('professional', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_duty', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('consult_hours', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True))

    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quick', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.add_column(sa.Column('file_enc', sa.Text(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.drop_column('file_enc')

    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_column('quick')

    with op.batch_alter_table('professional', schema=None) as batch_op:
        batch_op.drop_column('consult_hours')
        batch_op.drop_column('on_duty')

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('on_call')
        batch_op.drop_column('contact')

    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_reply_id'))
        batch_op.drop_index(batch_op.f('ix_alert_professional_id'))
        batch_op.drop_index('ix_alert_escalate', sqlite_where=sa.text('acknowledged_at IS NULL AND escalated_at IS NULL'), postgresql_where=sa.text('acknowledged_at IS NULL AND escalated_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_alert_client_id'))

    op.drop_table('alert')
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_remind', sqlite_where=sa.text('remind_at IS NOT NULL'), postgresql_where=sa.text('remind_at IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_appointment_professional_id'))
        batch_op.drop_index(batch_op.f('ix_appointment_client_id'))

    op.drop_table('appointment')
