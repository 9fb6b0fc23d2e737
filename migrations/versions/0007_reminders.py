"""Reminders (issue 15): the reminder policy (the company's, and a project's own), one row per reminder
queued with a unique key per invite, kind and day, the invite's last reminder and mute, and the admins'
weekly digest switch. The unused `companies.reminder_days` goes: no release ever read it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 07:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reminder_policies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('days_before', sa.String(length=60), nullable=False),
        sa.Column('on_due_date', sa.Boolean(), nullable=False),
        sa.Column('overdue_every_days', sa.Integer(), nullable=False),
        sa.Column('overdue_times', sa.Integer(), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.CheckConstraint('overdue_every_days BETWEEN 1 AND 60',
                           name=op.f('ck_reminder_policies_overdue_every_days')),
        sa.CheckConstraint('overdue_times BETWEEN 0 AND 10', name=op.f('ck_reminder_policies_overdue_times')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_policies')),
    )
    op.create_table(
        'reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invite_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('BEFORE_DUE', 'ON_DUE', 'OVERDUE', 'MANUAL', name='reminder_kind',
                                  native_enum=False, length=40), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('queued_at', sa.DateTime(), nullable=False),
        sa.Column('sent_by_id', sa.Integer(), nullable=True),
        sa.Column('recipients', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['invite_id'], ['invites.id'], name=op.f('fk_reminders_invite_id_invites'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_reminders_sent_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
        sa.UniqueConstraint('invite_id', 'kind', 'day', name=op.f('uq_reminders_once_a_day')),
    )
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_policy_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_companies_reminder_policy_id_reminder_policies'),
                                    'reminder_policies', ['reminder_policy_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_column('reminder_days')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_policy_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_projects_reminder_policy_id_reminder_policies'),
                                    'reminder_policies', ['reminder_policy_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_reminded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reminders_muted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reminders_muted_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_invites_reminders_muted_by_id_users'), 'users',
                                    ['reminders_muted_by_id'], ['id'])
    # Not in a batch: on SQLite that copies the table and loses the expression index on lower(email).
    op.add_column('users', sa.Column('weekly_digest', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    op.drop_column('users', 'weekly_digest')
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invites_reminders_muted_by_id_users'), type_='foreignkey')
        batch_op.drop_column('reminders_muted_by_id')
        batch_op.drop_column('reminders_muted_at')
        batch_op.drop_column('last_reminded_at')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_projects_reminder_policy_id_reminder_policies'), type_='foreignkey')
        batch_op.drop_column('reminder_policy_id')
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_companies_reminder_policy_id_reminder_policies'),
                                 type_='foreignkey')
        batch_op.add_column(sa.Column('reminder_days', sa.Integer(), nullable=True))
        batch_op.drop_column('reminder_policy_id')
    op.drop_table('reminders')
    op.drop_table('reminder_policies')
