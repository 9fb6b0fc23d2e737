"""Progress claims: their figures, computed by domain/g702.py from the stored inputs."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from domain import g702
from domain.models import BillingPeriod, Claim, ClaimStatus, db
from domain.money import ZERO

COUNTS_AS_BILLED = (ClaimStatus.APPROVED, ClaimStatus.APPROVED_AS_NOTED)


def previous_approved_claim(claim: Claim) -> Claim | None:
    """The last Approved (or Approved as Noted) claim of the same commitment in an earlier period."""
    return db.session.scalar(
        select(Claim)
        .join(BillingPeriod, Claim.billing_period_id == BillingPeriod.id)
        .where(
            Claim.commitment_id == claim.commitment_id,
            Claim.status.in_(COUNTS_AS_BILLED),
            BillingPeriod.start_date < claim.billing_period.start_date,
        )
        .order_by(BillingPeriod.start_date.desc())
        .limit(1)
    )


def figures(claim: Claim) -> tuple[list[g702.LineFigures], g702.ClaimTotals]:
    """Every G703 line and the G702 totals of a claim, as they stand now."""
    commitment = claim.commitment
    previous = previous_approved_claim(claim)
    previous_to_date: dict[int, Decimal] = {}
    if previous is not None:
        previous_to_date = {
            line.sov_line_id: line.previous_work_completed + line.work_completed_this_period
            for line in previous.lines
        }
    stored_pct = commitment.stored_materials_retention_pct
    by_sov = {line.sov_line_id: line for line in claim.lines}
    lines = []
    for sov_line in commitment.sov_lines:
        line = by_sov.get(sov_line.id)
        lines.append(g702.line_figures(g702.LineInput(
            scheduled_value=sov_line.scheduled_value,
            previous=previous_to_date.get(sov_line.id, ZERO),
            this_period=line.work_completed_this_period if line else ZERO,
            stored=line.materials_presently_stored if line else ZERO,
            retention_pct=commitment.retention_pct,
            stored_retention_pct=stored_pct if stored_pct is not None else commitment.retention_pct,
        )))
    totals = g702.claim_totals(
        lines,
        original_contract_sum=sum((s.original_value for s in commitment.sov_lines), ZERO),
        previous_earned_less_retention=previous.earned_less_retention if previous else ZERO,
    )
    return lines, totals


def refresh_snapshot(claim: Claim) -> g702.ClaimTotals:
    """Store the G702 figures on the claim row (for list pages) and each line's D."""
    lines, totals = figures(claim)
    by_sov = dict(zip([s.id for s in claim.commitment.sov_lines], lines, strict=True))
    for line in claim.lines:
        line.previous_work_completed = by_sov[line.sov_line_id].previous
    claim.work_completed_to_date = totals.work_completed_to_date
    claim.total_completed_and_stored = totals.total_completed_and_stored
    claim.retention_total = totals.retention_total
    claim.earned_less_retention = totals.earned_less_retention
    claim.current_amount_due = totals.current_amount_due
    return totals
