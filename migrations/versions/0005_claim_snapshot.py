"""A submitted claim keeps the contract it was made with (issue 14): per line the scheduled value and
original value, per claim the retention % on work and on stored materials and line 7 as used.

Existing submitted claims (every status but Draft) get the best snapshot the database still holds:
- line 7 from their stored totals (line 6 less line 8, as saved when they were last computed);
- a line's scheduled value and the retention % as they stood at the claim's last submission, worked
  back from the audit trail: a change recorded after that submission gives its "from" value, and
  without one today's value stands (it has not changed since);
- lines of SOV lines that a change order added after that submission get no snapshot, so they stay
  off the submitted document;
- the original value is today's: the SOV only changes through change orders once approved, and they
  leave the original value alone.
A claim submitted before the audit trail recorded a change therefore shows today's value for it.
Drafts get no snapshot: they follow today's contract until submitted.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 04:40:00.000000

"""
from decimal import Decimal, InvalidOperation

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=14, scale=2)
PERCENT = sa.Numeric(precision=5, scale=2)

claims = sa.table('claims', sa.column('id', sa.Integer), sa.column('commitment_id', sa.Integer),
                  sa.column('status', sa.String), sa.column('submitted_at', sa.DateTime),
                  sa.column('earned_less_retention', MONEY), sa.column('current_amount_due', MONEY),
                  sa.column('retention_pct', PERCENT), sa.column('stored_retention_pct', PERCENT),
                  sa.column('previous_claims', MONEY))
claim_lines = sa.table('claim_lines', sa.column('id', sa.Integer), sa.column('claim_id', sa.Integer),
                       sa.column('sov_line_id', sa.Integer), sa.column('scheduled_value', MONEY),
                       sa.column('original_value', MONEY))
commitments = sa.table('commitments', sa.column('id', sa.Integer), sa.column('retention_pct', PERCENT),
                       sa.column('stored_materials_retention_pct', PERCENT))
sov_lines = sa.table('sov_lines', sa.column('id', sa.Integer), sa.column('original_value', MONEY),
                     sa.column('approved_changes', MONEY))
audit_events = sa.table('audit_events', sa.column('id', sa.Integer), sa.column('occurred_at', sa.DateTime),
                        sa.column('entity_type', sa.String), sa.column('entity_id', sa.Integer),
                        sa.column('action', sa.String), sa.column('field', sa.String),
                        sa.column('old_value', sa.Text))


def upgrade():
    # Plain ADD/DROP COLUMN, not batch mode: SQLite does both in place (3.35+), whereas copying the claims
    # table would break the foreign keys of its lines, attachments and e-mails on a database with claims.
    op.add_column('claims', sa.Column('retention_pct', PERCENT, nullable=True))
    op.add_column('claims', sa.Column('stored_retention_pct', PERCENT, nullable=True))
    op.add_column('claims', sa.Column('previous_claims', MONEY, nullable=True))
    op.add_column('claim_lines', sa.Column('scheduled_value', MONEY, nullable=True))
    op.add_column('claim_lines', sa.Column('original_value', MONEY, nullable=True))

    _fill_snapshots(op.get_bind())


def _decimal(text):
    """An audit value as a Decimal; None for an empty or unreadable one."""
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _as_at(bind, entity_type, entity_id, field, since, today):
    """The value a field had at `since`: the "from" of its first change after it, or today's value."""
    if since is None:
        return today
    first_change = bind.execute(
        sa.select(audit_events.c.old_value)
        .where(audit_events.c.entity_type == entity_type, audit_events.c.entity_id == entity_id,
               audit_events.c.field == field, audit_events.c.occurred_at > since)
        .order_by(audit_events.c.occurred_at, audit_events.c.id).limit(1)
    ).first()
    return today if first_change is None else _decimal(first_change.old_value)


def _fill_snapshots(bind):
    submitted = bind.execute(
        sa.select(claims.c.id, claims.c.commitment_id, claims.c.submitted_at, claims.c.earned_less_retention,
                  claims.c.current_amount_due, commitments.c.retention_pct,
                  commitments.c.stored_materials_retention_pct)
        .join(commitments, commitments.c.id == claims.c.commitment_id)
        .where(claims.c.status != 'DRAFT')
    ).all()
    for claim in submitted:
        since = claim.submitted_at
        retention = _as_at(bind, 'commitment', claim.commitment_id, 'retention_pct', since, claim.retention_pct)
        if retention is None:
            retention = claim.retention_pct
        stored = _as_at(bind, 'commitment', claim.commitment_id, 'stored_materials_retention_pct', since,
                        claim.stored_materials_retention_pct)
        bind.execute(claims.update().where(claims.c.id == claim.id).values(
            retention_pct=retention, stored_retention_pct=stored if stored is not None else retention,
            previous_claims=claim.earned_less_retention - claim.current_amount_due))
        lines = bind.execute(
            sa.select(claim_lines.c.id, sov_lines.c.id.label('sov_id'), sov_lines.c.original_value,
                      sov_lines.c.approved_changes)
            .join(sov_lines, sov_lines.c.id == claim_lines.c.sov_line_id)
            .where(claim_lines.c.claim_id == claim.id)
        ).all()
        for line in lines:
            if since is not None and bind.execute(
                sa.select(audit_events.c.id).where(
                    audit_events.c.entity_type == 'commitment', audit_events.c.entity_id == claim.commitment_id,
                    audit_events.c.action == 'change order: SOV line added',
                    audit_events.c.field == f'line {line.sov_id}', audit_events.c.occurred_at > since).limit(1)
            ).first() is not None:
                continue  # added after the submission: not on the submitted document
            today = line.original_value + line.approved_changes
            scheduled = _as_at(bind, 'commitment', claim.commitment_id, f'line {line.sov_id} scheduled_value',
                               since, today)
            bind.execute(claim_lines.update().where(claim_lines.c.id == line.id).values(
                scheduled_value=scheduled if scheduled is not None else today,
                original_value=line.original_value))


def downgrade():
    op.drop_column('claim_lines', 'original_value')
    op.drop_column('claim_lines', 'scheduled_value')
    op.drop_column('claims', 'previous_claims')
    op.drop_column('claims', 'stored_retention_pct')
    op.drop_column('claims', 'retention_pct')
