"""Sales taxes (issue 17): a project's named taxes and rates, the taxes a submitted claim keeps with its
snapshot, the claim's tax total as stored for list pages, and a vendor's GST/HST registration number.

Claims submitted before this revision were submitted without tax: they get no tax rows and a tax total of
zero, so their documents stay as they were.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 00:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TAX_RATE = sa.Numeric(precision=6, scale=3)


def upgrade():
    op.create_table(
        'project_taxes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('rate', TAX_RATE, nullable=False),
        sa.CheckConstraint('rate >= 0 AND rate <= 30', name=op.f('ck_project_taxes_rate_range')),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_taxes_project_id_projects'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_project_taxes')),
        sa.UniqueConstraint('project_id', 'position', name=op.f('uq_project_taxes_project_id')),
    )
    op.create_table(
        'claim_taxes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('claim_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('rate', TAX_RATE, nullable=False),
        sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_taxes_claim_id_claims'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_taxes')),
        sa.UniqueConstraint('claim_id', 'position', name=op.f('uq_claim_taxes_claim_id')),
    )
    # Plain ADD/DROP COLUMN, not batch mode, as in 0005: copying the claims table would break its foreign keys.
    op.add_column('claims', sa.Column('sales_tax', sa.Numeric(precision=14, scale=2), server_default='0',
                                      nullable=False))
    op.add_column('companies', sa.Column('tax_number', sa.String(length=15), server_default='', nullable=False))


def downgrade():
    op.drop_column('companies', 'tax_number')
    op.drop_column('claims', 'sales_tax')
    op.drop_table('claim_taxes')
    op.drop_table('project_taxes')
