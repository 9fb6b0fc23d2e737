"""Holdback release (issue 17): a claim that releases a commitment's retention (holdback) keeps the amount it
releases and the date the lien period ended or the release notice was published, and every claim keeps the
retention released to date (this claim's release included), frozen once it is approved, as line 7 is.

Claims made before this revision released nothing: NULL amount and date, zero released to date.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 05:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD/DROP COLUMN, not batch mode, as in 0005: copying the claims table would break its foreign keys.
    op.add_column('claims', sa.Column('holdback_release', sa.Numeric(precision=14, scale=2), nullable=True))
    op.add_column('claims', sa.Column('holdback_release_date', sa.Date(), nullable=True))
    op.add_column('claims', sa.Column('holdback_released_to_date', sa.Numeric(precision=14, scale=2),
                                      server_default='0', nullable=False))


def downgrade():
    op.drop_column('claims', 'holdback_released_to_date')
    op.drop_column('claims', 'holdback_release_date')
    op.drop_column('claims', 'holdback_release')
