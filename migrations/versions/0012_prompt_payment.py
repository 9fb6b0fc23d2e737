"""Prompt payment (issue 17): a project's jurisdiction, the day a head contract claim was given to the client
as a proper invoice, and the notices of non-payment given from claims.

Projects made before this revision have no jurisdiction: they show no prompt payment dates until an admin
picks one. Claims sent to the client before it have no proper invoice day: their dates count from their
first "sent to the client" event, filled in here.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD/DROP COLUMN, not batch mode, as in 0005: copying the claims table would break its foreign keys.
    op.add_column('projects', sa.Column('jurisdiction', sa.String(length=3), nullable=True))
    op.add_column('claims', sa.Column('proper_invoice_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE claims SET proper_invoice_at = (SELECT MIN(occurred_at) FROM audit_events "
               "WHERE audit_events.entity_type = 'claim' AND audit_events.entity_id = claims.id "
               "AND audit_events.action = 'sent to the client')")
    op.create_table(
        'payment_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('claim_id', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('reasons', sa.Text(), nullable=False),
        sa.Column('given_at', sa.DateTime(), nullable=False),
        sa.Column('given_by_id', sa.Integer(), nullable=True),
        sa.Column('to_address', sa.String(length=320), nullable=False),
        sa.CheckConstraint('amount > 0', name=op.f('ck_payment_notices_amount_positive')),
        sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_payment_notices_claim_id_claims'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['given_by_id'], ['users.id'], name=op.f('fk_payment_notices_given_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_notices')),
    )
    op.create_index(op.f('ix_payment_notices_claim_id'), 'payment_notices', ['claim_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_payment_notices_claim_id'), table_name='payment_notices')
    op.drop_table('payment_notices')
    op.drop_column('claims', 'proper_invoice_at')
    op.drop_column('projects', 'jurisdiction')
