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
from datetime import date, datetime, timedelta

from domain import dates
from domain.locales import N_
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


# --- across projects: the digest and the home page ----------------------------------------------------

PAYMENT_DUE, NOTICE_BY = N_("Payment due"), N_("Notice of non-payment by")  # translated where shown
WINDOW_DAYS = 7  # a date this close ahead, or passed this recently, is listed
LOOK_BACK_DAYS = 90  # a claim given longer ago than this has no date left in the window


@dataclass(frozen=True)
class DateItem:
    """One prompt payment date of one claim, for a list."""

    claim: Claim
    what: str  # "Payment due" or "Notice of non-payment by"
    on: date
    passed: bool

    @property
    def url_path(self) -> str:
        c = self.claim.commitment
        if c.kind is CommitmentKind.HEAD_CONTRACT:
            return f"/projects/{c.project_id}/billings/head-contract/claims/{self.claim.id}"
        return f"/projects/{c.project_id}/billings/claims/{self.claim.id}"


def items_for(projects: list, today_of: dict[int, date], seen: object = None) -> dict[int, list[DateItem]]:
    """The payment due dates and notice deadlines of each project's claims that fall within WINDOW_DAYS
    ahead, or passed within WINDOW_DAYS (a head contract claim the client has not paid: however long ago), per
    project id, in date order. Two statements whatever the number of projects and claims; `seen` is an extra
    condition on Commitment (the commitments the person may see)."""
    from sqlalchemy import select
    from sqlalchemy.orm import contains_eager, joinedload

    from domain.clock import utcnow
    from domain.models import Commitment, Project, db
    from domain.prompt_payment import RULES

    under = [p for p in projects if rule_for(p.jurisdiction) is not None]
    found: dict[int, list[DateItem]] = {p.id: [] for p in projects}
    if not under:
        return found
    since = utcnow() - timedelta(days=LOOK_BACK_DAYS)
    live = Claim.status.not_in([*EDITABLE, ClaimStatus.WITHDRAWN])
    query = (select(Claim).join(Claim.commitment).join(Commitment.project)
             .where(Commitment.project_id.in_([p.id for p in under]), Project.jurisdiction.in_(list(RULES)), live,
                    ((Commitment.kind == CommitmentKind.HEAD_CONTRACT) & Claim.proper_invoice_at.is_not(None)
                     & ((Claim.proper_invoice_at >= since) | Claim.client_decision_date.is_(None)))
                    | ((Commitment.kind != CommitmentKind.HEAD_CONTRACT) & (Claim.submitted_at >= since)))
             .options(contains_eager(Claim.commitment).contains_eager(Commitment.project),
                      joinedload(Claim.commitment, Commitment.vendor))
             .order_by(Commitment.number, Claim.number))
    if seen is not None:
        query = query.where((Commitment.kind == CommitmentKind.HEAD_CONTRACT) | seen)
    claims = db.session.scalars(query).unique().all()
    periods = {c.billing_period_id for c in claims if c.commitment.kind is not CommitmentKind.HEAD_CONTRACT}
    heads = {(h.commitment.project_id, h.billing_period_id): h for h in db.session.scalars(
        select(Claim).join(Claim.commitment)
        .where(Commitment.kind == CommitmentKind.HEAD_CONTRACT, Claim.billing_period_id.in_(periods))
        .options(contains_eager(Claim.commitment)))} if periods else {}
    for claim in claims:
        project = claim.commitment.project
        head = claim.commitment.kind is CommitmentKind.HEAD_CONTRACT
        deadlines = for_claim(claim, None if head else heads.get((project.id, claim.billing_period_id)))
        if deadlines is None:
            continue
        today = today_of[project.id]
        unpaid_head = head and client_paid_on(claim) is None
        for what, on in ((PAYMENT_DUE, deadlines.payment_due), (NOTICE_BY, deadlines.notice_deadline)):
            payment = what == PAYMENT_DUE
            if head and payment and not unpaid_head:
                continue  # the client paid: nothing to watch
            ahead = today <= on <= today + timedelta(days=WINDOW_DAYS)
            recent = on < today and (today - on).days <= WINDOW_DAYS
            if ahead or recent or (head and payment and on < today):
                found[project.id].append(DateItem(claim, what, on, passed=on < today))
    for items in found.values():
        items.sort(key=lambda item: (item.on, item.claim.id))
    return found
