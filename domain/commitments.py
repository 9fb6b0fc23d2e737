"""Commitments (subcontracts and purchase orders), their people, and their schedules of values (SPEC §2).

Only project Admins (company admins among them) change a commitment; every service checks it
again, writes everything or nothing, records each change in the audit trail, and commits.
SOV changes lock the commitment row first, so two people editing one schedule take turns.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from domain import audit
from domain.claims import COUNTS_AS_BILLED
from domain.clock import utcnow
from domain.errors import Invalid
from domain.models import (
    AccessLevel,
    BillingPeriod,
    Claim,
    ClaimLine,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Company,
    Invite,
    Project,
    SovLine,
    SovStatus,
    User,
    db,
)
from domain.money import HUNDRED, PERCENT_PROBLEM, ZERO, from_cents, sum_cents
from domain.permissions import can_edit_commitments, require, visible_commitments

NUMBER_MAX, TITLE_MAX, COST_CODE_MAX, DESCRIPTION_MAX = 30, 200, 40, 300


class Refused(Exception):
    """The action does not fit the commitment's state (an approved SOV, a billed line, ...)."""


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


def _require_admin(project: Project, by: User) -> None:
    require(can_edit_commitments(by, project),
            "Only an Admin on this project's Commitments tool may change commitments.")


@dataclass(frozen=True)
class Listed:
    commitment: Commitment
    value: Value


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
    for field, limit, label in [("number", NUMBER_MAX, "number"), ("title", TITLE_MAX, "title")]:
        value = getattr(data, field)
        if not value:
            raise Invalid(field, f"Enter the {label}.")
        if len(value) > limit:
            raise Invalid(field, f"Use at most {limit} characters.")
    vendor = db.session.get(Company, data.vendor_id)
    if vendor is None or vendor.is_own:
        raise Invalid("vendor_id", "Choose a vendor from the list.")
    for field in ("retention_pct", "stored_materials_retention_pct"):
        pct = getattr(data, field)
        if pct is not None and not ZERO <= pct <= HUNDRED:
            raise Invalid(field, PERCENT_PROBLEM)
    clash = number_clash(project, data.number, editing)
    if clash:
        raise Invalid("number", clash)
    return vendor


def number_clash(project: Project, number: str, editing: Commitment | None = None) -> str | None:
    """Why the number cannot be used on the project (another commitment has it, whatever its case), or None."""
    clash = db.session.scalar(select(Commitment).where(
        Commitment.project_id == project.id, func.lower(Commitment.number) == number.strip().lower(),
        Commitment.id != (editing.id if editing else -1)).limit(1))
    return f"{clash.number} ({clash.title}) already has this number on this project." if clash else None


def _clean(data: CommitmentData) -> CommitmentData:
    return CommitmentData(**{f: getattr(data, f) for f in FIELDS} | {"number": data.number.strip(),
                                                                      "title": data.title.strip()})


def _record(commitment: Commitment, by: User, action: str, field: str = "", old: object = "",
            new: object = "") -> None:
    audit.record(actor=by, entity_type="commitment", entity_id=commitment.id, project_id=commitment.project_id,
                 action=action, field=field, old=old, new=new)


def create_commitment(project: Project, data: CommitmentData, by: User) -> Commitment:
    """Create the commitment (number unique on the project) with an empty Draft SOV.

    The vendor's default contact, when active, becomes its first contact (and so goes on its
    Private list).
    """
    _require_admin(project, by)
    data = _clean(data)
    vendor = _check(project, data)
    commitment = Commitment(project_id=project.id, **{f: getattr(data, f) for f in FIELDS},
                            sov_status=SovStatus.DRAFT)
    db.session.add(commitment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Invalid("number", "A commitment with this number was just created. Choose another.") from None
    _record(commitment, by, "created", new=f"{commitment.kind.value} {commitment.label}")
    default = vendor.default_claim_contact
    if default is not None and default.active and default.company_id == vendor.id:
        _add_contact(commitment, default, by)
    db.session.commit()
    return commitment


def update_commitment(commitment: Commitment, data: CommitmentData, by: User) -> list[str]:
    """Save the changed fields, one audit event each; returns the names of what changed."""
    _require_admin(commitment.project, by)
    data = _clean(data)
    vendor = _check(commitment.project, data, editing=commitment)
    if vendor.id != commitment.vendor_id:
        if commitment.claim_contacts:
            raise Invalid("vendor_id", f"Remove the contacts of {commitment.vendor.name} first: "
                                       f"they are not users of {vendor.name}.")
        used = db.session.scalar(select(exists().where(Invite.commitment_id == commitment.id))) or \
            db.session.scalar(select(exists().where(Claim.commitment_id == commitment.id)))
        if used:
            raise Invalid("vendor_id", "This commitment has been invited to bill already: "
                                       "its vendor cannot change.")
    # The vendor is set (and recorded, by name) as the row, in the place of its id.
    changes = {"vendor" if f == "vendor_id" else f: vendor if f == "vendor_id" else getattr(data, f) for f in FIELDS}
    changed = ["vendor_id" if f == "vendor" else f for f in audit.record_changes(commitment, changes, by)]
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Invalid("number", "A commitment with this number was just created. Choose another.") from None
    return changed


# --- progress claim contacts and the Private list ----------------------------------------------


def _add_contact(commitment: Commitment, user: User, by: User) -> None:
    commitment.claim_contacts.append(user)
    _record(commitment, by, "claim contact added", "claim_contacts", new=f"{user.name} <{user.email}>")
    if all(u.id != user.id for u in commitment.private_users):
        commitment.private_users.append(user)
        _record(commitment, by, "private list: added", "private_users", new=f"{user.name} <{user.email}>")


def add_claim_contact(commitment: Commitment, user: User, by: User) -> bool:
    """Make an active user of the vendor a contact, and put them on the Private list; False if already one."""
    _require_admin(commitment.project, by)
    if user.company_id != commitment.vendor_id:
        raise Invalid("contact", f"{user.name} is not a user of {commitment.vendor.name}.")
    if not user.active:
        raise Invalid("contact", f"{user.name} is inactive and cannot be a contact.")
    if any(u.id == user.id for u in commitment.claim_contacts):
        return False
    _add_contact(commitment, user, by)
    db.session.commit()
    return True


def remove_claim_contact(commitment: Commitment, user: User, by: User) -> bool:
    """Stop inviting the user for this commitment; they stay on the Private list. False if not a contact."""
    _require_admin(commitment.project, by)
    if all(u.id != user.id for u in commitment.claim_contacts):
        return False
    commitment.claim_contacts.remove(user)
    _record(commitment, by, "claim contact removed", "claim_contacts", old=f"{user.name} <{user.email}>")
    db.session.commit()
    return True


def add_private_user(commitment: Commitment, user: User, by: User) -> bool:
    """Let an internal user or a user of the vendor see the commitment while it is private."""
    _require_admin(commitment.project, by)
    if not (user.company.is_own or user.company_id == commitment.vendor_id):
        raise Invalid("private_user", f"{user.name} is not a user of {commitment.vendor.name} "
                                                "or of your own company.")
    if not user.active:
        raise Invalid("private_user", f"{user.name} is inactive.")
    if any(u.id == user.id for u in commitment.private_users):
        return False
    commitment.private_users.append(user)
    _record(commitment, by, "private list: added", "private_users", new=f"{user.name} <{user.email}>")
    db.session.commit()
    return True


def remove_private_user(commitment: Commitment, user: User, by: User) -> bool:
    _require_admin(commitment.project, by)
    if all(u.id != user.id for u in commitment.private_users):
        return False
    if any(u.id == user.id for u in commitment.claim_contacts):
        raise Invalid("private_user", f"{user.name} is a contact of this commitment: remove them as "
                                                "contact first.")
    commitment.private_users.remove(user)
    _record(commitment, by, "private list: removed", "private_users", old=f"{user.name} <{user.email}>")
    db.session.commit()
    return True


# --- the schedule of values ---------------------------------------------------------------------


@dataclass(frozen=True)
class LineData:
    cost_code: str
    description: str
    value: Decimal


def _check_line(data: LineData) -> LineData:
    data = LineData(data.cost_code.strip(), data.description.strip(), data.value)
    for field, limit, label in [("cost_code", COST_CODE_MAX, "cost code"),
                                ("description", DESCRIPTION_MAX, "description")]:
        value = getattr(data, field)
        if not value:
            raise Invalid(field, f"Enter the {label}.")
        if len(value) > limit:
            raise Invalid(field, f"Use at most {limit} characters.")
    if data.value < ZERO:
        raise Invalid("scheduled_value", "Enter an amount of zero or more.")
    return data


def _lock(commitment: Commitment) -> None:
    """Hold the commitment row (PostgreSQL) and read its SOV status afresh."""
    db.session.refresh(commitment, with_for_update=True)


def _require_draft(commitment: Commitment) -> None:
    if commitment.sov_status is not SovStatus.DRAFT:
        raise Refused("The schedule of values is approved and locked: changes now come by approved change orders.")


def _require_approved(commitment: Commitment) -> None:
    if commitment.sov_status is not SovStatus.APPROVED:
        raise Refused("The schedule of values is still a draft: change its lines directly.")


def _flush_or_refuse() -> None:
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Refused("Someone changed this schedule of values at the same moment. Reload and try again.") from None


def _next_position(commitment: Commitment) -> int:
    return (db.session.scalar(select(func.max(SovLine.position)).where(SovLine.commitment_id == commitment.id))
            or 0) + 1


def _describe(line: SovLine) -> str:
    return f"{line.cost_code} {line.description}: {line.scheduled_value}"


def add_line(commitment: Commitment, data: LineData, by: User) -> SovLine:
    """Append a line to a Draft SOV."""
    _require_admin(commitment.project, by)
    _lock(commitment)
    _require_draft(commitment)
    data = _check_line(data)
    line = SovLine(commitment_id=commitment.id, position=_next_position(commitment), cost_code=data.cost_code,
                   description=data.description, original_value=data.value, approved_changes=ZERO)
    db.session.add(line)
    _flush_or_refuse()
    _record(commitment, by, "SOV line added", f"line {line.id}", new=_describe(line))
    db.session.commit()
    return line


def update_line(line: SovLine, data: LineData, by: User) -> list[str]:
    """Change a line of a Draft SOV; returns what changed."""
    commitment = line.commitment
    _require_admin(commitment.project, by)
    _lock(commitment)
    _require_draft(commitment)
    data = _check_line(data)
    changed = []
    for field, new in [("cost_code", data.cost_code), ("description", data.description),
                       ("original_value", data.value)]:
        old = getattr(line, field)
        if old != new:
            _record(commitment, by, "SOV line changed", f"line {line.id} {field}", old, new)
            setattr(line, field, new)
            changed.append(field)
    db.session.commit()
    return changed


def move_line(line: SovLine, direction: int, by: User) -> bool:
    """Swap the line with its neighbour above (-1) or below (+1); False at either end."""
    commitment = line.commitment
    _require_admin(commitment.project, by)
    _lock(commitment)
    _require_draft(commitment)
    db.session.refresh(line)
    up = direction < 0
    neighbour = db.session.scalar(
        select(SovLine).where(SovLine.commitment_id == commitment.id,
                              SovLine.position < line.position if up else SovLine.position > line.position)
        .order_by(SovLine.position.desc() if up else SovLine.position).limit(1))
    if neighbour is None:
        return False
    mine, theirs = line.position, neighbour.position
    # (commitment, position) is unique and checked row by row: park the line outside the range first.
    line.position = -line.id
    _flush_or_refuse()
    neighbour.position = mine
    _flush_or_refuse()
    line.position = theirs
    _flush_or_refuse()
    _record(commitment, by, "SOV line moved", f"line {line.id} position", mine, theirs)
    db.session.commit()
    return True


def remove_line(line: SovLine, by: User) -> None:
    """Remove a line of a Draft SOV that no claim has billed; the lines below move up."""
    commitment = line.commitment
    _require_admin(commitment.project, by)
    _lock(commitment)
    _require_draft(commitment)
    if db.session.scalar(select(exists().where(ClaimLine.sov_line_id == line.id))):
        raise Refused(f"Line {line.cost_code} has been billed against and cannot be removed.")
    position = line.position
    _record(commitment, by, "SOV line removed", f"line {line.id}", old=_describe(line))
    commitment.sov_lines.remove(line)
    _flush_or_refuse()
    below = db.session.scalars(select(SovLine).where(SovLine.commitment_id == commitment.id,
                                                     SovLine.position > position).order_by(SovLine.position))
    for other in below.all():  # one at a time, upwards, so no two lines ever share a position
        other.position -= 1
        _flush_or_refuse()
    db.session.commit()


def approve_sov(commitment: Commitment, by: User) -> None:
    """Lock the SOV: from now on only approved change orders change it."""
    _require_admin(commitment.project, by)
    _lock(commitment)
    if commitment.sov_status is SovStatus.APPROVED:
        raise Refused("The schedule of values is approved already.")
    if not commitment.sov_lines:
        raise Refused("Add at least one line before approving the schedule of values.")
    commitment.sov_status = SovStatus.APPROVED
    commitment.sov_approved_at = utcnow()
    commitment.sov_approved_by_id = by.id
    _record(commitment, by, "SOV approved", "sov_status", SovStatus.DRAFT, SovStatus.APPROVED)
    db.session.commit()


def add_change_order_line(commitment: Commitment, data: LineData, by: User) -> SovLine:
    """An approved change order adds a line: original value 0, the amount as an approved change."""
    _require_admin(commitment.project, by)
    _lock(commitment)
    _require_approved(commitment)
    data = _check_line(data)
    line = SovLine(commitment_id=commitment.id, position=_next_position(commitment), cost_code=data.cost_code,
                   description=data.description, original_value=ZERO, approved_changes=data.value,
                   from_change_order=True)
    db.session.add(line)
    _flush_or_refuse()
    # Claims still being written or reviewed get the new line, so they can bill against it.
    for claim in db.session.scalars(select(Claim).where(Claim.commitment_id == commitment.id,
                                                        Claim.status.not_in(COUNTS_AS_BILLED))):
        claim.lines.append(ClaimLine(sov_line_id=line.id))
    _record(commitment, by, "change order: SOV line added", f"line {line.id}", new=_describe(line))
    db.session.commit()
    return line


def billed_to_date(line: SovLine) -> Decimal:
    """Completed and stored to date on the line as of its last Approved claim (G), or 0."""
    last = db.session.scalar(
        select(ClaimLine).join(Claim, Claim.id == ClaimLine.claim_id)
        .join(BillingPeriod, BillingPeriod.id == Claim.billing_period_id)
        .where(ClaimLine.sov_line_id == line.id, Claim.status.in_(COUNTS_AS_BILLED))
        .order_by(BillingPeriod.start_date.desc()).limit(1)
    )
    if last is None:
        return ZERO
    return last.previous_work_completed + last.work_completed_this_period + last.materials_presently_stored


def change_scheduled_value(line: SovLine, new_value: Decimal, by: User) -> Decimal:
    """An approved change order sets the line's scheduled value; the original stays. Returns the change."""
    commitment = line.commitment
    _require_admin(commitment.project, by)
    _lock(commitment)
    _require_approved(commitment)
    db.session.refresh(line)
    if new_value < ZERO:
        raise Invalid("scheduled_value", "Enter an amount of zero or more.")
    delta = new_value - line.scheduled_value
    if delta == ZERO:
        raise Invalid("scheduled_value", "That is the scheduled value already: enter the value the "
                                                   "change order makes it.")
    billed = billed_to_date(line)
    if new_value < billed and not commitment.project.allow_overbilling:
        raise Invalid("scheduled_value", f"{billed:,} is billed on this line already: the scheduled "
                                                   "value cannot go below it.")
    old = line.scheduled_value
    line.approved_changes += delta
    _record(commitment, by, "change order: scheduled value changed", f"line {line.id} scheduled_value", old,
            line.scheduled_value)
    db.session.commit()
    return delta
