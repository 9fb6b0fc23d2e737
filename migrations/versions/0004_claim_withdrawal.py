"""An admin can withdraw a Draft or Revise and Resubmit claim with a reason (issue 13): the reason,
when and by whom. The status column is a VARCHAR of member names, so Withdrawn needs no change there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 04:25:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawal_reason', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_claims_withdrawn_by_id_users'), 'users', ['withdrawn_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_claims_withdrawn_by_id_users'), type_='foreignkey')
        batch_op.drop_column('withdrawn_by_id')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('withdrawal_reason')
