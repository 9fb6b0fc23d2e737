"""A commitment's schedule of values: lines edited while Draft, approval, then change orders (SPEC §2).
The head contract's schedule is the same, with its own permission.

SOV changes lock the commitment row first, so two people editing one schedule take turns.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from domain.claims import COUNTS_AS_BILLED
from domain.clock import utcnow
from domain.commitments import COST_CODE_MAX, DESCRIPTION_MAX, Refused, record_event
from domain.errors import Invalid
from domain.locales import N_
from domain.models import (
    BillingPeriod,
    Claim,
    ClaimLine,
    Commitment,
    SovLine,
    SovStatus,
    User,
    db,
)
from domain.money import ZERO
from domain.permissions import require_commitment_editor, require_head_contract_editor
from domain.statuses import CLOSED


@dataclass(frozen=True)
class LineData:
    cost_code: str
    description: str
    value: Decimal


def _check_line(data: LineData) -> LineData:
    data = LineData(data.cost_code.strip(), data.description.strip(), data.value)
    for field, limit, missing in [("cost_code", COST_CODE_MAX, lazy_gettext("Enter the cost code.")),
                                  ("description", DESCRIPTION_MAX, lazy_gettext("Enter the description."))]:
        value = getattr(data, field)
        if not value:
            raise Invalid(field, missing)
        if len(value) > limit:
            raise Invalid(field, lazy_gettext("Use at most %(limit)s characters.", limit=limit))
    if data.value < ZERO:
        raise Invalid("scheduled_value", lazy_gettext("Enter an amount of zero or more."))
    return data


def _require_editor(by: User, commitment: Commitment) -> None:
    """The head contract's schedule is changed by whoever may change the head contract; a commitment's, by
    whoever may change commitments."""
    if commitment.is_head_contract:
        require_head_contract_editor(by, commitment.project)
    else:
        require_commitment_editor(by, commitment.project)


def _lock(commitment: Commitment) -> None:
    """Hold the commitment row (PostgreSQL) and read its SOV status afresh."""
    db.session.refresh(commitment, with_for_update=True)


def _require_draft(commitment: Commitment) -> None:
    if commitment.sov_status is not SovStatus.DRAFT:
        raise Refused(lazy_gettext("The schedule of values is approved and locked: changes now come by approved "
                                   "change orders."))


STILL_DRAFT = N_("The schedule of values is still a draft: change its lines directly.")  # translated where raised


def _require_approved(commitment: Commitment) -> None:
    if commitment.sov_status is not SovStatus.APPROVED:
        raise Refused(lazy_gettext(STILL_DRAFT))


def _flush_or_refuse() -> None:
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Refused(lazy_gettext("Someone changed this schedule of values at the same moment. Reload and try "
                                   "again.")) from None


def _next_position(commitment: Commitment) -> int:
    return (db.session.scalar(select(func.max(SovLine.position)).where(SovLine.commitment_id == commitment.id))
            or 0) + 1


def _describe(line: SovLine) -> str:
    return f"{line.cost_code} {line.description}: {line.scheduled_value}"


def add_line(commitment: Commitment, data: LineData, by: User) -> SovLine:
    """Append a line to a Draft SOV."""
    _require_editor(by, commitment)
    _lock(commitment)
    _require_draft(commitment)
    data = _check_line(data)
    line = SovLine(commitment_id=commitment.id, position=_next_position(commitment), cost_code=data.cost_code,
                   description=data.description, original_value=data.value, approved_changes=ZERO)
    db.session.add(line)
    _flush_or_refuse()
    record_event(commitment, by, "SOV line added", f"line {line.id}", new=_describe(line))
    db.session.commit()
    return line


def update_line(line: SovLine, data: LineData, by: User) -> list[str]:
    """Change a line of a Draft SOV; returns what changed."""
    commitment = line.commitment
    _require_editor(by, commitment)
    _lock(commitment)
    _require_draft(commitment)
    data = _check_line(data)
    changed = []
    for field, new in [("cost_code", data.cost_code), ("description", data.description),
                       ("original_value", data.value)]:
        old = getattr(line, field)
        if old != new:
            record_event(commitment, by, "SOV line changed", f"line {line.id} {field}", old, new)
            setattr(line, field, new)
            changed.append(field)
    db.session.commit()
    return changed


def move_line(line: SovLine, direction: int, by: User) -> bool:
    """Swap the line with its neighbour above (-1) or below (+1); False at either end."""
    commitment = line.commitment
    _require_editor(by, commitment)
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
    record_event(commitment, by, "SOV line moved", f"line {line.id} position", mine, theirs)
    db.session.commit()
    return True


def remove_line(line: SovLine, by: User) -> None:
    """Remove a line of a Draft SOV that no claim has billed; the lines below move up."""
    commitment = line.commitment
    _require_editor(by, commitment)
    _lock(commitment)
    _require_draft(commitment)
    if db.session.scalar(select(exists().where(ClaimLine.sov_line_id == line.id))):
        raise Refused(lazy_gettext("Line %(code)s has been billed against and cannot be removed.", code=line.cost_code))
    position = line.position
    record_event(commitment, by, "SOV line removed", f"line {line.id}", old=_describe(line))
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
    _require_editor(by, commitment)
    _lock(commitment)
    if commitment.sov_status is SovStatus.APPROVED:
        raise Refused(lazy_gettext("The schedule of values is approved already."))
    if not commitment.sov_lines:
        raise Refused(lazy_gettext("Add at least one line before approving the schedule of values."))
    commitment.sov_status = SovStatus.APPROVED
    commitment.sov_approved_at = utcnow()
    commitment.sov_approved_by_id = by.id
    record_event(commitment, by, "SOV approved", "sov_status", SovStatus.DRAFT, SovStatus.APPROVED)
    db.session.commit()


def add_change_order_line(commitment: Commitment, data: LineData, by: User) -> SovLine:
    """An approved change order adds a line: original value 0, the amount as an approved change."""
    _require_editor(by, commitment)
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
                                                        Claim.status.not_in(CLOSED))):
        claim.lines.append(ClaimLine(sov_line_id=line.id))
    record_event(commitment, by, "change order: SOV line added", f"line {line.id}", new=_describe(line))
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
    _require_editor(by, commitment)
    _lock(commitment)
    _require_approved(commitment)
    db.session.refresh(line)
    if new_value < ZERO:
        raise Invalid("scheduled_value", lazy_gettext("Enter an amount of zero or more."))
    delta = new_value - line.scheduled_value
    if delta == ZERO:
        raise Invalid("scheduled_value", lazy_gettext("That is the scheduled value already: enter the value the "
                                                      "change order makes it."))
    billed = billed_to_date(line)
    if new_value < billed and not commitment.project.allow_overbilling:
        raise Invalid("scheduled_value", lazy_gettext("%(billed)s is billed on this line already: the scheduled "
                                                      "value cannot go below it.", billed=format(billed, ",")))
    old = line.scheduled_value
    line.approved_changes += delta
    record_event(commitment, by, "change order: scheduled value changed", f"line {line.id} scheduled_value", old,
            line.scheduled_value)
    db.session.commit()
    return delta
