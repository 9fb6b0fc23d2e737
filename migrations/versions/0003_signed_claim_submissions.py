"""A claim's submission is a signed statement: the name typed, when, by whom, and whether an admin
submitted it on the vendor's behalf (issue 12).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 02:35:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # Claims submitted before this have no signature: the columns stay empty for them.
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('signed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('signed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('signed_on_behalf', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_foreign_key(batch_op.f('fk_claims_signed_by_id_users'), 'users', ['signed_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_claims_signed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('signed_on_behalf')
        batch_op.drop_column('signed_by_id')
        batch_op.drop_column('signed_at')
        batch_op.drop_column('signed_name')
