"""The head contract: the contractor's own contract with its client, and its claims (issue 16, SPEC §1, §6).

A head contract is a Commitment of kind HEAD_CONTRACT whose `vendor` is the client company, so its
schedule of values (domain/sov.py), its claims and their G702/G703 figures (domain/claims.py,
domain/g702.py), its pay application (domain/pay_application.py) and its history are the subcontractors'
own code; nothing is computed twice. What is its own lives here: creating and changing it, starting a
claim for a period, **prefill** (each line's work this period and stored materials from the period's
approved subcontractor claims, matched by cost code), submitting to the client, the client's decision,
and the project's **position** (billed to the client against owed to subcontractors).

Only project Admins change any of it (`permissions.require_head_contract_editor`); every service checks
first, writes everything or nothing, records each change in the audit trail, and commits.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext
from sqlalchemy import exists, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from domain import accounts, audit, claim_package, claims, dates, emails, g702, outbox, pay_application
from domain.claims import COUNTS_AS_BILLED, ClaimRefused, Entered, LineEntry
from domain.clock import project_today, utcnow
from domain.commitments import NUMBER_MAX, TITLE_MAX, number_clash, record_event
from domain.errors import Invalid, check_all
from domain.locales import N_, current_language, locale_for
from domain.models import (
    BillingPeriod,
    Claim,
    ClaimLine,
    ClaimStatus,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Company,
    Invite,
    InviteStatus,
    OutboxMessage,
    OutboxStatus,
    Project,
    SovLine,
    SovStatus,
    User,
    db,
)
from domain.money import HUNDRED, PERCENT_PROBLEM, ZERO, format_money, format_number
from domain.periods import period_name
from domain.permissions import require_head_contract_editor
from domain.statuses import CLIENT_DECISIONS, EDITABLE, FINAL, status_words, transition

CLIENT_NAME_MAX, CONTACT_NAME_MAX, EMAIL_MAX, NOTE_MAX = 200, 120, 254, 1000
EMAIL_PROBLEM = N_("Enter a valid e-mail address, like name@example.com.")  # the forms' own words (blueprints)
SECOND_HEAD_CONTRACT = N_("This project has a head contract already: a project has at most one.")
NUMBER_JUST_TAKEN = N_("A commitment with this number was just created. Choose another.")
NO_LONGER = {"changed": N_("This claim is %(status)s: it can no longer be changed."),
             "submitted": N_("This claim is %(status)s: it can no longer be submitted."),
             "prefilled": N_("This claim is %(status)s: it can no longer be prefilled.")}


# --- reading ------------------------------------------------------------------------------------


def head_contract_of(project: Project) -> Commitment | None:
    """The project's head contract, or None."""
    return db.session.scalar(select(Commitment).where(Commitment.project_id == project.id,
                                                      Commitment.kind == CommitmentKind.HEAD_CONTRACT))


def claim_for(project: Project, period: BillingPeriod) -> Claim | None:
    """The head contract's claim for the period, or None (no head contract, or no claim yet)."""
    return db.session.scalar(
        select(Claim).join(Commitment, Claim.commitment_id == Commitment.id)
        .where(Commitment.project_id == project.id, Commitment.kind == CommitmentKind.HEAD_CONTRACT,
               Claim.billing_period_id == period.id))


def is_adjusted(line: ClaimLine) -> bool:
    """The admin changed the line's work this period or stored materials from what the subcontractor claims
    said at the last prefill (markup, own forces); before any prefill, a line with figures typed in."""
    prefilled = (line.prefilled_this_period or ZERO, line.prefilled_stored or ZERO)
    return (line.work_completed_this_period or ZERO, line.materials_presently_stored or ZERO) != prefilled


# --- the head contract --------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadContractData:
    """The head contract's fields as the form parsed them. The client is an existing company
    (`client_id`) or, when that is None, a company found or added by `client_name`."""

    number: str
    title: str
    client_id: int | None = None
    client_name: str = ""
    client_contact_name: str = ""
    client_contact_email: str = ""
    contract_date: date | None = None
    retention_pct: Decimal | None = None  # None: the company's default
    stored_materials_retention_pct: Decimal | None = None  # None: as on work
    status: CommitmentStatus = CommitmentStatus.DRAFT


def _check_text(field_name: str, value: str, limit: int, missing: str | None) -> str:
    value = value.strip()
    if not value and missing:
        raise Invalid(field_name, gettext(missing))
    if len(value) > limit:
        raise Invalid(field_name, gettext("Use at most %(count)s characters.", count=limit))
    return value


def _check_email(value: str) -> str:
    value = value.strip()
    if not value:
        raise Invalid("client_contact_email", gettext("Enter the client contact's e-mail: the claims are sent to it."))
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise Invalid("client_contact_email", gettext(EMAIL_PROBLEM)) from None
    if len(value) > EMAIL_MAX:
        raise Invalid("client_contact_email", gettext("Use at most %(count)s characters.", count=EMAIL_MAX))
    return value


def _check_percent(field_name: str, pct: Decimal | None) -> Decimal | None:
    if pct is not None and not ZERO <= pct <= HUNDRED:
        raise Invalid(field_name, gettext(PERCENT_PROBLEM))
    return pct


def _check_client(data: HeadContractData) -> Company | str:
    """The client company chosen, or the name of one to find or add."""
    if data.client_id is not None:
        company = db.session.get(Company, data.client_id)
        if company is None or company.is_own:
            raise Invalid("client_id", gettext("Choose the client company from the list, or type its name."))
        return company
    name = _check_text("client_name", data.client_name, CLIENT_NAME_MAX, N_("Enter the client company's name."))
    own = accounts.own_company()
    if own is not None and own.name.casefold() == name.casefold():
        raise Invalid("client_name", gettext("%(name)s is your own company: the client is the company you bill.",
                                             name=own.name))
    return name


def _checked(project: Project, data: HeadContractData, editing: Commitment | None = None) -> dict:
    """Every field's problem at once (Invalid), or the values to store. Nothing is written."""
    def check_date() -> date:
        if data.contract_date is None:
            raise Invalid("contract_date", gettext("Enter the contract date."))
        return data.contract_date

    number, title, client, contact, email, contract_date, stored, retention = check_all(
        lambda: _check_text("number", data.number, NUMBER_MAX, N_("Enter the number.")),
        lambda: _check_text("title", data.title, TITLE_MAX, N_("Enter the title.")),
        lambda: _check_client(data),
        lambda: _check_text("client_contact_name", data.client_contact_name, CONTACT_NAME_MAX,
                            N_("Enter the client contact's name.")),
        lambda: _check_email(data.client_contact_email),
        check_date,
        lambda: _check_percent("stored_materials_retention_pct", data.stored_materials_retention_pct),
        lambda: _check_percent("retention_pct", data.retention_pct),
    )
    clash = number_clash(project, number, editing)
    if clash:
        raise Invalid("number", clash)
    if retention is None:
        own = accounts.own_company()
        retention = editing.retention_pct if editing else (own.default_retention_pct if own else Decimal("10.00"))
    return {"number": number, "title": title, "client": client, "client_contact_name": contact,
            "client_contact_email": email, "contract_date": contract_date, "retention_pct": retention,
            "stored_materials_retention_pct": stored, "status": data.status}


def _client_company(client: Company | str, by: User) -> Company:
    """The company chosen, or the one of that name (whatever its case), added when there is none."""
    if isinstance(client, Company):
        return client
    if db.engine.dialect.name == "postgresql":  # the same lock as the directory's, so no name is added twice
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('directory:vendor-names'))"))
    found = db.session.scalar(select(Company).where(Company.is_own.is_(False),
                                                    func.lower(Company.name) == client.lower()).limit(1))
    if found is not None:
        return found
    company = Company(name=client, is_own=False)
    db.session.add(company)
    db.session.flush()
    audit.record(actor=by, entity_type="company", entity_id=company.id, action="client created", new=client)
    return company


def create_head_contract(project: Project, data: HeadContractData, by: User) -> Commitment:
    """The project's head contract (at most one) with an empty Draft SOV; Invalid naming each field at fault,
    and nothing written, otherwise."""
    require_head_contract_editor(by, project)
    if head_contract_of(project) is not None:
        raise Invalid("number", gettext(SECOND_HEAD_CONTRACT))
    values = _checked(project, data)
    client = _client_company(values.pop("client"), by)
    head = Commitment(project_id=project.id, kind=CommitmentKind.HEAD_CONTRACT, vendor=client,
                      sov_status=SovStatus.DRAFT, is_private=False, **values)
    db.session.add(head)
    try:
        db.session.flush()
    except IntegrityError:  # another admin created one (or took the number) a moment ago
        db.session.rollback()
        if head_contract_of(project) is not None:
            raise Invalid("number", gettext(SECOND_HEAD_CONTRACT)) from None
        raise Invalid("number", gettext(NUMBER_JUST_TAKEN)) from None
    record_event(head, by, "created", new=f"{head.kind.value} {head.label}, client {client.name}")
    db.session.commit()
    return head


def update_head_contract(head: Commitment, data: HeadContractData, by: User) -> list[str]:
    """Save the changed fields, one audit event each; returns the names of what changed. The client
    company cannot change once the head contract has a claim."""
    require_head_contract_editor(by, head.project)
    values = _checked(head.project, data, editing=head)
    client = values.pop("client")
    changing = (client.id != head.vendor_id if isinstance(client, Company)
                else client.casefold() != head.vendor.name.casefold())
    if changing and db.session.scalar(select(func.count(Claim.id)).where(Claim.commitment_id == head.id)):
        raise Invalid("client_id" if data.client_id is not None else "client_name",
                      gettext("The head contract has claims already: its client cannot change."))
    client = _client_company(client, by)
    changed = audit.record_changes(head, {"vendor": client, **values}, by)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Invalid("number", gettext(NUMBER_JUST_TAKEN)) from None
    return ["client" if name == "vendor" else name for name in changed]


# --- its claims -----------------------------------------------------------------------------------


def start_claim(project: Project, period: BillingPeriod, by: User) -> Claim:
    """The head contract's claim for the period, started (Draft, a line per SOV line) if there is none;
    ClaimRefused, nothing written, without an approved head contract SOV, in a closed period, or while an
    earlier head contract claim is still open."""
    require_head_contract_editor(by, project)
    head = head_contract_of(project)
    if head is None:
        raise ClaimRefused(gettext("This project has no head contract yet."))
    if period.project_id != project.id:
        raise ClaimRefused(gettext("That billing period is not this project's."))
    existing = claim_for(project, period)
    if existing is not None:
        return existing
    if head.sov_status is not SovStatus.APPROVED:
        raise ClaimRefused(gettext("Approve the head contract's schedule of values before its first claim."))
    if not period.is_open:
        raise ClaimRefused(gettext("%(period)s is closed: a head contract claim starts in the open period.",
                                   period=period_name(period)))
    return claims.start_claim(head, period, by)


def _require_head_claim(claim: Claim, by: User) -> None:
    require_head_contract_editor(by, claim.commitment.project)
    if claim.commitment.is_subcontract:
        raise ClaimRefused(gettext("This is a subcontractor's claim, not the head contract's."))


def _require_editable(claim: Claim, doing: str) -> None:
    if claim.status not in EDITABLE:
        words = status_words(claim.status, head_contract=True)
        raise ClaimRefused(gettext(NO_LONGER[doing], status=words))


def save_lines(claim: Claim, entries: list[LineEntry], by: User) -> Entered:
    """Save the admin's figures (all lines or none; the same checks as any claim: not below zero, not over
    the scheduled value unless the project allows overbilling). A line typed other than prefilled is
    adjusted from then on, and prefill leaves it alone unless asked."""
    _require_head_claim(claim, by)
    _require_editable(claim, "changed")
    return claims.save_entries(claim, entries, by, submit=False)


def submit_to_client(claim: Claim, by: User) -> g702.ClaimTotals:
    """Send the claim to the client (status Submitted to client) against the head contract as it stands
    now (its snapshot); Invalid naming the line, and nothing written, when a line is below zero or over its
    scheduled value, or when nothing is billed. The e-mail to the client contact is the page's to queue."""
    _require_head_claim(claim, by)
    _require_editable(claim, "submitted")
    lines, totals = claims.figures(claim)
    allow_over = claim.commitment.project.allow_overbilling
    for sov_line, figures in zip(claims.contract(claim).sov_lines, lines, strict=True):
        if figures.work_completed_to_date < 0:
            raise Invalid(f"line-{sov_line.id}", gettext("Line %(code)s: work completed to date cannot go below zero.",
                                                         code=sov_line.cost_code))
        if not allow_over and figures.completed_and_stored > figures.scheduled_value:
            raise Invalid(f"line-{sov_line.id}", gettext(
                "Line %(code)s: completed and stored to date would be more than the scheduled value (%(value)s).",
                code=sov_line.cost_code, value=format_number(figures.scheduled_value)))
    if totals.this_period == 0 and totals.stored == 0:
        raise Invalid("claim", gettext("Enter work completed or stored materials on at least one line before "
                                        "submitting."))
    claims.snapshot_contract(claim)
    claims.refresh_snapshot(claim)
    claim.updated_at = utcnow()
    # a resubmission waits for a new decision: the one that sent it back stays in the history
    claim.client_decision_date = claim.client_approved_amount = claim.client_decision_note = None
    transition(claim, ClaimStatus.UNDER_REVIEW, by=by)
    totals = claims.refresh_snapshot(claim)
    db.session.commit()
    return totals


def record_client_decision(claim: Claim, decision: ClaimStatus, by: User, *, decided_on: date | None,
                           approved_amount: Decimal | None = None, note: str = "") -> None:
    """Record what the client decided on a claim Submitted to client: Approved or Approved as Noted with the
    amount approved (at most the claim's current amount due), or Revise and Resubmit; the date, and a note
    (required to approve as noted). Invalid per field, and nothing written, otherwise."""
    _require_head_claim(claim, by)
    if claim.status is not ClaimStatus.UNDER_REVIEW:
        raise ClaimRefused(gettext("This claim is %(status)s: only a claim Submitted to client gets the client's "
                                   "decision.", status=status_words(claim.status, head_contract=True)))
    note = note.strip()
    _, totals = claims.figures(claim)
    approving = decision in FINAL

    def check_decision() -> None:
        if decision not in CLIENT_DECISIONS:
            raise Invalid("decision", gettext("Choose Approved, Approved as Noted or Revise and Resubmit."))

    def check_date() -> None:
        if decided_on is None:
            raise Invalid("decided_on", gettext("Enter the date of the client's decision."))
        project = claim.commitment.project
        submitted = (dates.local(claim.submitted_at, dates.zone(project.time_zone)).date()
                     if claim.submitted_at else None)
        if decided_on > project_today(project):
            raise Invalid("decided_on", gettext("The decision date cannot be in the future."))
        if submitted is not None and decided_on < submitted:
            on = dates.day(submitted, full=True, locale="fr_CA" if current_language() == "fr" else "en_US")
            raise Invalid("decided_on", gettext("The claim was submitted to the client on %(day)s: the decision "
                                                "cannot be earlier.", day=on))

    def check_amount() -> None:
        if not approving:
            return
        if approved_amount is None:
            raise Invalid("approved_amount", gettext("Enter the amount the client approved."))
        if approved_amount < 0:
            raise Invalid("approved_amount", gettext("The approved amount cannot be negative."))
        if approved_amount > totals.current_amount_due:
            project = claim.commitment.project
            due = format_money(totals.current_amount_due, project.currency.value, locale_for(project))
            raise Invalid("approved_amount", gettext("The client cannot approve more than the claim's current "
                                                     "amount due (%(due)s).", due=due))

    def check_note() -> None:
        if len(note) > NOTE_MAX:
            raise Invalid("note", gettext("A note can be at most %(count)s characters.",
                                           count=format_number(Decimal(NOTE_MAX), 0)))
        if decision is ClaimStatus.APPROVED_AS_NOTED and not note:
            raise Invalid("note", gettext("Write the client's note: what the approval is subject to."))

    check_all(check_decision, check_date, check_amount, check_note)
    claims.refresh_snapshot(claim)  # D and line 7 as they stand at the decision: an approval keeps them
    transition(claim, decision, by=by, note=note)
    if decision in EDITABLE:
        _cancel_unsent(claim, by)
    claim.client_decision_date = decided_on
    claim.client_approved_amount = approved_amount if approving else None
    claim.client_decision_note = note or None
    project_id = claim.billing_period.project_id
    audit.record(actor=by, entity_type="claim", entity_id=claim.id, project_id=project_id,
                 action="client's decision recorded", field="client_decision",
                 new="; ".join(x for x in [f"{decision.value} on {decided_on}",
                                           f"approved {approved_amount}" if approving else "", note] if x))
    claims.refresh_snapshot(claim)
    db.session.commit()


# --- sending it to the client ---------------------------------------------------------------------


def send_to_client(claim: Claim, by: User) -> tuple[str, bool]:
    """Queue the e-mail of a claim Submitted to client (or decided) to the head contract's client contact,
    its pay application PDF and package attached when it is delivered; returns the address and whether it
    was queued now. Once per submission, status and address: a second send of the same (a double click, a
    retried request) queues and records nothing. ClaimRefused, nothing queued, for a claim not submitted yet."""
    _require_head_claim(claim, by)
    if claim.status in EDITABLE or claim.status is ClaimStatus.WITHDRAWN:
        raise ClaimRefused(gettext("This claim is %(status)s: submit it to the client before sending it.",
                                   status=status_words(claim.status, head_contract=True)))
    head = claim.commitment
    address = head.client_contact_email
    if not address:
        raise ClaimRefused(gettext("The head contract has no client contact e-mail: add it on the head contract's "
                                   "page."))
    submission = claim.submitted_at.strftime("%Y%m%d%H%M%S%f") if claim.submitted_at else "0"
    to = hashlib.sha256(address.casefold().encode()).hexdigest()[:32]  # an address can be 254 characters
    key = f"{emails.HEAD_CLAIM_TO_CLIENT}:{claim.id}:{submission}:{claim.status.name}:{to}"
    if not outbox.queue_once({"dedupe_key": key, "kind": emails.HEAD_CLAIM_TO_CLIENT,
                              "to_address": address, "actor_id": by.id, "claim_id": claim.id}):
        return address, False
    audit.record(actor=by, entity_type="claim", entity_id=claim.id, project_id=head.project_id,
                 action="sent to the client", new=f"{head.client_contact_name} <{address}>")
    if claim.proper_invoice_at is None:  # prompt payment counts from the first time it was given
        claim.proper_invoice_at = utcnow()
    db.session.commit()
    return address, True


def package_goes_by_email(claim: Claim) -> bool:
    """Whether the e-mail to the client carries the package as well as the PDF (its text says which)."""
    return claim_package.fits_in_email(claim, current_app.config["MAIL_ATTACHMENTS_MAX_BYTES"])


def client_email_attachments(message: OutboxMessage) -> list[tuple[str, str, bytes]]:
    """What the e-mail to the client carries, made when it is delivered: the pay application PDF, and the
    package when the claim's backup fits in an e-mail. A claim given back for changes meanwhile is not sent
    (its unsent e-mails are taken out of the outbox then: `_cancel_unsent`); this refuses the rest."""
    claim = db.session.get(Claim, message.claim_id)
    if claim.status in EDITABLE or claim.status is ClaimStatus.WITHDRAWN:
        raise ClaimRefused(f"Claim {claim.id} is {claim.status.value} again: not sent to the client.")
    # In the client's language: the own company's default (the client is no person of the app).
    language = emails.recipient_language(message)
    files = [(pay_application.filename(claim), "application/pdf",
              pay_application.render_pdf(pay_application.from_claim(claim, language)))]
    if not package_goes_by_email(claim):
        return files
    package = claim_package.build(claim, current_app.config["UPLOAD_FOLDER"], current_app.config["PACKAGE_MAX_BYTES"],
                                  language)
    return [*files, (pay_application.filename(claim, "package"), "application/pdf", package)]


def _cancel_unsent(claim: Claim, by: User) -> None:
    """Take the claim's e-mails to the client that no worker has sent or holds out of the outbox, in the
    caller's transaction: the client is not sent figures that are being changed."""
    now = utcnow()
    unsent = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == emails.HEAD_CLAIM_TO_CLIENT, OutboxMessage.claim_id == claim.id,
        OutboxMessage.status == OutboxStatus.PENDING,
        (OutboxMessage.claimed_until.is_(None)) | (OutboxMessage.claimed_until < now))).all()
    for message in unsent:
        db.session.delete(message)
        audit.record(actor=by, entity_type="claim", entity_id=claim.id, project_id=claim.commitment.project_id,
                     action="e-mail to the client cancelled", old=message.to_address,
                     new="not sent: the claim was given back for changes")


# --- prefill --------------------------------------------------------------------------------------


def _code(cost_code: str) -> str:
    """Cost codes match whatever their spacing and case ("03 30 00" is "03  30 00")."""
    return " ".join(cost_code.split()).casefold()


@dataclass(frozen=True)
class Feed:
    """One subcontractor claim line that feeds a head contract line."""

    claim_id: int
    claim_number: int
    commitment_id: int
    commitment_number: str
    vendor_name: str
    sov_line_id: int  # the subcontract's SOV line
    cost_code: str
    description: str
    this_period: Decimal
    stored: Decimal


@dataclass
class LineReport:
    """A head contract claim line as prefill leaves it (or would leave it)."""

    line_id: int | None  # None: the line is created by prefill (an SOV line added since the claim started)
    sov_line_id: int
    cost_code: str
    description: str
    prefilled_this_period: Decimal  # what the subcontractor claims say
    prefilled_stored: Decimal
    this_period: Decimal  # what is billed after prefill
    stored: Decimal
    adjusted: bool  # the admin's figures differ from the subcontractors' (kept unless overwritten)
    feeds: list[Feed] = field(default_factory=list)

    @property
    def kept(self) -> bool:
        """An adjusted line whose figures prefill did not touch."""
        return (self.this_period, self.stored) != (self.prefilled_this_period, self.prefilled_stored)


@dataclass(frozen=True)
class PendingClaim:
    """A subcontractor claim of the period that is not approved yet: prefill leaves it out."""

    claim_id: int
    claim_number: int
    commitment_id: int
    commitment_number: str
    vendor_name: str
    status: ClaimStatus


@dataclass(frozen=True)
class NotClaimed:
    """A commitment invited to bill this period (and not declined) without a claim yet."""

    commitment_id: int
    commitment_number: str
    vendor_name: str
    invite_status: InviteStatus


@dataclass(frozen=True)
class NeedsChoice:
    """A subcontractor line whose cost code the head contract has on several lines: left out until the admin
    chooses one (`choices={feed.sov_line_id: head SOV line id}`); the choice is remembered."""

    feed: Feed
    candidates: list[SovLine]


@dataclass
class PrefillReport:
    lines: list[LineReport] = field(default_factory=list)  # in SOV order
    pending: list[PendingClaim] = field(default_factory=list)
    not_claimed: list[NotClaimed] = field(default_factory=list)
    needs_choice: list[NeedsChoice] = field(default_factory=list)
    unmatched: list[Feed] = field(default_factory=list)  # no head contract line has their cost code
    over_scheduled: list[int] = field(default_factory=list)  # SOV line ids billed above their scheduled value

    def line(self, sov_line_id: int) -> LineReport:
        return next(line for line in self.lines if line.sov_line_id == sov_line_id)


def _period_claims(claim: Claim) -> list[Claim]:
    """The subcontractor claims of the head contract claim's period, on the same project (three statements)."""
    return list(db.session.scalars(
        select(Claim).join(Commitment, Claim.commitment_id == Commitment.id)
        .where(Claim.billing_period_id == claim.billing_period_id, Commitment.is_subcontract,
               Commitment.project_id == claim.commitment.project_id)
        .options(selectinload(Claim.commitment).selectinload(Commitment.vendor),
                 selectinload(Claim.lines).selectinload(ClaimLine.sov_line))
        .order_by(Commitment.number)))


def plan_prefill(claim: Claim, *, overwrite: set[int] | None = None,
                 choices: dict[int, int] | None = None) -> PrefillReport:
    """What prefill would do to the claim, and where each figure comes from; writes nothing. `choices` maps a
    subcontract SOV line id to the head contract SOV line id it goes to (Invalid for a line that is not the
    head contract's)."""
    overwrite, choices = overwrite or set(), choices or {}
    head_lines = list(claim.commitment.sov_lines)
    head_by_id = {s.id: s for s in head_lines}
    for head_id in choices.values():
        if head_id not in head_by_id:
            raise Invalid("choices", gettext("Choose one of the head contract's lines."))
    by_code: dict[str, list[SovLine]] = defaultdict(list)
    for sov_line in head_lines:
        by_code[_code(sov_line.cost_code)].append(sov_line)
    report = PrefillReport()
    feeds: dict[int, list[Feed]] = defaultdict(list)
    for sub in _period_claims(claim):
        commitment = sub.commitment
        if sub.status not in COUNTS_AS_BILLED:
            if sub.status is not ClaimStatus.WITHDRAWN:  # a withdrawn claim counts for nothing
                report.pending.append(PendingClaim(sub.id, sub.number, commitment.id, commitment.number,
                                                   commitment.vendor.name, sub.status))
            continue
        for line in sorted(sub.lines, key=lambda line: line.sov_line.position):
            this_period, stored = line.work_completed_this_period, line.materials_presently_stored
            if this_period == 0 and stored == 0:
                continue
            sov_line = line.sov_line
            feed = Feed(sub.id, sub.number, commitment.id, commitment.number, commitment.vendor.name, sov_line.id,
                        sov_line.cost_code, sov_line.description, this_period, stored)
            candidates = by_code.get(_code(sov_line.cost_code), [])
            target = choices.get(sov_line.id)
            if target is None and sov_line.head_contract_line_id in head_by_id:
                target = sov_line.head_contract_line_id
            if target is None and len(candidates) == 1:
                target = candidates[0].id
            if target is not None:
                feeds[target].append(feed)
            elif candidates:
                report.needs_choice.append(NeedsChoice(feed, candidates))
            else:
                report.unmatched.append(feed)
    report.not_claimed = _not_claimed(claim)
    by_sov = claim.lines_by_sov
    for sov_line in head_lines:
        line = by_sov.get(sov_line.id)
        fed = feeds.get(sov_line.id, [])
        new = (sum((f.this_period for f in fed), ZERO), sum((f.stored for f in fed), ZERO))
        adjusted = line is not None and is_adjusted(line)
        if adjusted and line.id not in overwrite:  # type: ignore[union-attr]
            billed = (line.work_completed_this_period, line.materials_presently_stored)  # type: ignore[union-attr]
        else:
            billed = new
        report.lines.append(LineReport(line.id if line else None, sov_line.id, sov_line.cost_code,
                                       sov_line.description, new[0], new[1], billed[0], billed[1], adjusted, fed))
    report.over_scheduled = _over_scheduled(claim, report)
    return report


def _not_claimed(claim: Claim) -> list[NotClaimed]:
    """Invited (or accepted) commitments of the period with no claim in it: missing from prefill too."""
    rows = db.session.execute(
        select(Commitment.id, Commitment.number, Company.name, Invite.status)
        .join(Invite, Invite.commitment_id == Commitment.id).join(Company, Company.id == Commitment.vendor_id)
        .where(Invite.billing_period_id == claim.billing_period_id, Invite.status != InviteStatus.DECLINED,
               Commitment.is_subcontract,
               ~exists().where(Claim.commitment_id == Commitment.id,
                               Claim.billing_period_id == claim.billing_period_id))
        .order_by(Commitment.number)).all()
    return [NotClaimed(*row) for row in rows]


def _over_scheduled(claim: Claim, report: PrefillReport) -> list[int]:
    if claim.commitment.project.allow_overbilling:
        return []
    lines, _ = claims.figures(claim, {r.sov_line_id: (r.this_period, r.stored, None) for r in report.lines})
    return [s.id for s, f in zip(claims.contract(claim).sov_lines, lines, strict=True)
            if f.completed_and_stored > f.scheduled_value]


def check_prefill(claim: Claim, by: User) -> None:
    """ClaimRefused unless `by` may prefill the claim now: before the page asks what prefill may overwrite."""
    _require_head_claim(claim, by)
    period = claim.billing_period
    if not period.is_open:
        raise ClaimRefused(gettext("%(period)s is closed: its head contract claim can no longer be prefilled.",
                                   period=period_name(period)))
    _require_editable(claim, "prefilled")


def prefill_questions(report: PrefillReport) -> tuple[list[LineReport], list[NeedsChoice]]:
    """What prefill has to ask before it writes: the adjusted lines whose figures it would change, and the
    subcontractor lines whose cost code is on several head contract lines."""
    return [line for line in report.lines if line.adjusted and line.kept], list(report.needs_choice)


def prefill(claim: Claim, by: User, *, overwrite: set[int] | None = None,
            choices: dict[int, int] | None = None) -> PrefillReport:
    """Fill each line's work this period (E) and stored materials (F) from the period's Approved and Approved
    as Noted subcontractor claims, by cost code, keeping what they said beside what is billed. Adjusted lines
    keep the admin's figures unless their claim line id is in `overwrite`; a subcontract line whose cost code
    is on several head contract lines waits for a choice (`choices`, remembered on the subcontract line).
    ClaimRefused, nothing written, for a closed period or a claim that is not Draft or Revise and Resubmit."""
    check_prefill(claim, by)
    period = claim.billing_period
    report = plan_prefill(claim, overwrite=overwrite, choices=choices)
    project_id = period.project_id
    sub_lines = {f.sov_line_id for line in report.lines for f in line.feeds}
    for sov_line_id, head_id in (choices or {}).items():
        sub_line = db.session.get(SovLine, sov_line_id)
        if sov_line_id in sub_lines and sub_line is not None and sub_line.head_contract_line_id != head_id:
            head_line = db.session.get(SovLine, head_id)
            record_event(sub_line.commitment, by, "SOV line: head contract line chosen", f"line {sub_line.id}",
                         old="", new=f"{head_line.cost_code} {head_line.description}")  # type: ignore[union-attr]
            sub_line.head_contract_line_id = head_id
    by_sov = claim.lines_by_sov
    sov_lines = {s.id: s for s in claim.commitment.sov_lines}
    for planned in report.lines:
        line = by_sov.get(planned.sov_line_id)
        if line is None:  # an SOV line added (a change order) after the claim was started
            line = ClaimLine(sov_line=sov_lines[planned.sov_line_id], work_completed_this_period=ZERO,
                             materials_presently_stored=ZERO)
            claim.lines.append(line)
        for name, new in [("work_completed_this_period", planned.this_period),
                          ("materials_presently_stored", planned.stored)]:
            old = getattr(line, name)
            if old != new:
                audit.record(actor=by, entity_type="claim", entity_id=claim.id, project_id=project_id,
                             action=f"line {planned.cost_code} prefilled", field=name, old=old, new=new)
                setattr(line, name, new)
                line.pct_complete_entered = None
        line.prefilled_this_period, line.prefilled_stored = planned.prefilled_this_period, planned.prefilled_stored
    db.session.flush()
    for planned in report.lines:
        planned.line_id = claim.lines_by_sov[planned.sov_line_id].id
    claims.refresh_snapshot(claim)
    claim.updated_at = utcnow()
    audit.record(actor=by, entity_type="claim", entity_id=claim.id, project_id=project_id, action="prefilled",
                 new=f"from {sum(1 for _ in {f.claim_id for line in report.lines for f in line.feeds})} "
                     "approved subcontractor claims")
    db.session.commit()
    return report


# --- position -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """Billed to the client against owed to subcontractors, for a period and to date, and the retention held
    on each side (to date). Subcontractor figures count Approved and Approved as Noted claims only; the head
    contract side counts this period's claim whatever its status (it is what is billed), withdrawn excepted."""

    head_claim: Claim | None
    billed_this_period: Decimal  # the head contract claim's current amount due (line 8)
    owed_this_period: Decimal  # the approved subcontractor claims' current amounts due
    billed_to_date: Decimal  # line 6 (earned less retention) of the head contract claim
    owed_to_date: Decimal  # line 6 of each subcontract's latest approved claim up to this period
    retention_held_by_client: Decimal  # line 5 of the head contract claim
    retention_held_from_subcontractors: Decimal  # line 5 of the same subcontractor claims as owed to date

    @property
    def difference_this_period(self) -> Decimal:
        return self.billed_this_period - self.owed_this_period

    @property
    def difference_to_date(self) -> Decimal:
        return self.billed_to_date - self.owed_to_date

    @property
    def retention_difference(self) -> Decimal:
        return self.retention_held_by_client - self.retention_held_from_subcontractors


def position(project: Project, period: BillingPeriod) -> Position:
    """The project's position for the period, from the figures stored on the claims (three statements)."""
    head = head_contract_of(project)
    head_claim = claim_for(project, period) if head is not None else None
    latest_head = head_claim if head_claim is not None and head_claim.status is not ClaimStatus.WITHDRAWN else None
    if latest_head is None and head is not None:  # no claim this period: to date is the last approved one
        latest_head = db.session.scalar(
            select(Claim).join(BillingPeriod, Claim.billing_period_id == BillingPeriod.id)
            .where(Claim.commitment_id == head.id, Claim.status.in_(COUNTS_AS_BILLED),
                   BillingPeriod.start_date < period.start_date)
            .order_by(BillingPeriod.start_date.desc()).limit(1))
    this_period_head = latest_head if latest_head is not None and latest_head.billing_period_id == period.id else None
    rows = db.session.execute(
        select(Claim.commitment_id, Claim.billing_period_id, BillingPeriod.start_date, Claim.current_amount_due,
               Claim.earned_less_retention, Claim.retention_total)
        .join(Commitment, Claim.commitment_id == Commitment.id)
        .join(BillingPeriod, Claim.billing_period_id == BillingPeriod.id)
        .where(Commitment.project_id == project.id, Commitment.is_subcontract,
               Claim.status.in_(COUNTS_AS_BILLED), BillingPeriod.start_date <= period.start_date)
    ).all()
    latest: dict[int, tuple] = {}
    for row in rows:
        if row.commitment_id not in latest or row.start_date > latest[row.commitment_id].start_date:
            latest[row.commitment_id] = row
    return Position(
        head_claim=head_claim,
        billed_this_period=this_period_head.current_amount_due if this_period_head else ZERO,
        owed_this_period=sum((r.current_amount_due for r in rows if r.billing_period_id == period.id), ZERO),
        billed_to_date=latest_head.earned_less_retention if latest_head else ZERO,
        owed_to_date=sum((r.earned_less_retention for r in latest.values()), ZERO),
        retention_held_by_client=latest_head.retention_total if latest_head else ZERO,
        retention_held_from_subcontractors=sum((r.retention_total for r in latest.values()), ZERO),
    )


__all__ = ["Feed", "HeadContractData", "LineReport", "NeedsChoice", "NotClaimed", "PendingClaim", "Position",
           "PrefillReport", "check_prefill", "claim_for", "create_head_contract", "head_contract_of", "is_adjusted",
           "plan_prefill", "position", "prefill", "prefill_questions", "record_client_decision", "save_lines",
           "send_to_client", "start_claim", "submit_to_client", "update_head_contract"]
