"""The progress claim lifecycle (SPEC §5): one table of allowed transitions, one function to move."""

from __future__ import annotations

import enum

from flask_babel import gettext
from sqlalchemy import select

from domain import audit
from domain.clock import utcnow
from domain.locales import N_
from domain.models import AuditEvent, Claim, ClaimStatus, User, db

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
# A head contract claim is decided by the client, as the admin records it: no owner approval step.
CLIENT_DECISIONS = (S.APPROVED, S.APPROVED_AS_NOTED, S.REVISE_AND_RESUBMIT)
# The words a head contract claim's status reads as, where they differ from a subcontractor claim's:
# it is with the client, not under the contractor's review.
HEAD_CONTRACT_WORDS = {S.UNDER_REVIEW: "Submitted to client"}
# The status words as the catalogue knows them (claims, invites, periods, line reviews, kinds of commitment): the stored
# English values stay the msgids, translated only where a person reads them (`shown`, the `status` filter).
WORDS = (N_("Draft"), N_("Under Review"), N_("Revise and Resubmit"), N_("Pending Owner Approval"),
         N_("Approved as Noted"), N_("Approved"), N_("Withdrawn"), N_("Invited"), N_("Accepted"), N_("Declined"),
         N_("Pending"), N_("Rejected"), N_("Subcontract"), N_("Purchase Order"), N_("Head Contract"),
         N_("Submitted to client"), N_("Not Invited"), N_("Open"), N_("Closed"))


def shown(value: enum.Enum | str) -> str:
    """A status (or kind) as the reader reads it, in their language: English is the stored value itself."""
    return gettext(value.value if isinstance(value, enum.Enum) else value)


def status_words(status: ClaimStatus, *, head_contract: bool = False) -> str:
    """The status as a person reads it: the one place a head contract claim's words are chosen."""
    return HEAD_CONTRACT_WORDS.get(status, status.value) if head_contract else status.value


def claim_status_words(claim: Claim) -> str:
    return status_words(claim.status, head_contract=not claim.commitment.is_subcontract)


class InvalidTransition(Exception):
    def __init__(self, current: ClaimStatus, target: ClaimStatus) -> None:
        super().__init__(f"A claim that is {current.value} cannot become {target.value}.")
        self.current, self.target = current, target


def transition(claim: Claim, target: ClaimStatus, *, by: User | None, note: str = "") -> None:
    """Move the claim to `target` or raise InvalidTransition; records the change, with the reviewer's note
    on it if any ("Approved as Noted: <note>"). The caller commits."""
    if target not in ALLOWED[claim.status]:
        raise InvalidTransition(claim.status, target)
    head_contract = not claim.commitment.is_subcontract
    old, new = (status_words(s, head_contract=head_contract) for s in (claim.status, target))
    audit.record(actor=by, entity_type="claim", entity_id=claim.id, project_id=claim.billing_period.project_id,
                 action="status changed", field="status", old=old, new=f"{new}: {note}" if note else new)
    claim.status = target
    now = utcnow()
    if target is S.UNDER_REVIEW:
        claim.submitted_at = now
    if target in FINAL:
        claim.decided_at = now
        claim.decided_by_id = by.id if by else None


def decision_note(claim: Claim) -> str:
    """The note `transition` recorded with the change to the claim's current status ("" if none): what an
    Approved as Noted approval is subject to, for the e-mail that tells the contact."""
    latest = db.session.scalar(
        select(AuditEvent.new_value).where(AuditEvent.entity_type == "claim", AuditEvent.entity_id == claim.id,
                                           AuditEvent.field == "status")
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(1)) or ""
    prefix = f"{claim.status.value}: "
    return latest[len(prefix):] if latest.startswith(prefix) else ""
