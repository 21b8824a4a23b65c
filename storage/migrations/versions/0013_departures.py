"""Departures: what reports may still count of someone erased (no id, no name, no text).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('departure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('line_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('joined_month', sa.Date(), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=False),
    sa.Column('steps_done', sa.Integer(), nullable=False),
    sa.Column('questions', sa.Integer(), nullable=False),
    sa.Column('nudges', sa.Integer(), nullable=False),
    sa.Column('nudges_followed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_departure_organisation_id_organisation'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_departure'))
    )
    with op.batch_alter_table('departure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_departure_organisation_id'), ['organisation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('departure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_departure_organisation_id'))

    op.drop_table('departure')
