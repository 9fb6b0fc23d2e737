"""Head contract (issue 16): a commitment of kind HEAD_CONTRACT (its vendor is the client), at most one per
project; its client contact and contract date; the client's decision on a head contract claim; what the
subcontractors' approved claims said on each head contract claim line at the last prefill; and the head
contract line an admin chose for a subcontract line whose cost code the head contract has more than once.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 08:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_contact_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('client_contact_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('contract_date', sa.Date(), nullable=True))
        batch_op.create_index('uq_commitments_one_head_contract', ['project_id'], unique=True,
                              sqlite_where=sa.text("kind = 'HEAD_CONTRACT'"),
                              postgresql_where=sa.text("kind = 'HEAD_CONTRACT'"))
    with op.batch_alter_table('sov_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('head_contract_line_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_sov_lines_head_contract_line_id_sov_lines'), 'sov_lines',
                                    ['head_contract_line_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_decision_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('client_approved_amount', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('client_decision_note', sa.Text(), nullable=True))
    with op.batch_alter_table('claim_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prefilled_this_period', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('prefilled_stored', sa.Numeric(precision=14, scale=2), nullable=True))


def downgrade():
    with op.batch_alter_table('claim_lines', schema=None) as batch_op:
        batch_op.drop_column('prefilled_stored')
        batch_op.drop_column('prefilled_this_period')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_column('client_decision_note')
        batch_op.drop_column('client_approved_amount')
        batch_op.drop_column('client_decision_date')
    with op.batch_alter_table('sov_lines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sov_lines_head_contract_line_id_sov_lines'), type_='foreignkey')
        batch_op.drop_column('head_contract_line_id')
    # Head contracts cannot stay: without their columns they would pass for subcontracts.
    op.execute("DELETE FROM outbox_messages WHERE claim_id IN (SELECT claims.id FROM claims JOIN commitments "
               "ON commitments.id = claims.commitment_id WHERE commitments.kind = 'HEAD_CONTRACT')")
    op.execute("DELETE FROM claim_lines WHERE claim_id IN (SELECT claims.id FROM claims JOIN commitments "
               "ON commitments.id = claims.commitment_id WHERE commitments.kind = 'HEAD_CONTRACT')")
    op.execute("DELETE FROM claims WHERE commitment_id IN "
               "(SELECT id FROM commitments WHERE kind = 'HEAD_CONTRACT')")
    op.execute("DELETE FROM sov_lines WHERE commitment_id IN "
               "(SELECT id FROM commitments WHERE kind = 'HEAD_CONTRACT')")
    op.execute("DELETE FROM commitments WHERE kind = 'HEAD_CONTRACT'")
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.drop_index('uq_commitments_one_head_contract', sqlite_where=sa.text("kind = 'HEAD_CONTRACT'"),
                            postgresql_where=sa.text("kind = 'HEAD_CONTRACT'"))
        batch_op.drop_column('contract_date')
        batch_op.drop_column('client_contact_email')
        batch_op.drop_column('client_contact_name')
