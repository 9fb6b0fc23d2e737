"""Commitments (subcontracts and purchase orders): reading them, creating and editing them (SPEC §2).

Their people are in domain/commitment_people.py, their schedules of values in domain/sov.py.

Only project Admins (company admins among them) change a commitment; every service checks it
again, writes everything or nothing, records each change in the audit trail, and commits.
SOV changes lock the commitment row first, so two people editing one schedule take turns.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext, lazy_gettext
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from domain import audit
from domain.errors import Invalid
from domain.models import (
    SUBCONTRACT_KINDS,
    AccessLevel,
    Claim,
    ClaimLine,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Company,
    Country,
    Invite,
    Project,
    SovLine,
    SovStatus,
    User,
    db,
)
from domain.money import HUNDRED, PERCENT_PROBLEM, ZERO, from_cents, sum_cents
from domain.permissions import require_commitment_editor, visible_commitments

NUMBER_MAX, TITLE_MAX, COST_CODE_MAX, DESCRIPTION_MAX = 30, 200, 40, 300


class Refused(Exception):
    """The action does not fit the commitment's state (an approved SOV, a billed line, ...)."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))  # a lazy message is read in the language it is raised in, kept as text


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """A commitment's value: the original SOV, the approved changes, and the two together."""

    original: Decimal = ZERO
    changes: Decimal = ZERO

    @property
    def revised(self) -> Decimal:
        return self.original + self.changes

    def __add__(self, other: Value) -> Value:
        return Value(self.original + other.original, self.changes + other.changes)


def value_of(commitment: Commitment) -> Value:
    lines = commitment.sov_lines
    return Value(sum((s.original_value for s in lines), ZERO), sum((s.approved_changes for s in lines), ZERO))


@dataclass(frozen=True)
class Listed:
    commitment: Commitment
    value: Value


# Ontario's Construction Act s.22: the payer of each claim keeps back 10% of it (the basic holdback); the other
# provinces' lien acts set 10% too, save a few that set less, so 10% is the safe first figure.
CANADA_HOLDBACK_PCT = Decimal("10.00")


def default_retention_pct(project: Project, company: Company | None) -> Decimal:
    """The retention (holdback) a new commitment or head contract of `project` starts at: the company's default,
    and on a Canadian project at least the statutory holdback (a company default above it is kept)."""
    pct = company.default_retention_pct if company is not None else Decimal("10.00")
    if project.country is Country.CA:
        return max(pct, CANADA_HOLDBACK_PCT)
    return pct


def list_commitments(project: Project, user: User, level: AccessLevel) -> list[Listed]:
    """The commitments the user sees, by number, with their values (three statements whatever the count)."""
    commitments = db.session.scalars(
        select(Commitment).where(Commitment.project_id == project.id, visible_commitments(user, level))
        .options(selectinload(Commitment.vendor)).order_by(Commitment.number)
    ).all()
    sums = {cid: Value(from_cents(original), from_cents(changes)) for cid, original, changes in db.session.execute(
        select(SovLine.commitment_id, sum_cents(SovLine.original_value), sum_cents(SovLine.approved_changes))
        .join(Commitment, Commitment.id == SovLine.commitment_id)
        .where(Commitment.project_id == project.id)
        .group_by(SovLine.commitment_id)
    )}
    return [Listed(c, sums.get(c.id, Value())) for c in commitments]


def vendors() -> list[Company]:
    """The companies a commitment can be with: every company but the own one, by name."""
    return list(db.session.scalars(select(Company).where(Company.is_own.is_(False)).order_by(Company.name)))


def claimed_line_ids(commitment: Commitment) -> set[int]:
    """SOV lines that some claim has a line for: they stay."""
    return set(db.session.scalars(
        select(ClaimLine.sov_line_id).join(SovLine, SovLine.id == ClaimLine.sov_line_id)
        .where(SovLine.commitment_id == commitment.id).distinct()
    ))


def contact_candidates(commitment: Commitment) -> list[User]:
    """Active users of the vendor who are not contacts yet."""
    taken = {u.id for u in commitment.claim_contacts}
    return [u for u in commitment.vendor.users if u.active and u.id not in taken]


def private_candidates(commitment: Commitment) -> list[User]:
    """Who can go on the Private list: active internal users who are not company admins (they see
    everything anyway), and the vendor's active users; those already on it left out."""
    taken = {u.id for u in commitment.private_users}
    internal = db.session.scalars(
        select(User).join(Company, User.company_id == Company.id)
        .where(Company.is_own.is_(True), User.active.is_(True), User.is_company_admin.is_(False))
        .order_by(User.name)
    ).all()
    vendor_users = [u for u in commitment.vendor.users if u.active]
    return [u for u in [*internal, *vendor_users] if u.id not in taken]


# --- the commitment -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CommitmentData:
    kind: CommitmentKind
    number: str
    title: str
    vendor_id: int
    status: CommitmentStatus
    retention_pct: Decimal
    stored_materials_retention_pct: Decimal | None
    is_private: bool


FIELDS = ("kind", "number", "title", "vendor_id", "status", "retention_pct", "stored_materials_retention_pct",
          "is_private")


def _check(project: Project, data: CommitmentData, editing: Commitment | None = None) -> Company:
    """Raise Invalid naming the field at fault; returns the vendor. Nothing is written."""
    for field, limit, missing in [("number", NUMBER_MAX, lazy_gettext("Enter the number.")),
                                  ("title", TITLE_MAX, lazy_gettext("Enter the title."))]:
        value = getattr(data, field)
        if not value:
            raise Invalid(field, missing)
        if len(value) > limit:
            raise Invalid(field, lazy_gettext("Use at most %(limit)s characters.", limit=limit))
    if data.kind not in SUBCONTRACT_KINDS:  # the head contract is made in domain/head_contract.py
        raise Invalid("kind", lazy_gettext("Choose Subcontract or Purchase Order."))
    vendor = db.session.get(Company, data.vendor_id)
    if vendor is None or vendor.is_own:
        raise Invalid("vendor_id", lazy_gettext("Choose a vendor from the list."))
    for field in ("retention_pct", "stored_materials_retention_pct"):
        pct = getattr(data, field)
        if pct is not None and not ZERO <= pct <= HUNDRED:
            raise Invalid(field, lazy_gettext(PERCENT_PROBLEM))
    clash = number_clash(project, data.number, editing)
    if clash:
        raise Invalid("number", clash)
    return vendor


def number_clash(project: Project, number: str, editing: Commitment | None = None) -> str | None:
    """Why the number cannot be used on the project (another commitment has it, whatever its case), or None."""
    clash = db.session.scalar(select(Commitment).where(
        Commitment.project_id == project.id, func.lower(Commitment.number) == number.strip().lower(),
        Commitment.id != (editing.id if editing else -1)).limit(1))
    return gettext("%(number)s (%(title)s) already has this number on this project.", number=clash.number,
                   title=clash.title) if clash else None


def _clean(data: CommitmentData) -> CommitmentData:
    return CommitmentData(**{f: getattr(data, f) for f in FIELDS} | {"number": data.number.strip(),
                                                                      "title": data.title.strip()})


def record_event(commitment: Commitment, by: User, action: str, field: str = "", old: object = "",
            new: object = "") -> None:
    audit.record(actor=by, entity_type="commitment", entity_id=commitment.id, project_id=commitment.project_id,
                 action=action, field=field, old=old, new=new)


def create_commitment(project: Project, data: CommitmentData, by: User) -> Commitment:
    """Create the commitment (number unique on the project) with an empty Draft SOV.

    The vendor's default contact, when active, becomes its first contact (and so goes on its
    Private list).
    """
    require_commitment_editor(by, project)
    data = _clean(data)
    vendor = _check(project, data)
    commitment = Commitment(project_id=project.id, **{f: getattr(data, f) for f in FIELDS},
                            sov_status=SovStatus.DRAFT)
    db.session.add(commitment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Invalid("number", lazy_gettext("A commitment with this number was just created. Choose "
                                             "another.")) from None
    record_event(commitment, by, "created", new=f"{commitment.kind.value} {commitment.label}")
    default = vendor.default_claim_contact
    if default is not None and default.active and default.company_id == vendor.id:
        put_on_contacts(commitment, default, by)
    db.session.commit()
    return commitment


def update_commitment(commitment: Commitment, data: CommitmentData, by: User) -> list[str]:
    """Save the changed fields, one audit event each; returns the names of what changed."""
    require_commitment_editor(by, commitment.project)
    data = _clean(data)
    vendor = _check(commitment.project, data, editing=commitment)
    if vendor.id != commitment.vendor_id:
        if commitment.claim_contacts:
            raise Invalid("vendor_id", lazy_gettext("Remove the contacts of %(old)s first: they are not users of "
                                                    "%(new)s.", old=commitment.vendor.name, new=vendor.name))
        used = db.session.scalar(select(exists().where(Invite.commitment_id == commitment.id))) or \
            db.session.scalar(select(exists().where(Claim.commitment_id == commitment.id)))
        if used:
            raise Invalid("vendor_id", lazy_gettext("This commitment has been invited to bill already: its vendor "
                                                    "cannot change."))
    # The vendor is set (and recorded, by name) as the row, in the place of its id.
    changes = {"vendor" if f == "vendor_id" else f: vendor if f == "vendor_id" else getattr(data, f) for f in FIELDS}
    changed = ["vendor_id" if f == "vendor" else f for f in audit.record_changes(commitment, changes, by)]
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Invalid("number", lazy_gettext("A commitment with this number was just created. Choose "
                                             "another.")) from None
    return changed


def put_on_contacts(commitment: Commitment, user: User, by: User) -> None:
    """A progress claim contact, who is put on the Private list too (SPEC §2)."""
    commitment.claim_contacts.append(user)
    record_event(commitment, by, "claim contact added", "claim_contacts", new=f"{user.name} <{user.email}>")
    if all(u.id != user.id for u in commitment.private_users):
        commitment.private_users.append(user)
        record_event(commitment, by, "private list: added", "private_users", new=f"{user.name} <{user.email}>")
