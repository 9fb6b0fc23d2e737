"""Pay application PDFs may end with a notary block: a company setting, off by default (issue 14).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notary_block_on_pay_applications', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.drop_column('notary_block_on_pay_applications')
