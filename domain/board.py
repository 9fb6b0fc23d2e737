"""The Progress Billings board: one row per commitment for a billing period, and its counts.

Loaded in a fixed number of statements whatever the number of rows: one for the rows
(commitment, vendor, invite, claim and every figure as a column) and one for the
progress claim contacts of the whole project. Both read plain columns into small read-only
views (`CommitmentView`, `InviteView`, `ClaimView`, `Contact`), not ORM entities: building
and tracking entities was a third of a 1,000-row page's time, and the board changes nothing.
"""

from __future__ import annotations

import enum
import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext, pgettext
from sqlalchemy import and_, bindparam, case, exists, func, select
from sqlalchemy.orm import aliased

from domain.claims import COUNTS_AS_BILLED, amount_due_with_tax
from domain.clock import project_today
from domain.locales import N_
from domain.models import (
    AccessLevel,
    BillingPeriod,
    Claim,
    ClaimStatus,
    Commitment,
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
    commitment_claim_contacts,
    db,
)
from domain.money import HUNDRED, ZERO, as_cents, from_cents, percent_of, sum_cents
from domain.periods import dates_name
from domain.permissions import visible_commitments
from domain.statuses import CLOSED


class Reason(enum.Enum):
    """Why a row cannot be invited (SPEC §3), in the order they are shown."""

    NOT_APPROVED = "not_approved"
    NO_CONTACT = "no_contact"
    SOV_NOT_APPROVED = "sov_not_approved"
    FULLY_BILLED = "fully_billed"
    DUE_PASSED = "due_passed"


@dataclass(frozen=True)
class OpenClaimElsewhere:
    """A reason that carries its facts: another claim of the commitment, of another period, is not yet
    Approved, Approved as Noted or Withdrawn, so no claim starts here (SPEC §9)."""

    number: int
    period_name: str


# What the board reads of each record: plain values, the same attribute names as the models, so that
# code reading a row (the page, the exports, the invite services) reads it the same way.


@dataclass(slots=True)
class Vendor:
    name: str


@dataclass(slots=True)
class CommitmentView:
    id: int
    number: str
    title: str
    vendor: Vendor
    status: CommitmentStatus
    sov_status: SovStatus
    is_private: bool


@dataclass(slots=True)
class InviteView:
    id: int
    status: InviteStatus
    decline_reason: str
    first_sent_at: datetime
    last_sent_at: datetime
    send_count: int
    last_reminded_at: datetime | None = None
    reminders_muted_at: datetime | None = None


@dataclass(slots=True)
class ClaimView:
    id: int
    number: int
    status: ClaimStatus
    work_completed_to_date: Decimal
    total_completed_and_stored: Decimal
    retention_total: Decimal
    current_amount_due: Decimal
    sales_tax: Decimal  # on line 8 (domain/g702.tax_figures)
    holdback_release: Decimal | None = None  # what a release claim releases (domain/holdback.py)


@dataclass(slots=True)
class Contact:
    """A progress claim contact of a commitment."""

    id: int
    name: str
    email: str
    active: bool


# Filters: the four invite states, then the claim statuses.
NOT_INVITED = "not_invited"
INVITE_FILTERS = {NOT_INVITED: "Not Invited", **{s.name.lower(): s.value for s in InviteStatus}}
CLAIM_FILTERS = {f"claim_{s.name.lower()}": s.value for s in ClaimStatus}
FILTERS = {**INVITE_FILTERS, **CLAIM_FILTERS}

# Amount due that is owed or on its way: the contact has submitted it. A Draft (or a claim sent back
# to be revised) is not money owed yet, so the totals keep it apart.
SUBMITTED = frozenset({ClaimStatus.UNDER_REVIEW, ClaimStatus.PENDING_OWNER_APPROVAL,
                       ClaimStatus.APPROVED_AS_NOTED, ClaimStatus.APPROVED})

# Sorting: the column keys the URL may name (anything else is ignored), each with its row key.
# Sorted in Python over the rows already loaded: no SQL is ever built from the URL.
_INVITE_ORDER = {key: n for n, key in enumerate(INVITE_FILTERS)}
_CLAIM_ORDER = {status: n for n, status in enumerate(ClaimStatus, start=1)}
SORTS = {
    "number": lambda r: r.commitment.number.casefold(),
    "title": lambda r: r.commitment.title.casefold(),
    "vendor": lambda r: r.commitment.vendor.name.casefold(),
    "contact": lambda r: (not r.contacts, r.contacts[0].name.casefold() if r.contacts else ""),
    "invite": lambda r: _INVITE_ORDER[r.invite_key],
    "claim": lambda r: _CLAIM_ORDER[r.claim.status] if r.claim else 0,
    "due": lambda r: (r.claim is not None, r.amount_due or ZERO),
    "complete": lambda r: r.percent_complete,
}
DEFAULT_SORT = "number"
MAX_SEARCH = 100  # characters of a search that count; the rest of a longer one is dropped


def clean_search(text: str | None) -> str:
    """What a search box sent, as the board matches it: printable, trimmed, at most MAX_SEARCH characters."""
    text = "".join(ch for ch in (text or "")[:MAX_SEARCH * 4] if ch.isprintable())
    return " ".join(text.split())[:MAX_SEARCH]


@dataclass(slots=True)
class Row:
    commitment: CommitmentView
    contacts: list[Contact]  # the commitment's progress claim contacts, by name
    invite: InviteView | None
    claim: ClaimView | None
    sender_name: str
    scheduled_value: Decimal
    billed_to_date: Decimal  # G of the last Approved claim before this period
    mail_queued: int  # e-mails of this invite not yet accepted by the SMTP server
    mail_failing: bool  # ... of which at least one failed and is being retried
    open_elsewhere: OpenClaimElsewhere | None = None
    reasons: list[Reason | OpenClaimElsewhere] = field(default_factory=list)
    retention_before: Decimal = ZERO  # retention (holdback) to date of the last Approved claim before this period

    @property
    def invite_key(self) -> str:
        return self.invite.status.name.lower() if self.invite else NOT_INVITED

    @property
    def invite_label(self) -> str:
        return INVITE_FILTERS[self.invite_key]

    @property
    def selectable(self) -> bool:
        return self.invite is None and not self.reasons

    @property
    def can_create_claim(self) -> bool:
        """An admin may start the claim for the contact at any time, even after the due date."""
        return (self.claim is None and self.invite_key != "declined"
                and all(r is Reason.DUE_PASSED for r in self.reasons))

    # Worked out once, when the row is made: a 1,000-row page reads them several times per row.
    to_date: Decimal = field(init=False)  # completed and stored: this period's claim, else what was approved
    percent_complete: Decimal = field(init=False)
    bar_width: Decimal = field(init=False)  # the % bar, never wider than its track
    bar_fraction: Decimal = field(init=False)  # ... as a <progress> value (0 to 1)
    retention_held: Decimal = field(init=False)  # line 5 of the last approved claim (this period's, once approved)

    def __post_init__(self) -> None:
        counted = self.claim is not None and self.claim.status is not ClaimStatus.WITHDRAWN  # counts for nothing
        self.to_date = self.claim.total_completed_and_stored if counted else self.billed_to_date
        # Held is line 5 of the last approved claim (as holdback.holdback_held, the commitment's page and the Head
        # Contract tab say): this period's claim, a release or not, changes it once approved, not while it waits.
        approved = self.claim is not None and self.claim.status in COUNTS_AS_BILLED
        self.retention_held = self.claim.retention_total if approved else self.retention_before
        self.percent_complete = percent_of(self.to_date, self.scheduled_value)
        self.bar_width = min(self.percent_complete, HUNDRED)
        self.bar_fraction = self.bar_width / HUNDRED

    @property
    def amount_due(self) -> Decimal | None:
        """This period's current amount due with its sales tax (line 8 and each tax, as the claim page's
        "Current amount due"); None without a claim, 0 for a withdrawn one."""
        claim = self.claim
        if claim is None:
            return None
        return ZERO if claim.status is ClaimStatus.WITHDRAWN else amount_due_with_tax(claim)

    def matches(self, status_filter: str | None) -> bool:
        if not status_filter:
            return True
        if status_filter in INVITE_FILTERS:
            return self.invite_key == status_filter
        return self.claim is not None and f"claim_{self.claim.status.name.lower()}" == status_filter

    def found_by(self, search: str) -> bool:
        """The search is part of the contract number, title, vendor or a contact's name, in any case.
        Plain text: % and _ are the characters themselves, never wildcards."""
        if not search:
            return True
        needle = search.casefold()
        c = self.commitment
        return any(needle in text.casefold()
                   for text in (c.number, c.title, c.vendor.name, *(u.name for u in self.contacts)))


@dataclass(frozen=True)
class Totals:
    """The shown rows added up (Decimal, already in cents: no rounding here)."""

    rows: int
    scheduled_value: Decimal
    billed_to_date: Decimal
    to_date: Decimal
    retention_held: Decimal
    due_submitted: Decimal  # amount due (with its tax, as on the rows) of claims submitted or approved
    due_draft: Decimal  # amount due of claims still in Draft or sent back to revise: not owed yet
    drafts: int
    taxed: bool = False  # a shown claim bills sales tax: its amount due is with it

    @classmethod
    def of(cls, rows: list[Row]) -> Totals:
        # a withdrawn claim counts for nothing: neither owed nor on its way
        claimed = [r for r in rows if r.claim and r.claim.status is not ClaimStatus.WITHDRAWN]
        submitted = [r.amount_due for r in claimed if r.claim.status in SUBMITTED]
        drafts = [r.amount_due for r in claimed if r.claim.status not in SUBMITTED]
        return cls(rows=len(rows),
                   scheduled_value=sum((r.scheduled_value for r in rows), ZERO),
                   billed_to_date=sum((r.billed_to_date for r in rows), ZERO),
                   to_date=sum((r.to_date for r in rows), ZERO),
                   retention_held=sum((r.retention_held for r in rows), ZERO),
                   due_submitted=sum(submitted, ZERO), due_draft=sum(drafts, ZERO), drafts=len(drafts),
                   taxed=any(r.claim.sales_tax for r in claimed))


@dataclass
class Board:
    project: Project
    period: BillingPeriod | None
    periods: list[BillingPeriod]
    all_rows: list[Row]
    status_filter: str | None
    today: date
    sort: str = DEFAULT_SORT
    descending: bool = False
    search: str = ""
    _by_id: dict[int, Row] = field(default_factory=dict, repr=False)
    _shown: tuple[tuple, list[Row]] | None = field(default=None, repr=False)  # type: ignore[type-arg]

    @property
    def rows(self) -> list[Row]:
        """The rows shown: filtered, searched, sorted (ties by contract number, as loaded). Worked out once
        for a view of the board (a page asks for them five times), again when the view or a row changes."""
        view = (self.status_filter, self.search, self.sort, self.descending, *map(id, self.all_rows))
        if self._shown is not None and self._shown[0] == view:
            return list(self._shown[1])
        rows = [r for r in self.all_rows if r.matches(self.status_filter) and r.found_by(self.search)]
        if self.sort != DEFAULT_SORT or self.descending:
            rows.sort(key=SORTS[self.sort], reverse=self.descending)
        self._shown = (view, rows)
        return list(rows)

    @property
    def totals(self) -> Totals:
        return Totals.of(self.rows)

    def view_args(self, **changes: str | None) -> dict[str, str]:
        """The URL arguments that show this view of the board (filter, sort, search), with `changes`;
        defaults are left out so that URLs stay short."""
        args = {"status": self.status_filter, "sort": None if self.sort == DEFAULT_SORT else self.sort,
                "dir": "desc" if self.descending else None, "q": self.search or None, **changes}
        return {key: value for key, value in args.items() if value}

    def sort_args(self, key: str) -> dict[str, str]:
        """The URL arguments of a click on column `key`'s header: ascending, or the other way round if sorted by it."""
        flip = self.sort == key and not self.descending
        return self.view_args(sort=None if key == DEFAULT_SORT else key, dir="desc" if flip else None)

    @property
    def status_filter_words(self) -> str:
        """The filter shown, as its count reads it ("Under Review"), for a page to translate; "" for none."""
        return FILTERS.get(self.status_filter or "", "")

    def aria_sort(self, key: str) -> str:
        if self.sort != key:
            return "none"
        return "descending" if self.descending else "ascending"

    @property
    def counts(self) -> Counter[str]:
        counts: Counter[str] = Counter({key: 0 for key in FILTERS})
        for row in self.all_rows:
            counts[row.invite_key] += 1
            if row.claim is not None:
                counts[f"claim_{row.claim.status.name.lower()}"] += 1
        return counts

    @property
    def can_send(self) -> bool:
        """Invites go out only for the Open period."""
        return self.period is not None and self.period.is_open

    @property
    def selectable_count(self) -> int:
        return sum(1 for r in self.rows if r.selectable)

    def row_for(self, commitment_id: int) -> Row | None:
        if len(self._by_id) != len(self.all_rows):
            self._by_id = {r.commitment.id: r for r in self.all_rows}
        return self._by_id.get(commitment_id)


def periods_of(project: Project) -> list[BillingPeriod]:
    return list(db.session.scalars(
        select(BillingPeriod).where(BillingPeriod.project_id == project.id).order_by(BillingPeriod.number.desc())
    ))


def choose_period(periods: list[BillingPeriod], period_id: int | None) -> BillingPeriod | None:
    """The asked-for period, else the Open one, else the newest."""
    if period_id is not None:
        chosen = next((p for p in periods if p.id == period_id), None)
        if chosen is not None:
            return chosen
    return next((p for p in periods if p.is_open), periods[0] if periods else None)


def load_board(
    project: Project,
    user: User,
    level: AccessLevel,
    *,
    period_id: int | None = None,
    status_filter: str | None = None,
    sort: str | None = None,
    direction: str | None = None,
    search: str | None = None,
    periods: list[BillingPeriod] | None = None,
) -> Board:
    """The board of a period; an unknown filter, sort or direction is ignored, a search is cleaned."""
    periods = periods if periods is not None else periods_of(project)
    period = choose_period(periods, period_id)
    today = project_today(project)
    rows = load_rows(project, period, user, level, today) if period else []
    return Board(project=project, period=period, periods=periods, all_rows=rows,
                 status_filter=status_filter if status_filter in FILTERS else None, today=today,
                 sort=sort if sort in SORTS else DEFAULT_SORT, descending=direction == "desc",
                 search=clean_search(search))


def load_rows(
    project: Project, period: BillingPeriod, user: User, level: AccessLevel, today: date,
    commitment_ids: list[int] | None = None,
) -> list[Row]:
    query = _rows_query().where(visible_commitments(user, level))
    if commitment_ids is not None:
        query = query.where(Commitment.id.in_(commitment_ids))
    # Columns only, through the session's connection: no ORM entities to build or track.
    results = db.session.connection().execute(query, {"project_id": project.id, "period_id": period.id,
                                                      "period_start": period.start_date}).all()
    contacts = _claim_contacts(project)
    no_contacts: list[Contact] = []
    rows = []
    for (cid, number, title, vendor_name, status, sov_status, is_private,
         invite_id, invite_status, decline_reason, first_sent_at, last_sent_at, send_count, last_reminded_at,
         reminders_muted_at,
         claim_id, claim_number, claim_status, work_to_date, completed_and_stored, retention_total, amount_due,
         sales_tax, holdback_release, sender_name, scheduled_cents, billed_cents, held_cents, mail_queued, mail_failing,
         open_number, open_start, open_end) in results:
        row = Row(
            commitment=CommitmentView(cid, number, title, Vendor(vendor_name), status, sov_status, is_private),
            contacts=contacts.get(cid, no_contacts),
            invite=(InviteView(invite_id, invite_status, decline_reason, first_sent_at, last_sent_at, send_count,
                               last_reminded_at, reminders_muted_at) if invite_id is not None else None),
            claim=(ClaimView(claim_id, claim_number, claim_status, work_to_date, completed_and_stored,
                             retention_total, amount_due, sales_tax, holdback_release)
                   if claim_id is not None else None),
            sender_name=sender_name or "",
            scheduled_value=from_cents(scheduled_cents), billed_to_date=from_cents(billed_cents),
            mail_queued=mail_queued or 0, mail_failing=bool(mail_failing),
            open_elsewhere=(OpenClaimElsewhere(open_number, dates_name(open_start, open_end))
                            if open_number is not None else None),
            retention_before=from_cents(held_cents),
        )
        row.reasons = reasons_not_to_invite(row, period, today)
        rows.append(row)
    return rows


@functools.cache
def _rows_query():  # type: ignore[no-untyped-def]
    """The rows' statement with its values bound at execution: built once, not for every page
    (building it was a seventh of a 100-row page's time)."""
    project_id, period_id, period_start = bindparam("project_id"), bindparam("period_id"), bindparam("period_start")
    sender = aliased(User)
    earlier_period = aliased(BillingPeriod)
    scheduled = (
        select(sum_cents(SovLine.original_value + SovLine.approved_changes))
        .where(SovLine.commitment_id == Commitment.id)
        .scalar_subquery()
    )
    def last_approved(column):  # type: ignore[no-untyped-def]
        """`column` of the commitment's last Approved claim before this period (in cents)."""
        return (
            select(as_cents(column))
            .join(earlier_period, Claim.billing_period_id == earlier_period.id)
            .where(
                Claim.commitment_id == Commitment.id,
                Claim.status.in_(COUNTS_AS_BILLED),
                earlier_period.start_date < period_start,
            )
            .order_by(earlier_period.start_date.desc())
            .limit(1)
            .scalar_subquery()
        )

    billed, held = last_approved(Claim.total_completed_and_stored), last_approved(Claim.retention_total)
    queued = (
        select(func.count(OutboxMessage.id))
        .where(OutboxMessage.invite_id == Invite.id, OutboxMessage.status == OutboxStatus.PENDING)
        .scalar_subquery()
    )
    failing = exists().where(
        OutboxMessage.invite_id == Invite.id,
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.attempts > 0,
    )
    # A row not invited has no e-mails: asked only for the invited ones (NULL otherwise, read as none).
    queued, failing = (case((Invite.id.is_(None), None), else_=queued),
                       case((Invite.id.is_(None), None), else_=failing))
    # The commitment's open claim of another period, if any: a small grouped table joined once, so the rows
    # stay one statement. The rule keeps one open claim per commitment; data from before it may hold more,
    # and then the first number and the earliest period are named.
    open_period = aliased(BillingPeriod)
    oldest_open = (
        select(Claim.commitment_id, func.min(Claim.number).label("number"),
               func.min(open_period.start_date).label("start"), func.min(open_period.end_date).label("end"))
        .join(open_period, Claim.billing_period_id == open_period.id)
        .where(open_period.project_id == project_id, open_period.id != period_id, Claim.status.not_in(CLOSED))
        .group_by(Claim.commitment_id)
        .subquery()
    )
    return (
        select(Commitment.id, Commitment.number, Commitment.title, Company.name, Commitment.status,
               Commitment.sov_status, Commitment.is_private,
               Invite.id, Invite.status, Invite.decline_reason, Invite.first_sent_at, Invite.last_sent_at,
               Invite.send_count, Invite.last_reminded_at, Invite.reminders_muted_at,
               Claim.id, Claim.number, Claim.status, Claim.work_completed_to_date,
               Claim.total_completed_and_stored, Claim.retention_total, Claim.current_amount_due, Claim.sales_tax,
               Claim.holdback_release, sender.name, scheduled, billed, held, queued, failing, oldest_open.c.number,
               oldest_open.c.start, oldest_open.c.end)
        .join(Company, Company.id == Commitment.vendor_id)
        .outerjoin(Invite, and_(Invite.commitment_id == Commitment.id, Invite.billing_period_id == period_id))
        .outerjoin(Claim, and_(Claim.commitment_id == Commitment.id, Claim.billing_period_id == period_id))
        .outerjoin(sender, Invite.sent_by_id == sender.id)
        .outerjoin(oldest_open, oldest_open.c.commitment_id == Commitment.id)
        .where(Commitment.project_id == project_id, Commitment.is_subcontract)
        .order_by(Commitment.number)
    )


def _claim_contacts(project: Project) -> dict[int, list[Contact]]:
    """Every claim contact of the project's commitments, in one statement (selectinload would
    send one per 500 commitments)."""
    contacts: dict[int, list[Contact]] = defaultdict(list)
    # fetched at once: row by row costs a call into the driver for each
    for commitment_id, user_id, name, email, active in db.session.connection().execute(
            _contacts_query(), {"project_id": project.id}).all():
        contacts[commitment_id].append(Contact(user_id, name, email, active))
    return contacts


@functools.cache
def _contacts_query():  # type: ignore[no-untyped-def]
    link = commitment_claim_contacts.c
    return (
        select(link.commitment_id, User.id, User.name, User.email, User.active)
        .join(User, User.id == link.user_id)
        .join(Commitment, Commitment.id == link.commitment_id)
        .where(Commitment.project_id == bindparam("project_id"))
        .order_by(User.name)
    )


def reasons_not_to_invite(row: Row, period: BillingPeriod, today: date) -> list[Reason | OpenClaimElsewhere]:
    c = row.commitment
    reasons: list[Reason | OpenClaimElsewhere] = []
    if c.status is not CommitmentStatus.APPROVED:
        reasons.append(Reason.NOT_APPROVED)
    if not any(u.active for u in row.contacts):
        reasons.append(Reason.NO_CONTACT)
    if c.sov_status is not SovStatus.APPROVED:
        reasons.append(Reason.SOV_NOT_APPROVED)
    elif row.scheduled_value > ZERO and row.billed_to_date >= row.scheduled_value:
        reasons.append(Reason.FULLY_BILLED)
    if row.claim is None and row.open_elsewhere is not None:
        reasons.append(row.open_elsewhere)  # neither an invite nor a claim on behalf until it is finished
    if period.due_date < today:
        reasons.append(Reason.DUE_PASSED)
    return reasons


def reason_text(reason: Reason | OpenClaimElsewhere, commitment: CommitmentView, term) -> str:  # type: ignore[no-untyped-def]
    """The words a person reads on the row, in the language being written."""
    if isinstance(reason, OpenClaimElsewhere):
        return gettext("Finish %(claim)s #%(number)s for %(period)s first", claim=term("claim").lower(),
                       number=reason.number, period=reason.period_name)
    if reason is Reason.NOT_APPROVED:
        return gettext("Not approved (status: %(status)s)", status=pgettext("commitment", commitment.status.value))
    if reason is Reason.NO_CONTACT:
        return gettext("No %(contact)s", contact=term("claim_contact").lower())
    return gettext(_FIXED_REASONS[reason])  # worded once per answer (board_rows): every row of a long board has one


_FIXED_REASONS = {
    Reason.SOV_NOT_APPROVED: N_("Schedule of values not approved"),
    Reason.FULLY_BILLED: N_("100% billed"),
    Reason.DUE_PASSED: N_("Due date has passed"),
}


__all__ = ["SORTS", "Board", "ClaimView", "CommitmentView", "Contact", "InviteView", "OpenClaimElsewhere", "Reason",
           "Row", "Totals", "clean_search", "load_board", "load_rows", "reason_text"]
