"""A claim's prompt payment dates (issue 17): when it must be paid and the last day for a notice of
non-payment, from its project's rule (domain/prompt_payment.py).

- A head contract claim is the contractor's proper invoice to the client from the day it was first sent to
  the client (`Claim.proper_invoice_at`, domain/head_contract.send_to_client).
- A subcontractor claim, when the head contract claim of its period has been sent: due some days (7 in each
  jurisdiction so far) after the contractor is paid, which is the client's decision date when recorded on
  an approved head contract claim, else the head contract claim's own due date; the contractor's notice to
  the subcontractor is counted from the day its own proper invoice was given.
- Otherwise a subcontractor claim is itself the proper invoice, from the day it was submitted.

Days are the project's: a timestamp is read in its time zone (domain/dates).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain import dates
from domain.models import Claim, ClaimStatus, CommitmentKind
from domain.prompt_payment import Rule, rule_for
from domain.statuses import EDITABLE, FINAL

PROPER_INVOICE = "proper invoice"
AFTER_PAYMENT = "after the contractor is paid"


@dataclass(frozen=True)
class Deadlines:
    rule: Rule
    counted_from: date  # the proper invoice day, or the day the contractor was (or is due to be) paid
    basis: str  # PROPER_INVOICE or AFTER_PAYMENT
    payment_due: date
    notice_deadline: date
    paid_on_recorded: bool = False  # AFTER_PAYMENT: the client's payment day is recorded, not assumed


def project_day(value: datetime, time_zone: str) -> date:
    """The day a stored UTC timestamp fell on where the project is."""
    return dates.local(value, dates.zone(time_zone)).date()


def as_proper_invoice(rule: Rule, given_on: date) -> Deadlines:
    return Deadlines(rule, given_on, PROPER_INVOICE, rule.payment_due(given_on), rule.notice_deadline(given_on))


def after_head_claim(rule: Rule, head_sent_on: date, client_paid_on: date | None) -> Deadlines:
    """A subcontractor claim's dates once the head contract claim of its period was sent on `head_sent_on`."""
    paid_on = client_paid_on or rule.payment_due(head_sent_on)
    return Deadlines(rule, paid_on, AFTER_PAYMENT, rule.subcontractor_due(paid_on),
                     rule.subcontractor_notice_deadline(head_sent_on), paid_on_recorded=client_paid_on is not None)


def _live(claim: Claim) -> bool:
    return claim.status not in EDITABLE and claim.status is not ClaimStatus.WITHDRAWN


def client_paid_on(head_claim: Claim) -> date | None:
    """The client's decision date on an approved head contract claim: the day the contractor counts as paid."""
    return head_claim.client_decision_date if head_claim.status in FINAL else None


def for_claim(claim: Claim, head_claim: Claim | None | bool = False) -> Deadlines | None:
    """The claim's dates, or None: no prompt payment law on its project, or nothing given yet. A list page
    passes the head contract claim of the period (or None) so that nothing is looked up per row."""
    project = claim.commitment.project
    rule = rule_for(project.jurisdiction)
    if rule is None or not _live(claim):
        return None
    if claim.commitment.kind is CommitmentKind.HEAD_CONTRACT:
        if claim.proper_invoice_at is None:
            return None
        return as_proper_invoice(rule, project_day(claim.proper_invoice_at, project.time_zone))
    if claim.submitted_at is None:
        return None
    if head_claim is False:
        from domain.head_contract import claim_for  # head_contract imports much of the domain

        head_claim = claim_for(project, claim.billing_period)
    if isinstance(head_claim, Claim) and _live(head_claim) and head_claim.proper_invoice_at is not None:
        return after_head_claim(rule, project_day(head_claim.proper_invoice_at, project.time_zone),
                                client_paid_on(head_claim))
    return as_proper_invoice(rule, project_day(claim.submitted_at, project.time_zone))
