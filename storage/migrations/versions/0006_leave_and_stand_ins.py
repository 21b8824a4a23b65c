"""Leave with a stand-in (professional.away_until, professional.stand_in_id), and an index
for one person's audit trail.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('professional', schema=None) as batch_op:
        batch_op.add_column(sa.Column('away_until', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('stand_in_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_professional_stand_in', 'professional', ['stand_in_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_subject', ['subject_kind', 'subject_id', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_subject')

    with op.batch_alter_table('professional', schema=None) as batch_op:
        batch_op.drop_constraint('fk_professional_stand_in', type_='foreignkey')
        batch_op.drop_column('stand_in_id')
        batch_op.drop_column('away_until')
