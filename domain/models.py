"""The whole data model (SPEC §2) as typed SQLAlchemy 2 models.

Constraints that must never be broken live in the database, not only in code:
one invite and one claim per commitment and billing period, at most one Open billing
period per project, commitment numbers unique per project, user e-mail unique whatever
its case. Money columns are NUMERIC(14, 2) and load as `Decimal`.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from domain.clock import utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)

MONEY = Numeric(14, 2)
PERCENT = Numeric(7, 4)


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as VARCHAR holding the member name: portable, and readable in psql.
    return Enum(cls, name=name, native_enum=False, length=40, validate_strings=True)


class Dictionary(enum.Enum):
    SPECIALTY = "Specialty contractor"
    GENERAL = "General contractor"
    OWNER = "Owner"


class Country(enum.Enum):
    US = "United States"
    CA = "Canada"


class Currency(enum.Enum):
    USD = "USD"
    CAD = "CAD"


class AccessLevel(enum.IntEnum):
    """Permission on a project's Commitments tool; Progress Billings follows it."""

    NONE = 0
    READ_ONLY = 1
    STANDARD = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").title()


class CommitmentKind(enum.Enum):
    SUBCONTRACT = "Subcontract"
    PURCHASE_ORDER = "Purchase Order"
    # The contractor's own contract with its client (domain/head_contract.py): at most one per project.
    HEAD_CONTRACT = "Head Contract"


# What a person creates or imports as a commitment; the head contract has its own pages.
SUBCONTRACT_KINDS = (CommitmentKind.SUBCONTRACT, CommitmentKind.PURCHASE_ORDER)


class CommitmentStatus(enum.Enum):
    DRAFT = "Draft"
    OUT_FOR_SIGNATURE = "Out for Signature"
    APPROVED = "Approved"
    COMPLETE = "Complete"
    TERMINATED = "Terminated"
    VOID = "Void"


class SovStatus(enum.Enum):
    DRAFT = "Draft"
    APPROVED = "Approved"


class PeriodStatus(enum.Enum):
    OPEN = "Open"
    CLOSED = "Closed"


class InviteStatus(enum.Enum):
    # "Not Invited" is the absence of an invite row.
    INVITED = "Invited"
    ACCEPTED = "Accepted"
    DECLINED = "Declined"


class ClaimStatus(enum.Enum):
    DRAFT = "Draft"
    UNDER_REVIEW = "Under Review"
    REVISE_AND_RESUBMIT = "Revise and Resubmit"
    PENDING_OWNER_APPROVAL = "Pending Owner Approval"
    APPROVED_AS_NOTED = "Approved as Noted"
    APPROVED = "Approved"
    WITHDRAWN = "Withdrawn"


class LineReview(enum.Enum):
    PENDING = "Pending"
    APPROVED = "Approved"
    REJECTED = "Rejected"


class ReminderKind(enum.Enum):
    BEFORE_DUE = "Before the due date"
    ON_DUE = "On the due date"
    OVERDUE = "Overdue"
    MANUAL = "Remind now"


class OutboxStatus(enum.Enum):
    PENDING = "Pending"
    SENT = "Sent"


class Company(db.Model):
    __tablename__ = "companies"
    __table_args__ = (
        # One install is one contracting company: at most one row is the own company.
        Index(
            "uq_companies_one_own",
            "is_own",
            unique=True,
            sqlite_where=text("is_own = 1"),
            postgresql_where=text("is_own"),
        ),
        CheckConstraint("default_retention_pct >= 0 AND default_retention_pct <= 100", name="retention_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    is_own: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str] = mapped_column(String(500), default="")
    trade: Mapped[str] = mapped_column(String(120), default="")
    dictionary: Mapped[Dictionary] = mapped_column(_enum(Dictionary, "dictionary"), default=Dictionary.SPECIALTY)
    default_retention_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("10.00"))
    invite_message: Mapped[str] = mapped_column(Text, default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    # When progress claim contacts are reminded (domain/reminders.py); None: the defaults.
    reminder_policy_id: Mapped[int | None] = mapped_column(ForeignKey("reminder_policies.id", ondelete="SET NULL"))
    # Company admins must sign in in two steps (a code from an authenticator app) when set.
    two_step_required_for_admins: Mapped[bool] = mapped_column(Boolean, default=False)
    # Pay application PDFs end with a notary block to fill in by hand when set (off by default).
    notary_block_on_pay_applications: Mapped[bool] = mapped_column(Boolean, default=False)
    default_claim_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True, ondelete="SET NULL")
    )
    # A vendor's GST/HST registration number (domain/sales_taxes.py): "123456789RT0001"; "" when none.
    tax_number: Mapped[str] = mapped_column(String(15), default="", server_default="")
    # The language of people who chose none ("en", "fr": domain/locales.LANGUAGES); None: their browser's.
    default_language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(
        back_populates="company", foreign_keys="User.company_id", order_by="User.name"
    )
    default_claim_contact: Mapped[User | None] = relationship(
        foreign_keys=[default_claim_contact_id], post_update=True
    )
    reminder_policy: Mapped[ReminderPolicy | None] = relationship()


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (Index("uq_users_email_lower", func.lower(text("email")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    # None until the person sets a password (account activation).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_company_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Part of the id in the session cookie: raising it (new password, two-step turned on) ends
    # every session signed in under the old value.
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    # Two-step sign-in (domain/two_step.py): the authenticator's shared secret once confirmed,
    # and the last 30-second step a code was accepted for, so a code works only once.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    two_step_enabled_at: Mapped[datetime | None] = mapped_column(DateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # Admins get the weekly digest (`flask --app app remind --digest`) unless they turn it off.
    weekly_digest: Mapped[bool] = mapped_column(Boolean, default=True)
    # The language this person reads pages and e-mails in ("en", "fr"); None: the company's default.
    language: Mapped[str | None] = mapped_column(String(8))

    company: Mapped[Company] = relationship(back_populates="users", foreign_keys=[company_id])

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def two_step_enabled(self) -> bool:
        return self.two_step_enabled_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_collaborator(self) -> bool:
        """A user of a vendor company (a progress claim contact, say)."""
        return not self.company.is_own

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Project(db.Model):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("period_start_day BETWEEN 1 AND 28", name="period_start_day"),
        CheckConstraint("period_end_day IS NULL OR period_end_day BETWEEN 1 AND 31", name="period_end_day"),
        CheckConstraint("period_due_day BETWEEN 1 AND 31", name="period_due_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    country: Mapped[Country] = mapped_column(_enum(Country, "country"), default=Country.US)
    currency: Mapped[Currency] = mapped_column(_enum(Currency, "currency"), default=Currency.USD)
    time_zone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    allow_overbilling: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where prompt payment law comes from (domain/prompt_payment.py): a province or territory code, "FED" for
    # federal Crown work, None (every United States project) for no prompt payment dates.
    jurisdiction: Mapped[str | None] = mapped_column(String(3))
    # The monthly billing period rule (SPEC §2): None as end day means the month's last day.
    auto_periods: Mapped[bool] = mapped_column(Boolean, default=False)
    period_start_day: Mapped[int] = mapped_column(Integer, default=1)
    period_end_day: Mapped[int | None] = mapped_column(Integer)
    period_due_day: Mapped[int] = mapped_column(Integer, default=25)
    # The project's own reminder policy; None: the company's.
    reminder_policy_id: Mapped[int | None] = mapped_column(ForeignKey("reminder_policies.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    commitments: Mapped[list[Commitment]] = relationship(back_populates="project", order_by="Commitment.number")
    billing_periods: Mapped[list[BillingPeriod]] = relationship(
        back_populates="project", order_by="BillingPeriod.number.desc()"
    )
    reminder_policy: Mapped[ReminderPolicy | None] = relationship()
    # The sales taxes its claims bill on top of line 8 (domain/sales_taxes.py), in the order shown.
    taxes: Mapped[list[ProjectTax]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectTax.position"
    )


TAX_RATE = Numeric(6, 3)  # a rate in percent, up to 999.999: Quebec's QST is 9.975


class ProjectTax(db.Model):
    """One named sales tax a project's claims bill (HST 13%; GST 5% and QST 9.975%)."""

    __tablename__ = "project_taxes"
    __table_args__ = (
        UniqueConstraint("project_id", "position"),
        CheckConstraint("rate >= 0 AND rate <= 30", name="rate_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(40))
    rate: Mapped[Decimal] = mapped_column(TAX_RATE)

    project: Mapped[Project] = relationship(back_populates="taxes")


class ProjectPermission(db.Model):
    __tablename__ = "project_permissions"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    level: Mapped[AccessLevel] = mapped_column(_enum(AccessLevel, "access_level"), default=AccessLevel.NONE)

    project: Mapped[Project] = relationship()
    user: Mapped[User] = relationship()


commitment_claim_contacts = Table(
    "commitment_claim_contacts",
    Base.metadata,
    Column("commitment_id", ForeignKey("commitments.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
)

commitment_private_users = Table(
    "commitment_private_users",
    Base.metadata,
    Column("commitment_id", ForeignKey("commitments.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
)


class Commitment(db.Model):
    """A subcontract or purchase order, with its schedule of values (SOV); or the project's head contract,
    whose `vendor` is the client and which every list of subcontracts leaves out (`is_subcontract`)."""

    __tablename__ = "commitments"
    __table_args__ = (
        UniqueConstraint("project_id", "number"),
        # At most one head contract per project.
        Index(
            "uq_commitments_one_head_contract",
            "project_id",
            unique=True,
            sqlite_where=text("kind = 'HEAD_CONTRACT'"),
            postgresql_where=text("kind = 'HEAD_CONTRACT'"),
        ),
        CheckConstraint("retention_pct >= 0 AND retention_pct <= 100", name="retention_range"),
        CheckConstraint(
            "stored_materials_retention_pct IS NULL OR "
            "(stored_materials_retention_pct >= 0 AND stored_materials_retention_pct <= 100)",
            name="stored_retention_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    kind: Mapped[CommitmentKind] = mapped_column(_enum(CommitmentKind, "commitment_kind"))
    number: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    vendor_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    status: Mapped[CommitmentStatus] = mapped_column(
        _enum(CommitmentStatus, "commitment_status"), default=CommitmentStatus.DRAFT
    )
    is_private: Mapped[bool] = mapped_column(Boolean, default=False)
    retention_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("10.00"))
    # None: stored materials are retained at the same % as work.
    stored_materials_retention_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    sov_status: Mapped[SovStatus] = mapped_column(_enum(SovStatus, "sov_status"), default=SovStatus.DRAFT)
    sov_approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    sov_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A head contract's client contact (not a user: they never sign in) and contract date; NULL on the others.
    client_contact_name: Mapped[str | None] = mapped_column(String(120))
    client_contact_email: Mapped[str | None] = mapped_column(String(254))
    contract_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    project: Mapped[Project] = relationship(back_populates="commitments")
    vendor: Mapped[Company] = relationship()
    claim_contacts: Mapped[list[User]] = relationship(
        secondary=commitment_claim_contacts, order_by="User.name"
    )
    private_users: Mapped[list[User]] = relationship(secondary=commitment_private_users, order_by="User.name")
    sov_lines: Mapped[list[SovLine]] = relationship(
        back_populates="commitment", order_by="SovLine.position", cascade="all, delete-orphan"
    )

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}"

    @hybrid_property
    def is_subcontract(self) -> bool:
        """A subcontract or purchase order, not the head contract: in Python and, as
        `Commitment.is_subcontract`, in SQL (every list of commitments filters on it)."""
        return self.kind != CommitmentKind.HEAD_CONTRACT

    @property
    def is_head_contract(self) -> bool:
        return self.kind is CommitmentKind.HEAD_CONTRACT


class SovLine(db.Model):
    """A line of a schedule of values. Approved change orders add to `approved_changes`."""

    __tablename__ = "sov_lines"
    __table_args__ = (UniqueConstraint("commitment_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    cost_code: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(300))
    original_value: Mapped[Decimal] = mapped_column(MONEY)
    approved_changes: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    # True for a line that an approved change order added (its original value is 0).
    from_change_order: Mapped[bool] = mapped_column(Boolean, default=False)
    # On a subcontract's line: the head contract line it bills to, as an admin chose it when the head
    # contract has several lines with its cost code (domain/head_contract.prefill); NULL: by cost code.
    head_contract_line_id: Mapped[int | None] = mapped_column(ForeignKey("sov_lines.id", ondelete="SET NULL"))

    commitment: Mapped[Commitment] = relationship(back_populates="sov_lines")

    @property
    def scheduled_value(self) -> Decimal:
        return self.original_value + self.approved_changes


class BillingPeriod(db.Model):
    __tablename__ = "billing_periods"
    __table_args__ = (
        UniqueConstraint("project_id", "number"),
        # At most one Open period per project.
        Index(
            "uq_billing_periods_one_open",
            "project_id",
            unique=True,
            sqlite_where=text("status = 'OPEN'"),
            postgresql_where=text("status = 'OPEN'"),
        ),
        CheckConstraint("end_date >= start_date", name="end_after_start"),
        CheckConstraint("due_date >= start_date", name="due_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    number: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[PeriodStatus] = mapped_column(_enum(PeriodStatus, "period_status"), default=PeriodStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    project: Mapped[Project] = relationship(back_populates="billing_periods")

    @property
    def is_open(self) -> bool:
        return self.status is PeriodStatus.OPEN


class Invite(db.Model):
    """An Invite to Bill: one per commitment and billing period."""

    __tablename__ = "invites"
    __table_args__ = (
        UniqueConstraint("commitment_id", "billing_period_id"),
        CheckConstraint("send_count >= 1", name="sent_at_least_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"))
    billing_period_id: Mapped[int] = mapped_column(ForeignKey("billing_periods.id"), index=True)
    status: Mapped[InviteStatus] = mapped_column(_enum(InviteStatus, "invite_status"), default=InviteStatus.INVITED)
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    first_sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    send_count: Mapped[int] = mapped_column(Integer, default=1)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    # The last reminder queued (domain/reminders.py), and whether a contact muted them for this invite.
    last_reminded_at: Mapped[datetime | None] = mapped_column(DateTime)
    reminders_muted_at: Mapped[datetime | None] = mapped_column(DateTime)
    reminders_muted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    commitment: Mapped[Commitment] = relationship()
    billing_period: Mapped[BillingPeriod] = relationship()
    sent_by: Mapped[User] = relationship(foreign_keys=[sent_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])


class Claim(db.Model):
    """A progress claim: at most one per commitment and billing period."""

    __tablename__ = "claims"
    __table_args__ = (UniqueConstraint("commitment_id", "billing_period_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"))
    billing_period_id: Mapped[int] = mapped_column(ForeignKey("billing_periods.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[ClaimStatus] = mapped_column(_enum(ClaimStatus, "claim_status"), default=ClaimStatus.DRAFT)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The signed statement of the last submission: the name typed as a signature, when, by whom, and
    # whether that person was an admin submitting on the vendor's behalf rather than its contact.
    signed_name: Mapped[str | None] = mapped_column(String(200))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why an admin withdrew the claim, when and who: a withdrawn claim counts for nothing.
    withdrawal_reason: Mapped[str | None] = mapped_column(String(1000))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # G702 figures as last computed by domain/g702.py when the claim was saved, so that
    # list pages show them without loading every line.
    work_completed_to_date: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    total_completed_and_stored: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    retention_total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    earned_less_retention: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    current_amount_due: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    # The sales taxes on line 8 (domain/g702.tax_figures), summed: line 8 plus this is the amount due with tax.
    sales_tax: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"), server_default="0")
    # The contract as it stood at the last submission (domain/claims.take_snapshot): retention on work and
    # on stored materials (the effective %, never "same as work"), and line 7 as used. NULL before the
    # first submission. A claim out of the contact's hands is shown from these, never from today's contract.
    retention_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    stored_retention_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    previous_claims: Mapped[Decimal | None] = mapped_column(MONEY)
    # A head contract claim's decision by the client, as the admin records it (domain/head_contract.py).
    client_decision_date: Mapped[date | None] = mapped_column(Date)
    client_approved_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    client_decision_note: Mapped[str | None] = mapped_column(Text)
    # A holdback (retention) release claim (domain/holdback.py): the retention it releases, billed on line 8
    # with its tax, and the day the lien period ended or the release notice was published. NULL on a
    # progress claim.
    holdback_release: Mapped[Decimal | None] = mapped_column(MONEY)
    holdback_release_date: Mapped[date | None] = mapped_column(Date)
    # Retention released by this claim and the approved ones before it: line 5 is the retention by % less
    # this. Frozen at approval, as line 7 is, so later claims read it instead of adding up the history.
    holdback_released_to_date: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"), server_default="0")
    # When a head contract claim was first sent to the client (domain/head_contract.send_to_client): the day
    # its proper invoice was given, from which prompt payment deadlines count (domain/prompt_payment.py).
    proper_invoice_at: Mapped[datetime | None] = mapped_column(DateTime)

    commitment: Mapped[Commitment] = relationship()
    billing_period: Mapped[BillingPeriod] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])
    lines: Mapped[list[ClaimLine]] = relationship(
        back_populates="claim", cascade="all, delete-orphan", order_by="ClaimLine.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(back_populates="claim", order_by="Attachment.id")
    # The project's taxes as they stood at the last submission: kept with the rest of the snapshot.
    taxes: Mapped[list[ClaimTax]] = relationship(
        back_populates="claim", cascade="all, delete-orphan", order_by="ClaimTax.position"
    )

    @property
    def lines_by_sov(self) -> dict[int, ClaimLine]:
        return {line.sov_line_id: line for line in self.lines}

    @property
    def is_holdback_release(self) -> bool:
        """A claim that bills only released retention (holdback): no work, its lines not typed on."""
        return self.holdback_release is not None

    @property
    def shows_snapshot(self) -> bool:
        """True when the claim's figures come from the contract as submitted, not from today's contract:
        a snapshot was taken and the claim is not back in the contact's hands (Draft, Revise and Resubmit)."""
        return self.retention_pct is not None and self.status not in (ClaimStatus.DRAFT,
                                                                      ClaimStatus.REVISE_AND_RESUBMIT)


class ClaimTax(db.Model):
    """A sales tax as the claim was submitted with it (the snapshot of a `ProjectTax`)."""

    __tablename__ = "claim_taxes"
    __table_args__ = (UniqueConstraint("claim_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(40))
    rate: Mapped[Decimal] = mapped_column(TAX_RATE)

    claim: Mapped[Claim] = relationship(back_populates="taxes")


class ClaimLine(db.Model):
    """G703 inputs for one SOV line; every other column is computed (domain/money.py)."""

    __tablename__ = "claim_lines"
    __table_args__ = (UniqueConstraint("claim_id", "sov_line_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    sov_line_id: Mapped[int] = mapped_column(ForeignKey("sov_lines.id"), index=True)
    # D as of the last save: frozen once the claim is approved, so later claims read it
    # instead of walking the whole history.
    previous_work_completed: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    work_completed_this_period: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    materials_presently_stored: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    # C and the original value of the SOV line at the claim's last submission; NULL on a line the claim
    # did not have then (a change order added later), which its submitted document leaves out.
    scheduled_value: Mapped[Decimal | None] = mapped_column(MONEY)
    original_value: Mapped[Decimal | None] = mapped_column(MONEY)
    # The % complete to date the contact typed, when they typed a % rather than an amount.
    pct_complete_entered: Mapped[Decimal | None] = mapped_column(PERCENT)
    review: Mapped[LineReview] = mapped_column(_enum(LineReview, "line_review"), default=LineReview.PENDING)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    # On a head contract claim: E and F as the period's approved subcontractor claims said at the last
    # prefill (domain/head_contract.prefill); NULL until prefilled. A line whose E or F differs is adjusted.
    prefilled_this_period: Mapped[Decimal | None] = mapped_column(MONEY)
    prefilled_stored: Mapped[Decimal | None] = mapped_column(MONEY)

    claim: Mapped[Claim] = relationship(back_populates="lines")
    sov_line: Mapped[SovLine] = relationship()


class Attachment(db.Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    claim: Mapped[Claim] = relationship(back_populates="attachments")


class ReminderPolicy(db.Model):
    """When the progress claim contacts of an invite are reminded (SPEC §2): the company's policy, or a
    project's own. Days before the due date are kept as a comma-separated list ("5,1")."""

    __tablename__ = "reminder_policies"
    __table_args__ = (
        CheckConstraint("overdue_every_days BETWEEN 1 AND 60", name="overdue_every_days"),
        CheckConstraint("overdue_times BETWEEN 0 AND 10", name="overdue_times"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    days_before: Mapped[str] = mapped_column(String(60), default="5,1")
    on_due_date: Mapped[bool] = mapped_column(Boolean, default=True)
    overdue_every_days: Mapped[int] = mapped_column(Integer, default=3)
    overdue_times: Mapped[int] = mapped_column(Integer, default=3)
    message: Mapped[str] = mapped_column(Text, default="")


class Reminder(db.Model):
    """A reminder of an invite, queued once: the unique key makes a second one of the same kind for the
    same invite on the same day (the project's local date) impossible, whoever runs the job how often."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("invite_id", "kind", "day", name="uq_reminders_once_a_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invite_id: Mapped[int] = mapped_column(ForeignKey("invites.id", ondelete="CASCADE"))
    kind: Mapped[ReminderKind] = mapped_column(_enum(ReminderKind, "reminder_kind"))
    day: Mapped[date] = mapped_column(Date)
    queued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # None: the daily job; else the admin who pressed Remind now.
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recipients: Mapped[str] = mapped_column(Text, default="")

    invite: Mapped[Invite] = relationship()
    sent_by: Mapped[User | None] = relationship()


class OutboxMessage(db.Model):
    """An e-mail queued in the same transaction as the change it tells of.

    `dedupe_key` is unique: the same logical e-mail (an invite's n-th sending to one
    contact, say) can never be queued twice, whatever races happen above it.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    # Which e-mail this is (domain/emails.py renders it at delivery, from the rows it names).
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(254))
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What was sent, kept once the SMTP server accepted it.
    subject: Mapped[str] = mapped_column(String(300), default="")
    text_body: Mapped[str] = mapped_column(Text, default="")
    html_body: Mapped[str] = mapped_column(Text, default="")
    invite_id: Mapped[int | None] = mapped_column(ForeignKey("invites.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Set while a worker holds the message, so two workers never send it both.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")


class RecoveryCode(db.Model):
    """A one-time code for two-step sign-in without the phone; only its SHA-256 is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditEvent(db.Model):
    """Append-only change history: when, who, what, from, to."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(60))
    field: Mapped[str] = mapped_column(String(60), default="")
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship()


class PaymentNotice(db.Model):
    """A notice of non-payment given from a claim (domain/payment_notices.py): the amount not being paid and
    why, by whom and when. Kept as given; its PDF is made from it whenever it is downloaded or e-mailed."""

    __tablename__ = "payment_notices"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reasons: Mapped[str] = mapped_column(Text)
    given_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(320), default="")

    claim: Mapped[Claim] = relationship()
    given_by: Mapped[User | None] = relationship()


class DataVersion(db.Model):
    """One row whose number moves with every committed write (domain/data_version.py): a page kept in
    memory (blueprints/page_cache.py) is good for as long as the number it was made at is current."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
