"""The progress claim lifecycle (SPEC §5): one table of allowed transitions, one function to move."""

from __future__ import annotations

from domain import audit
from domain.clock import utcnow
from domain.models import Claim, ClaimStatus, User

S = ClaimStatus
ALLOWED: dict[ClaimStatus, set[ClaimStatus]] = {
    S.DRAFT: {S.UNDER_REVIEW, S.WITHDRAWN},
    S.UNDER_REVIEW: {S.REVISE_AND_RESUBMIT, S.PENDING_OWNER_APPROVAL, S.APPROVED_AS_NOTED, S.APPROVED},
    S.REVISE_AND_RESUBMIT: {S.UNDER_REVIEW, S.WITHDRAWN},
    S.PENDING_OWNER_APPROVAL: {S.REVISE_AND_RESUBMIT, S.APPROVED_AS_NOTED, S.APPROVED},
    S.APPROVED_AS_NOTED: set(),
    S.APPROVED: set(),
    S.WITHDRAWN: set(),
}
EDITABLE = {S.DRAFT, S.REVISE_AND_RESUBMIT}
SUBMITTED = set(ClaimStatus) - {S.DRAFT}
FINAL = {S.APPROVED, S.APPROVED_AS_NOTED}
# A commitment has at most one claim that is not one of these (SPEC §9): the next one waits for it.
CLOSED = FINAL | {S.WITHDRAWN}
REVIEW_DECISIONS = {S.REVISE_AND_RESUBMIT, S.PENDING_OWNER_APPROVAL, S.APPROVED_AS_NOTED, S.APPROVED}


class InvalidTransition(Exception):
    def __init__(self, current: ClaimStatus, target: ClaimStatus) -> None:
        super().__init__(f"A claim that is {current.value} cannot become {target.value}.")
        self.current, self.target = current, target


def transition(claim: Claim, target: ClaimStatus, *, by: User | None, note: str = "") -> None:
    """Move the claim to `target` or raise InvalidTransition; records the change, with the reviewer's note
    on it if any ("Approved as Noted: <note>"). The caller commits."""
    if target not in ALLOWED[claim.status]:
        raise InvalidTransition(claim.status, target)
    audit.record(actor=by, entity_type="claim", entity_id=claim.id, project_id=claim.billing_period.project_id,
                 action="status changed", field="status", old=claim.status,
                 new=f"{target.value}: {note}" if note else target)
    claim.status = target
    now = utcnow()
    if target is S.UNDER_REVIEW:
        claim.submitted_at = now
    if target in FINAL:
        claim.decided_at = now
        claim.decided_by_id = by.id if by else None
