"""Progress claims: starting one, entering work against the SOV, submitting, and review (SPEC §4-§6).

Every figure comes from domain/g702.py; the live preview and the save call the same
`figures` function, so what a contact sees while typing is what is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from domain import audit, g702, outbox
from domain.clock import utcnow
from domain.emails import CLAIM_APPROVED, CLAIM_RETURNED, CLAIM_SUBMITTED, CLAIM_WITHDRAWN
from domain.errors import Invalid
from domain.locales import N_
from domain.models import (
    BillingPeriod,
    Claim,
    ClaimLine,
    ClaimStatus,
    ClaimTax,
    Commitment,
    Invite,
    InviteStatus,
    LineReview,
    SovLine,
    User,
    db,
)
from domain.money import ZERO, format_number, parse_money, parse_percent
from domain.periods import period_name
from domain.permissions import can_fill_in_claims, can_review_claims, can_withdraw_claim, project_admins, require
from domain.statuses import ALLOWED, CLOSED, EDITABLE, FINAL, InvalidTransition, shown, transition

COUNTS_AS_BILLED = (ClaimStatus.APPROVED, ClaimStatus.APPROVED_AS_NOTED)


class ClaimRefused(Exception):
    """A claim action that is not possible now; the message says why."""


@dataclass(frozen=True)
class LineEntry:
    """What a person typed for one SOV line (text, as typed)."""

    sov_line_id: int
    this_period: str = ""
    percent_to_date: str = ""
    stored: str = ""


MAX_SIGNED_NAME = 200
UNSIGNED = N_("Tick the box to confirm the statement: a claim is submitted only as a signed statement.")
NO_NAME = N_("Type your full name: it is your signature on the statement.")
NAME_TOO_LONG = N_("Type your name in at most %(count)s characters.")
APPROVED_LINE_LOCKED = N_("The reviewer approved this line, so it cannot change while the claim is sent back: "
                          "correct only the lines marked Rejected.")


@dataclass(frozen=True)
class Signature:
    """The statement a person signs when they submit: the box ticked and the name typed."""

    confirmed: bool = False
    name: str = ""
    name_problem: str = ""  # what the form already found wrong with the name as sent


@dataclass
class Entered:
    """Typed entries turned into inputs, with a message per line and field where they are wrong."""

    inputs: dict[int, tuple[Decimal, Decimal, Decimal | None]] = field(default_factory=dict)
    errors: dict[int, dict[str, str]] = field(default_factory=dict)
    claim_error: str = ""
    signature_errors: dict[str, str] = field(default_factory=dict)  # form field name -> message

    @property
    def ok(self) -> bool:
        return not self.errors and not self.claim_error and not self.signature_errors


# --- figures ------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Contract:
    """The contract a claim's figures come from: as it stood at the claim's last submission once the claim
    is out of the contact's hands (`as_submitted`), otherwise today's commitment and SOV."""

    sov_lines: list[SovLine]  # the lines of the claim's G703, in SOV order
    scheduled_value: dict[int, Decimal]  # C, by SOV line id
    original_value: dict[int, Decimal]  # by SOV line id; C differs from it by the approved change orders
    retention_pct: Decimal
    stored_retention_pct: Decimal
    as_submitted: bool
    taxes: tuple[g702.Tax, ...] = ()  # the sales taxes billed on line 8


def contract(claim: Claim) -> Contract:
    """The SOV values and retention percentages `figures` uses for the claim."""
    if claim.shows_snapshot:
        sov_lines = {s.id: s for s in claim.commitment.sov_lines}  # one query, not one per line
        # A line with no snapshot is one a change order added after the submission: not on this document.
        lines = sorted((line for line in claim.lines if line.scheduled_value is not None),
                       key=lambda line: sov_lines[line.sov_line_id].position)
        return Contract(
            sov_lines=[sov_lines[line.sov_line_id] for line in lines],
            scheduled_value={line.sov_line_id: line.scheduled_value for line in lines},  # type: ignore[misc]
            original_value={line.sov_line_id: line.original_value for line in lines},  # type: ignore[misc]
            retention_pct=claim.retention_pct,  # type: ignore[arg-type]  # shows_snapshot: it is set
            stored_retention_pct=claim.stored_retention_pct,  # type: ignore[arg-type]
            as_submitted=True,
            taxes=tuple(g702.Tax(t.name, t.rate) for t in claim.taxes),
        )
    commitment = claim.commitment
    stored_pct = commitment.stored_materials_retention_pct
    return Contract(
        sov_lines=list(commitment.sov_lines),
        scheduled_value={s.id: s.scheduled_value for s in commitment.sov_lines},
        original_value={s.id: s.original_value for s in commitment.sov_lines},
        retention_pct=commitment.retention_pct,
        stored_retention_pct=stored_pct if stored_pct is not None else commitment.retention_pct,
        as_submitted=False,
        taxes=tuple(g702.Tax(t.name, t.rate) for t in commitment.project.taxes),
    )


def snapshot_contract(claim: Claim) -> None:
    """Record on the claim and its lines the contract it is submitted against (SOV values, retention %,
    the project's sales taxes), so that its document never follows a later change order, retention or
    tax rate change. The caller commits."""
    commitment = claim.commitment
    if claim.taxes:
        claim.taxes.clear()
        db.session.flush()  # the old rows go before the new take their positions
    claim.taxes.extend(ClaimTax(position=t.position, name=t.name, rate=t.rate) for t in commitment.project.taxes)
    stored_pct = commitment.stored_materials_retention_pct
    claim.retention_pct = commitment.retention_pct
    claim.stored_retention_pct = stored_pct if stored_pct is not None else commitment.retention_pct
    by_sov = claim.lines_by_sov
    for sov_line in commitment.sov_lines:
        line = by_sov.get(sov_line.id)
        if line is None:  # an SOV line nobody typed on: on the document with nothing billed
            line = ClaimLine(sov_line=sov_line, sov_line_id=sov_line.id, work_completed_this_period=ZERO,
                             materials_presently_stored=ZERO)
            claim.lines.append(line)
        line.scheduled_value, line.original_value = sov_line.scheduled_value, sov_line.original_value


def amount_due_with_tax(claim: Claim) -> Decimal:
    """What the claim asks to be paid: line 8 with its sales taxes, as last computed (board, notices, e-mails)."""
    return claim.current_amount_due + claim.sales_tax


def figures(
    claim: Claim, inputs: dict[int, tuple[Decimal, Decimal, Decimal | None]] | None = None
) -> tuple[list[g702.LineFigures], g702.ClaimTotals]:
    """Every G703 line (in SOV order, one per `contract(claim).sov_lines`) and the G702 totals, from the
    stored inputs or `inputs`; a submitted claim from its snapshot of the contract."""
    terms = contract(claim)
    by_sov = claim.lines_by_sov
    if claim.status in FINAL and terms.as_submitted and claim.previous_claims is not None:
        # Approved: D and line 7 stay what they were at the decision, whatever is approved later.
        previous_to_date = {line.sov_line_id: line.previous_work_completed for line in claim.lines}
        previous_claims = claim.previous_claims
        released = claim.holdback_released_to_date
    else:
        previous = previous_approved_claim(claim)
        previous_to_date = {}
        if previous is not None:
            previous_to_date = {line.sov_line_id: line.previous_work_completed + line.work_completed_this_period
                                for line in previous.lines}
        previous_claims = previous.earned_less_retention if previous else ZERO
        released = (previous.holdback_released_to_date if previous else ZERO) + (claim.holdback_release or ZERO)
    lines = []
    for sov_line in terms.sov_lines:
        line = by_sov.get(sov_line.id)
        if inputs is not None and sov_line.id in inputs:
            this_period, stored, _ = inputs[sov_line.id]
        else:
            this_period = line.work_completed_this_period if line else ZERO
            stored = line.materials_presently_stored if line else ZERO
        lines.append(g702.line_figures(g702.LineInput(
            scheduled_value=terms.scheduled_value[sov_line.id],
            previous=previous_to_date.get(sov_line.id, ZERO),
            this_period=this_period,
            stored=stored,
            retention_pct=terms.retention_pct,
            stored_retention_pct=terms.stored_retention_pct,
        )))
    totals = g702.claim_totals(
        lines,
        original_contract_sum=sum(terms.original_value.values(), ZERO),
        previous_earned_less_retention=previous_claims,
        taxes=terms.taxes,
        retention_released=released,
    )
    return lines, totals


def refresh_snapshot(claim: Claim) -> g702.ClaimTotals:
    """Store the G702 figures on the claim row (for list pages and e-mails), line 7 as used, and each
    line's D."""
    lines, totals = figures(claim)
    by_sov = dict(zip([s.id for s in contract(claim).sov_lines], lines, strict=True))
    for line in claim.lines:
        if line.sov_line_id in by_sov:
            line.previous_work_completed = by_sov[line.sov_line_id].previous
    claim.work_completed_to_date = totals.work_completed_to_date
    claim.total_completed_and_stored = totals.total_completed_and_stored
    claim.retention_total = totals.retention_total
    claim.earned_less_retention = totals.earned_less_retention
    claim.current_amount_due = totals.current_amount_due
    claim.sales_tax = totals.sales_tax
    claim.previous_claims = totals.previous_claims
    claim.holdback_released_to_date = totals.retention_released
    return totals


# --- entering work ------------------------------------------------------------------------------


def read_entries(claim: Claim, entries: list[LineEntry]) -> Entered:
    """Check what was typed, line by line; nothing is written here."""
    result = Entered()
    lines, _ = figures(claim)
    by_sov = {s.id: (s, f) for s, f in zip(contract(claim).sov_lines, lines, strict=True)}
    allow_over = claim.commitment.project.allow_overbilling
    locked = approved_lines_locked(claim)
    for entry in entries:
        if entry.sov_line_id not in by_sov:
            continue  # a line that is not on this SOV: ignore rather than trust it
        sov_line, current = by_sov[entry.sov_line_id]
        if entry.sov_line_id in locked:
            _read_locked(result, locked[entry.sov_line_id], entry, current)
            continue
        problems: dict[str, str] = {}
        percent = None
        this_period = ZERO
        if entry.percent_to_date.strip():
            try:
                percent = parse_percent(entry.percent_to_date)
            except ValueError as exc:
                problems["percent_to_date"] = str(exc)
            else:
                this_period = g702.work_from_percent(current.scheduled_value, current.previous, percent)
                if _typed_other_amount(entry.this_period, this_period):
                    problems["this_period"] = gettext(
                        "Type an amount or a %(pct)s complete, not both: clear one of them.", pct="%")
        elif entry.this_period.strip():
            try:
                this_period = parse_money(entry.this_period)
            except ValueError as exc:
                problems["this_period"] = str(exc)
        try:
            stored = parse_money(entry.stored) if entry.stored.strip() else ZERO
        except ValueError as exc:
            problems["stored"] = str(exc)
            stored = ZERO
        if stored < 0 and "stored" not in problems:
            problems["stored"] = gettext("Stored materials cannot be negative.")
        work_field = "percent_to_date" if percent is not None else "this_period"
        if work_field not in problems:
            if current.previous + this_period < 0:
                problems[work_field] = gettext("Work completed to date cannot go below zero.")
            elif not allow_over and current.previous + this_period + stored > current.scheduled_value:
                # Point at what tipped it over: the work alone, or the stored materials on top of it.
                over = work_field if current.previous + this_period > current.scheduled_value else "stored"
                if over not in problems:
                    problems[over] = gettext(
                        "Completed and stored to date would be more than the scheduled value (%(value)s).",
                        value=format_number(current.scheduled_value))
        if problems:
            result.errors[entry.sov_line_id] = problems
        else:
            result.inputs[entry.sov_line_id] = (this_period, stored, percent)
    return result


def approved_lines_locked(claim: Claim) -> dict[int, ClaimLine]:
    """The lines (by SOV line id) the reviewer approved in a claim sent back: they stay as they were."""
    if claim.status is not ClaimStatus.REVISE_AND_RESUBMIT:
        return {}
    return {line.sov_line_id: line for line in claim.lines if line.review is LineReview.APPROVED}


def _read_locked(result: Entered, line: ClaimLine, entry: LineEntry, current: g702.LineFigures) -> None:
    """An approved line keeps its figures (and the % it was typed as); anything else is refused."""
    try:
        if entry.percent_to_date.strip():
            this_period = g702.work_from_percent(current.scheduled_value, current.previous,
                                                 parse_percent(entry.percent_to_date))
        else:
            this_period = parse_money(entry.this_period) if entry.this_period.strip() else ZERO
        stored = parse_money(entry.stored) if entry.stored.strip() else ZERO
    except ValueError:
        this_period, stored = None, None
    if (this_period, stored) != (line.work_completed_this_period, line.materials_presently_stored):
        result.errors[line.sov_line_id] = {"this_period": gettext(APPROVED_LINE_LOCKED)}
    else:
        result.inputs[line.sov_line_id] = (this_period, stored, line.pct_complete_entered)


def read_signature(signature: Signature | None) -> dict[str, str]:
    """What is missing from the signed statement, by form field; empty when it is signed."""
    signature = signature or Signature()
    problems = {}
    if not signature.confirmed:
        problems["certify"] = gettext(UNSIGNED)
    name = signature.name.strip()
    if signature.name_problem:
        problems["signed_name"] = signature.name_problem
    elif not name:
        problems["signed_name"] = gettext(NO_NAME)
    elif len(name) > MAX_SIGNED_NAME:
        problems["signed_name"] = gettext(NAME_TOO_LONG, count=MAX_SIGNED_NAME)
    return problems


def _typed_other_amount(text: str, derived: Decimal) -> bool:
    """True when an amount was typed beside a % and says something else (0 means not typed)."""
    try:
        typed = parse_money(text) if text.strip() else ZERO
    except ValueError:
        return True
    return typed not in (ZERO, derived)


def save_entries(claim: Claim, entries: list[LineEntry], by: User, *, submit: bool = False,
                 signature: Signature | None = None) -> Entered:
    """Save what was typed (all lines or none) and, with `submit` and a signed statement, send the claim
    for review. Lines the reviewer approved keep their figures while the claim is sent back."""
    _require_filling_in(claim.commitment, by)
    if claim.status not in EDITABLE:
        raise ClaimRefused(gettext("This claim is %(status)s and can no longer be changed.",
                                   status=shown(claim.status)))
    # A release claim bills no work: its lines stay as the release made them, whatever was sent.
    entered = Entered() if claim.is_holdback_release else read_entries(claim, entries)
    if submit:
        entered.signature_errors = read_signature(signature)
    elif signature is not None and signature.name_problem:  # a draft does not sign, but text is never dropped
        entered.signature_errors = {"signed_name": signature.name_problem}
    if submit and entered.ok and not claim.is_holdback_release:
        work = sum((e for e, _, _ in entered.inputs.values()), ZERO)
        stored = sum((s for _, s, _ in entered.inputs.values()), ZERO)
        if work == 0 and stored == 0:
            entered.claim_error = gettext(
                "Enter work completed or stored materials on at least one line before submitting.")
    if not entered.ok:
        db.session.rollback()
        return entered
    project_id = claim.billing_period.project_id
    by_sov = {line.sov_line_id: line for line in claim.lines}
    sov_lines = {s.id: s for s in claim.commitment.sov_lines}
    for sov_line_id, (this_period, stored, percent) in entered.inputs.items():
        line = by_sov.get(sov_line_id)
        if line is None:  # an SOV line added (a change order) after the claim was started
            line = ClaimLine(sov_line=sov_lines[sov_line_id], sov_line_id=sov_line_id,
                             work_completed_this_period=ZERO, materials_presently_stored=ZERO)
            claim.lines.append(line)
        for name, new in [("work_completed_this_period", this_period), ("materials_presently_stored", stored)]:
            old = getattr(line, name)
            if old != new:
                audit.record(actor=by, entity_type="claim", entity_id=claim.id, project_id=project_id,
                             action=f"line {line.sov_line.cost_code} changed", field=name, old=old, new=new)
                setattr(line, name, new)
        line.pct_complete_entered = percent
    if submit:  # each submission, a resubmission too, is made against the contract as it stands now
        snapshot_contract(claim)
    refresh_snapshot(claim)
    claim.updated_at = utcnow()
    if submit:
        for line in claim.lines:
            # each resubmission is reviewed afresh: the earlier decisions and their comments stay in the history
            line.review, line.review_comment = LineReview.PENDING, ""
        transition(claim, ClaimStatus.UNDER_REVIEW, by=by)
        _sign(claim, signature.name.strip(), by)  # type: ignore[union-attr]  # read_signature checked it
        outbox.queue_rows([mail_row(CLAIM_SUBMITTED, claim, admin, by, f"submitted:{claim.id}:{_n(claim)}")
                           for admin in project_admins(claim.commitment.project_id)])
    db.session.commit()
    return entered


def _sign(claim: Claim, name: str, by: User) -> None:
    """Record the signed statement of this submission; an admin signs on the vendor's behalf."""
    claim.signed_name, claim.signed_at, claim.signed_by_id = name, claim.submitted_at, by.id
    claim.signed_on_behalf = not by.is_collaborator
    signed = f"signed as “{name}”"
    if claim.signed_on_behalf:
        action = "signed and submitted on the vendor's behalf"
        signed = f"submitted by {by.name} on behalf of {claim.commitment.vendor.name}, {signed}"
    else:
        action = "signed the statement and submitted"
    audit.record(actor=by, entity_type="claim", entity_id=claim.id, project_id=claim.billing_period.project_id,
                 action=action, field="signature", new=signed)


def _require_filling_in(commitment: Commitment, by: User) -> None:
    require(can_fill_in_claims(by, commitment),
            "Only the commitment's progress claim contacts, or an Admin on its project, may fill in its claims.")


def _n(claim: Claim) -> str:
    """A number that changes at each submission, to keep each submission's e-mails apart."""
    return claim.submitted_at.strftime("%Y%m%d%H%M%S%f") if claim.submitted_at else "0"


def start_claim(commitment: Commitment, period: BillingPeriod, by: User) -> Claim:
    """The commitment's claim for the period, created (Draft, a line per SOV line) if there is none yet;
    ClaimRefused (nothing written) while another claim of the commitment is still open (SPEC §9)."""
    _require_filling_in(commitment, by)
    # Two workers starting claims of one commitment queue here, so the second sees the first's claim before
    # it checks: a write that changes nothing holds the commitment's row on PostgreSQL, and the database
    # on SQLite (which would ignore FOR UPDATE), until this transaction ends.
    db.session.execute(update(Commitment).where(Commitment.id == commitment.id).values(id=Commitment.id))
    existing = _claim_of(commitment, period)
    if existing is not None:
        if existing.status is ClaimStatus.WITHDRAWN:
            db.session.rollback()
            raise ClaimRefused(gettext("Claim #%(number)s for %(month)s was withdrawn; the next claim starts in a "
                                       "later period.", number=existing.number, month=period_name(period)))
        return existing
    blocking = open_claim_blocking(commitment, period)
    if blocking is not None:
        db.session.rollback()
        raise ClaimRefused(finish_first(blocking))
    number = (db.session.scalar(select(func.count(Claim.id)).where(Claim.commitment_id == commitment.id)) or 0) + 1
    claim = Claim(commitment=commitment, billing_period=period, number=number, created_by=by,
                  status=ClaimStatus.DRAFT)
    for sov_line in commitment.sov_lines:
        claim.lines.append(ClaimLine(sov_line=sov_line))
    db.session.add(claim)
    try:
        db.session.flush()
    except IntegrityError:  # someone else started it a moment ago
        db.session.rollback()
        return _claim_of(commitment, period)
    refresh_snapshot(claim)
    audit.record(actor=by, entity_type="claim", entity_id=claim.id, project_id=period.project_id,
                 action="claim started", new=f"#{number}, Draft")
    db.session.commit()
    return claim


def open_claim_blocking(commitment: Commitment, period: BillingPeriod) -> Claim | None:
    """The commitment's claim of another period that is not yet Approved, Approved as Noted or Withdrawn:
    while there is one, no new claim starts (the same work could be billed twice)."""
    return db.session.scalar(
        select(Claim).where(Claim.commitment_id == commitment.id, Claim.billing_period_id != period.id,
                            Claim.status.not_in(CLOSED))
        .order_by(Claim.number).limit(1))


def finish_first(blocking: Claim) -> str:
    """Why a new claim cannot start yet, naming the open one."""
    return gettext("Finish claim #%(number)s for %(month)s first: it is %(status)s.", number=blocking.number,
                   month=period_name(blocking.billing_period), status=shown(blocking.status))


def _claim_of(commitment: Commitment, period: BillingPeriod) -> Claim | None:
    return db.session.scalar(select(Claim).where(Claim.commitment_id == commitment.id,
                                                 Claim.billing_period_id == period.id))


# --- review -------------------------------------------------------------------------------------


MAX_REVIEW_COMMENT = 1000


@dataclass(frozen=True)
class LineDecision:
    line_id: int
    decision: LineReview
    comment: str = ""


def review(claim: Claim, decisions: list[LineDecision], target: ClaimStatus, by: User, note: str = "") -> ClaimStatus:
    """Record each line's decision with its own comment; any rejected line sends the claim back (Revise and
    Resubmit) and e-mails its contacts; approving approves the lines left open. Approved as Noted needs a
    note: on the claim (`note`, recorded with the status change) or on a line. Returns the status the claim
    moved to. When it refuses (PermissionDenied, ClaimRefused, Invalid, InvalidTransition) the database and
    the session are as they were."""
    require(can_review_claims(by, claim.commitment.project),
            "Only an Admin on this project's Commitments tool may review claims.")
    by_id = {line.id: line for line in claim.lines}
    decisions = [d for d in decisions if d.line_id in by_id]  # a line not on this claim: ignore, do not trust
    note = note.strip()
    _check_decisions(decisions, by_id, target, note)
    rejected = [by_id[d.line_id] for d in decisions if d.decision is LineReview.REJECTED]
    if rejected:
        target = ClaimStatus.REVISE_AND_RESUBMIT
    elif target is ClaimStatus.APPROVED_AS_NOTED and target in ALLOWED[claim.status] and not (
            note or any(d.comment.strip() for d in decisions)):
        db.session.rollback()
        raise Invalid("note", "Write a note to approve as noted: what the approval is subject to.")
    sent = {d.line_id: d for d in decisions}
    for line in claim.lines:
        d = sent.get(line.id, LineDecision(line.id, line.review))  # a line not sent stays as it is
        decision = LineReview.APPROVED if target in FINAL and d.decision is LineReview.PENDING else d.decision
        comment = d.comment.strip()
        if decision is line.review and comment in ("", line.review_comment):
            continue  # the same decision, nothing new said: it stands with its own comment
        audit.record(actor=by, entity_type="claim", entity_id=claim.id,
                     project_id=claim.billing_period.project_id,
                     action=f"line {line.sov_line.cost_code} reviewed", field="review",
                     old=line.review, new=f"{decision.value}: {comment}" if comment else decision)
        line.review, line.review_comment = decision, comment
    refresh_snapshot(claim)  # D and line 7 as they stand at the decision: an approval keeps them
    try:
        transition(claim, target, by=by, note="" if rejected else note)
    except InvalidTransition:
        db.session.rollback()
        raise
    kind = CLAIM_RETURNED if rejected else CLAIM_APPROVED if target in FINAL else None
    if kind:
        outbox.queue_rows([mail_row(kind, claim, contact, by, f"{kind}:{claim.id}:{_n(claim)}:{utcnow():%H%M%S%f}")
                           for contact in claim.commitment.claim_contacts if contact.active])
    refresh_snapshot(claim)
    db.session.commit()
    return target


def _check_decisions(decisions: list[LineDecision], by_id: dict[int, ClaimLine], target: ClaimStatus,
                     note: str) -> None:
    """Refuse, before anything is written, a review the contact could not act on."""
    problem = ""
    if target is ClaimStatus.REVISE_AND_RESUBMIT and not any(d.decision is LineReview.REJECTED for d in decisions):
        problem = "Reject at least one line, with a comment, to send the claim back."
    for d in decisions:
        if problem:
            break
        if d.decision is LineReview.REJECTED and not d.comment.strip():
            problem = f"Say why line {by_id[d.line_id].sov_line.cost_code} is rejected: the contact needs a comment."
        elif len(d.comment) > MAX_REVIEW_COMMENT:
            problem = f"A comment can be at most {MAX_REVIEW_COMMENT:,} characters."
    if problem:
        db.session.rollback()
        raise ClaimRefused(problem)
    if len(note) > MAX_REVIEW_COMMENT:
        db.session.rollback()
        raise Invalid("note", f"A note can be at most {MAX_REVIEW_COMMENT:,} characters.")


# --- withdrawal ---------------------------------------------------------------------------------


MAX_WITHDRAWAL_REASON = 1000
NO_WITHDRAWAL_REASON = "Say why the claim is withdrawn: the contact reads it."
WITHDRAWAL_REASON_TOO_LONG = f"Keep the reason to {MAX_WITHDRAWAL_REASON:,} characters or fewer."


def withdraw(claim: Claim, reason: str, by: User) -> None:
    """Withdraw a Draft or Revise and Resubmit claim with a reason: recorded, e-mailed to its contacts, and
    from then on it counts for nothing, so the commitment's next claim can start. On refusal (Invalid,
    InvalidTransition, PermissionDenied) nothing is written."""
    require(can_withdraw_claim(by, claim.commitment.project),
            "Only an Admin on this project's Commitments tool may withdraw claims.")
    reason = reason.strip()
    if not reason:
        raise Invalid("reason", NO_WITHDRAWAL_REASON)
    if len(reason) > MAX_WITHDRAWAL_REASON:
        raise Invalid("reason", WITHDRAWAL_REASON_TOO_LONG)
    transition(claim, ClaimStatus.WITHDRAWN, by=by)
    claim.withdrawal_reason, claim.withdrawn_at, claim.withdrawn_by_id = reason, utcnow(), by.id
    audit.record(actor=by, entity_type="claim", entity_id=claim.id, project_id=claim.billing_period.project_id,
                 action="withdrawn", field="reason", new=reason)
    outbox.queue_rows([mail_row(CLAIM_WITHDRAWN, claim, contact, by, f"{CLAIM_WITHDRAWN}:{claim.id}")
                       for contact in claim.commitment.claim_contacts if contact.active])
    db.session.commit()


# --- who --------------------------------------------------------------------------------------------


def mail_row(kind: str, claim: Claim, to: User, by: User, key: str) -> dict:
    """An outbox row about the claim for `to`, kept apart from its other e-mails by `key`."""
    return {"dedupe_key": f"{key}:to:{to.id}", "kind": kind, "to_address": to.email, "to_user_id": to.id,
            "actor_id": by.id, "claim_id": claim.id}


def invite_for(claim: Claim) -> Invite | None:
    return db.session.scalar(select(Invite).where(Invite.commitment_id == claim.commitment_id,
                                                  Invite.billing_period_id == claim.billing_period_id))


@dataclass(frozen=True)
class Change:
    at: object
    by: str
    what: str
    field: str
    old: str
    new: str
    comment: str = ""  # what the reviewer said with this decision, and only with this one


# A review decision is recorded as "<decision>: <comment>" (the comment said with it, if any).
_DECISIONS = {"review": [r.value for r in LineReview], "status": [s.value for s in ClaimStatus]}


def _decision_and_comment(field: str, new: str) -> tuple[str, str]:
    for label in _DECISIONS.get(field, ()):
        if new.startswith(f"{label}: "):
            return label, new[len(label) + 2:]
    return new, ""


def history(claim: Claim) -> list[Change]:
    """Every recorded change of the claim and of its invite, newest first; a review decision with the
    comment said with it."""
    from domain.models import AuditEvent

    invite = invite_for(claim)
    entity = ((AuditEvent.entity_type == "claim") & (AuditEvent.entity_id == claim.id))
    if invite is not None:
        entity = entity | ((AuditEvent.entity_type == "invite") & (AuditEvent.entity_id == invite.id))
    rows = db.session.execute(
        select(AuditEvent, User.name).outerjoin(User, AuditEvent.actor_id == User.id).where(entity)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    ).all()
    labels = {"work_completed_this_period": "work this period", "materials_presently_stored": "stored materials"}
    return [Change(e.occurred_at, name or "system", e.action, labels.get(e.field, e.field.replace("_", " ")),
                   e.old_value, *_decision_and_comment(e.field, e.new_value)) for e, name in rows]


def invite_claim(invite: Invite) -> Claim | None:
    return _claim_of(invite.commitment, invite.billing_period)


__all__ = ["ClaimRefused", "Contract", "InviteStatus", "LineEntry", "Signature", "contract", "figures", "review",
           "save_entries", "snapshot_contract", "start_claim"]
