"""Languages (issue 18): a person's own language and the company's default, both optional.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 05:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    with op.batch_alter_table('companies') as batch_op:
        batch_op.add_column(sa.Column('default_language', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('companies') as batch_op:
        batch_op.drop_column('default_language')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('language')
