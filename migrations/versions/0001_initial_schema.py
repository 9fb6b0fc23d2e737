"""Initial schema: the whole data model of SPEC §2.

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 03:52:57.712824

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('companies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('is_own', sa.Boolean(), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('trade', sa.String(length=120), nullable=False),
    sa.Column('dictionary', sa.Enum('SPECIALTY', 'GENERAL', 'OWNER', name='dictionary', native_enum=False, length=40), nullable=False),
    sa.Column('default_retention_pct', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('invite_message', sa.Text(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('reminder_days', sa.Integer(), nullable=True),
    sa.Column('default_claim_contact_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('default_retention_pct >= 0 AND default_retention_pct <= 100', name=op.f('ck_companies_retention_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_companies'))
    )
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.create_index('uq_companies_one_own', ['is_own'], unique=True, sqlite_where=sa.text('is_own = 1'), postgresql_where=sa.text('is_own'))

    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('country', sa.Enum('US', 'CA', name='country', native_enum=False, length=40), nullable=False),
    sa.Column('currency', sa.Enum('USD', 'CAD', name='currency', native_enum=False, length=40), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('allow_overbilling', sa.Boolean(), nullable=False),
    sa.Column('auto_periods', sa.Boolean(), nullable=False),
    sa.Column('period_start_day', sa.Integer(), nullable=False),
    sa.Column('period_end_day', sa.Integer(), nullable=True),
    sa.Column('period_due_day', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('period_due_day BETWEEN 1 AND 31', name=op.f('ck_projects_period_due_day')),
    sa.CheckConstraint('period_end_day IS NULL OR period_end_day BETWEEN 1 AND 31', name=op.f('ck_projects_period_end_day')),
    sa.CheckConstraint('period_start_day BETWEEN 1 AND 28', name=op.f('ck_projects_period_start_day')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects')),
    sa.UniqueConstraint('number', name=op.f('uq_projects_number'))
    )
    op.create_table('billing_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('OPEN', 'CLOSED', name='period_status', native_enum=False, length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('due_date >= start_date', name=op.f('ck_billing_periods_due_after_start')),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_billing_periods_end_after_start')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_billing_periods_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_periods')),
    sa.UniqueConstraint('project_id', 'number', name=op.f('uq_billing_periods_project_id'))
    )
    with op.batch_alter_table('billing_periods', schema=None) as batch_op:
        batch_op.create_index('uq_billing_periods_one_open', ['project_id'], unique=True, sqlite_where=sa.text("status = 'OPEN'"), postgresql_where=sa.text("status = 'OPEN'"))

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('is_company_admin', sa.Boolean(), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_sign_in_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_users_company_id_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_company_id'), ['company_id'], unique=False)
    # E-mail is unique whatever its case: autogenerate does not see expression indexes.
    op.create_index('uq_users_email_lower', 'users', [sa.text('lower(email)')], unique=True)
    # companies and users point at each other; this one waits until users exists.
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_companies_default_claim_contact_id_users'), 'users',
            ['default_claim_contact_id'], ['id'], ondelete='SET NULL')

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('field', sa.String(length=60), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=False),
    sa.Column('new_value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_audit_events_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_entity', ['entity_type', 'entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_project_id'), ['project_id'], unique=False)

    op.create_table('commitments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('SUBCONTRACT', 'PURCHASE_ORDER', name='commitment_kind', native_enum=False, length=40), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('DRAFT', 'OUT_FOR_SIGNATURE', 'APPROVED', 'COMPLETE', 'TERMINATED', 'VOID', name='commitment_status', native_enum=False, length=40), nullable=False),
    sa.Column('is_private', sa.Boolean(), nullable=False),
    sa.Column('retention_pct', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('stored_materials_retention_pct', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('sov_status', sa.Enum('DRAFT', 'APPROVED', name='sov_status', native_enum=False, length=40), nullable=False),
    sa.Column('sov_approved_at', sa.DateTime(), nullable=True),
    sa.Column('sov_approved_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('retention_pct >= 0 AND retention_pct <= 100', name=op.f('ck_commitments_retention_range')),
    sa.CheckConstraint('stored_materials_retention_pct IS NULL OR (stored_materials_retention_pct >= 0 AND stored_materials_retention_pct <= 100)', name=op.f('ck_commitments_stored_retention_range')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_commitments_project_id_projects')),
    sa.ForeignKeyConstraint(['sov_approved_by_id'], ['users.id'], name=op.f('fk_commitments_sov_approved_by_id_users')),
    sa.ForeignKeyConstraint(['vendor_id'], ['companies.id'], name=op.f('fk_commitments_vendor_id_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitments')),
    sa.UniqueConstraint('project_id', 'number', name=op.f('uq_commitments_project_id'))
    )
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitments_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitments_vendor_id'), ['vendor_id'], unique=False)

    op.create_table('project_permissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('NONE', 'READ_ONLY', 'STANDARD', 'ADMIN', name='access_level', native_enum=False, length=40), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_permissions_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_project_permissions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_permissions')),
    sa.UniqueConstraint('project_id', 'user_id', name=op.f('uq_project_permissions_project_id'))
    )
    with op.batch_alter_table('project_permissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_permissions_user_id'), ['user_id'], unique=False)

    op.create_table('claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('billing_period_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('DRAFT', 'UNDER_REVIEW', 'REVISE_AND_RESUBMIT', 'PENDING_OWNER_APPROVAL', 'APPROVED_AS_NOTED', 'APPROVED', name='claim_status', native_enum=False, length=40), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('work_completed_to_date', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('total_completed_and_stored', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('retention_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('earned_less_retention', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('current_amount_due', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['billing_period_id'], ['billing_periods.id'], name=op.f('fk_claims_billing_period_id_billing_periods')),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_claims_commitment_id_commitments')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_claims_created_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_claims_decided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claims')),
    sa.UniqueConstraint('commitment_id', 'billing_period_id', name=op.f('uq_claims_commitment_id'))
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claims_billing_period_id'), ['billing_period_id'], unique=False)

    op.create_table('commitment_claim_contacts',
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_commitment_claim_contacts_commitment_id_commitments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_commitment_claim_contacts_user_id_users')),
    sa.PrimaryKeyConstraint('commitment_id', 'user_id', name=op.f('pk_commitment_claim_contacts'))
    )
    with op.batch_alter_table('commitment_claim_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_claim_contacts_user_id'), ['user_id'], unique=False)

    op.create_table('commitment_private_users',
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_commitment_private_users_commitment_id_commitments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_commitment_private_users_user_id_users')),
    sa.PrimaryKeyConstraint('commitment_id', 'user_id', name=op.f('pk_commitment_private_users'))
    )
    with op.batch_alter_table('commitment_private_users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_private_users_user_id'), ['user_id'], unique=False)

    op.create_table('invites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('billing_period_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('INVITED', 'ACCEPTED', 'DECLINED', name='invite_status', native_enum=False, length=40), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=False),
    sa.Column('first_sent_at', sa.DateTime(), nullable=False),
    sa.Column('last_sent_at', sa.DateTime(), nullable=False),
    sa.Column('send_count', sa.Integer(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=False),
    sa.CheckConstraint('send_count >= 1', name=op.f('ck_invites_sent_at_least_once')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_invites_answered_by_id_users')),
    sa.ForeignKeyConstraint(['billing_period_id'], ['billing_periods.id'], name=op.f('fk_invites_billing_period_id_billing_periods')),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_invites_commitment_id_commitments')),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_invites_sent_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invites')),
    sa.UniqueConstraint('commitment_id', 'billing_period_id', name=op.f('uq_invites_commitment_id'))
    )
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invites_billing_period_id'), ['billing_period_id'], unique=False)

    op.create_table('sov_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('cost_code', sa.String(length=40), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('original_value', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('approved_changes', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('from_change_order', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_sov_lines_commitment_id_commitments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sov_lines')),
    sa.UniqueConstraint('commitment_id', 'position', name=op.f('uq_sov_lines_commitment_id'))
    )
    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=255), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_attachments_claim_id_claims'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_attachments_storage_key'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_claim_id'), ['claim_id'], unique=False)

    op.create_table('claim_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('sov_line_id', sa.Integer(), nullable=False),
    sa.Column('previous_work_completed', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('work_completed_this_period', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('materials_presently_stored', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('pct_complete_entered', sa.Numeric(precision=7, scale=4), nullable=True),
    sa.Column('review', sa.Enum('PENDING', 'APPROVED', 'REJECTED', name='line_review', native_enum=False, length=40), nullable=False),
    sa.Column('review_comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_lines_claim_id_claims'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sov_line_id'], ['sov_lines.id'], name=op.f('fk_claim_lines_sov_line_id_sov_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_lines')),
    sa.UniqueConstraint('claim_id', 'sov_line_id', name=op.f('uq_claim_lines_claim_id'))
    )
    with op.batch_alter_table('claim_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_lines_sov_line_id'), ['sov_line_id'], unique=False)

    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('to_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('text_body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=False),
    sa.Column('invite_id', sa.Integer(), nullable=True),
    sa.Column('claim_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('PENDING', 'SENT', name='outbox_status', native_enum=False, length=40), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_until', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_outbox_messages_actor_id_users')),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_outbox_messages_claim_id_claims')),
    sa.ForeignKeyConstraint(['invite_id'], ['invites.id'], name=op.f('fk_outbox_messages_invite_id_invites')),
    sa.ForeignKeyConstraint(['to_user_id'], ['users.id'], name=op.f('fk_outbox_messages_to_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_messages_dedupe_key'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_invite_id'), ['invite_id'], unique=False)



def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_messages_invite_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_messages_claim_id'))
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outbox_messages')
    with op.batch_alter_table('claim_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_lines_sov_line_id'))

    op.drop_table('claim_lines')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_claim_id'))

    op.drop_table('attachments')
    op.drop_table('sov_lines')
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invites_billing_period_id'))

    op.drop_table('invites')
    with op.batch_alter_table('commitment_private_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_private_users_user_id'))

    op.drop_table('commitment_private_users')
    with op.batch_alter_table('commitment_claim_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_claim_contacts_user_id'))

    op.drop_table('commitment_claim_contacts')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claims_billing_period_id'))

    op.drop_table('claims')
    with op.batch_alter_table('project_permissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_permissions_user_id'))

    op.drop_table('project_permissions')
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitments_vendor_id'))
        batch_op.drop_index(batch_op.f('ix_commitments_project_id'))

    op.drop_table('commitments')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_project_id'))
        batch_op.drop_index('ix_audit_events_entity')

    op.drop_table('audit_events')
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_companies_default_claim_contact_id_users'), type_='foreignkey')
    op.drop_index('uq_users_email_lower', table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_company_id'))

    op.drop_table('users')
    with op.batch_alter_table('billing_periods', schema=None) as batch_op:
        batch_op.drop_index('uq_billing_periods_one_open', sqlite_where=sa.text("status = 'OPEN'"), postgresql_where=sa.text("status = 'OPEN'"))

    op.drop_table('billing_periods')
    op.drop_table('projects')
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.drop_index('uq_companies_one_own', sqlite_where=sa.text('is_own = 1'), postgresql_where=sa.text('is_own'))

    op.drop_table('companies')
