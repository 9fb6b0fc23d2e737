"""What a progress claim contact may see and do (SPEC §4).

A contact sees the invites and claims of commitments where they are a claim contact and
which the Private list does not keep from them; anything else is "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import and_, exists, select
from sqlalchemy.orm import selectinload

from domain import audit, claims, outbox
from domain.clock import project_today, utcnow
from domain.emails import INVITE_ANSWERED
from domain.locales import N_
from domain.models import (
    AccessLevel,
    BillingPeriod,
    Claim,
    Commitment,
    Invite,
    InviteStatus,
    OutboxMessage,
    User,
    db,
)
from domain.money import format_number
from domain.permissions import can_answer_invite, require, visible_commitments
from domain.statuses import CLOSED, EDITABLE, SUBMITTED

MAX_REASON = 1000
DUE_SOON_DAYS = 3  # My invites highlights a due date this close, while something is still to submit


class AnswerRefused(Exception):
    """The answer cannot be given or changed now; the message says why."""


def _visible_to(user: User):  # type: ignore[no-untyped-def]
    """SQL: what the contact sees, on every project (a collaborator has no project level)."""
    return visible_commitments(user, AccessLevel.NONE)


def invite_for_contact(user: User, invite_id: int) -> Invite | None:
    return db.session.scalar(select(Invite).join(Commitment, Invite.commitment_id == Commitment.id)
                             .where(Invite.id == invite_id, _visible_to(user)))


def claim_for_contact(user: User, claim_id: int) -> Claim | None:
    return db.session.scalar(select(Claim).join(Commitment, Claim.commitment_id == Commitment.id)
                             .where(Claim.id == claim_id, _visible_to(user)))


@dataclass
class HomeItem:
    """An invite with its claim, or a claim an admin started without an invite."""

    invite: Invite | None
    claim: Claim | None
    blocked_by: Claim | None = None  # another open claim of the commitment: no new claim starts until it is done

    @property
    def commitment(self) -> Commitment:
        return self.invite.commitment if self.invite else self.claim.commitment  # type: ignore[union-attr]

    @property
    def billing_period(self) -> BillingPeriod:
        return self.invite.billing_period if self.invite else self.claim.billing_period  # type: ignore[union-attr]

    @property
    def due(self) -> Due:
        return _due(self)

    @property
    def todo(self) -> str:
        """What the contact should do next, in their words (English, marked for the catalogue: the page
        translates it)."""
        if self.invite is not None and self.invite.status is InviteStatus.INVITED:
            return N_("Answer invite")
        if self.invite is not None and self.invite.status is InviteStatus.DECLINED:
            return ""  # a draft kept from an earlier Yes waits until the invite is accepted again
        if self.claim is None:
            return (N_("Start claim") if self.invite and self.invite.status is InviteStatus.ACCEPTED
                    and self.blocked_by is None else "")
        todo = {"DRAFT": N_("Finish draft"), "REVISE_AND_RESUBMIT": N_("Revise and resubmit")}
        return todo.get(self.claim.status.name, "")


@dataclass(frozen=True)
class Due:
    """A due date as My invites shows it: passed, soon, or neither, with the words to say so."""

    on: date
    days_left: int  # negative once it has passed
    pending: bool  # the contact still has something to submit for it

    @property
    def urgency(self) -> str:
        if not self.pending:
            return ""
        if self.days_left < 0:
            return "passed"
        return "soon" if self.days_left <= DUE_SOON_DAYS else ""

    @property
    def words(self) -> str:
        if self.urgency == "passed":
            late = -self.days_left
            return gettext("Passed yesterday") if late == 1 else gettext("Passed %(days)s days ago", days=late)
        if self.urgency == "soon":
            if self.days_left in (0, 1):
                return gettext("Due today") if self.days_left == 0 else gettext("Due tomorrow")
            return gettext("Due in %(days)s days", days=self.days_left)
        return ""


def _due(item: HomeItem) -> Due:
    """How close the item's due date is, by the project's own calendar."""
    period, invite, claim = item.billing_period, item.invite, item.claim
    pending = (invite is None or invite.status is not InviteStatus.DECLINED) and (
        claim is None or claim.status in EDITABLE)
    days_left = (period.due_date - project_today(item.commitment.project)).days
    return Due(period.due_date, days_left, pending)


def home(user: User) -> list[HomeItem]:
    """The contact's invites with their claims, and claims started without an invite, newest period first."""
    rows = db.session.execute(
        select(Invite, Claim)
        .join(Commitment, Invite.commitment_id == Commitment.id)
        .join(BillingPeriod, Invite.billing_period_id == BillingPeriod.id)
        .outerjoin(Claim, and_(Claim.commitment_id == Invite.commitment_id,
                               Claim.billing_period_id == Invite.billing_period_id))
        .where(_visible_to(user))
        .options(selectinload(Invite.commitment).selectinload(Commitment.project),
                 selectinload(Invite.commitment).selectinload(Commitment.vendor),
                 selectinload(Invite.billing_period))
    ).all()
    uninvited = db.session.scalars(
        select(Claim)
        .join(Commitment, Claim.commitment_id == Commitment.id)
        .where(_visible_to(user),
               ~exists().where(Invite.commitment_id == Claim.commitment_id,
                               Invite.billing_period_id == Claim.billing_period_id))
        .options(selectinload(Claim.commitment).selectinload(Commitment.project),
                 selectinload(Claim.commitment).selectinload(Commitment.vendor),
                 selectinload(Claim.billing_period))
    ).all()
    items = [HomeItem(invite, claim) for invite, claim in rows] + [HomeItem(None, claim) for claim in uninvited]
    # Every claim of the contact's commitments is among the items: the open ones say which item waits.
    open_claims: dict[int, Claim] = {}
    for claim in sorted((i.claim for i in items if i.claim is not None and i.claim.status not in CLOSED),
                        key=lambda c: -c.number):
        open_claims[claim.commitment_id] = claim  # the oldest open one wins
    for item in items:
        if item.claim is None:
            item.blocked_by = open_claims.get(item.commitment.id)
    items.sort(key=lambda i: i.commitment.number)
    items.sort(key=lambda i: i.billing_period.start_date, reverse=True)
    return items


def due_passed(invite: Invite) -> bool:
    return invite.billing_period.due_date < project_today(invite.commitment.project)


def accept(invite: Invite, contact: User) -> Claim | None:
    """Accept the invite, tell the sender, and open the claim (unless the due date has passed)."""
    _require_contact(invite, contact)
    claim = claims.invite_claim(invite)
    _check_changeable(invite, claim)
    if claim is None and due_passed(invite):
        raise AnswerRefused(gettext("The due date has passed, so a new claim cannot be started. Ask %(name)s to "
                                    "create it for you.", name=invite.sent_by.name))
    blocking = claims.open_claim_blocking(invite.commitment, invite.billing_period) if claim is None else None
    if blocking is not None:
        raise AnswerRefused(claims.finish_first(blocking))
    _answer(invite, contact, InviteStatus.ACCEPTED, "")
    db.session.commit()
    return claim or claims.start_claim(invite.commitment, invite.billing_period, contact)


def save_claim(claim: Claim, entries: list[claims.LineEntry], contact: User, *, submit: bool,
               signature: claims.Signature | None = None) -> claims.Entered:
    """The contact's save or submit; a claim is not submitted while its invite is answered No."""
    if submit:
        invite = claims.invite_for(claim)
        if invite is not None and invite.status is InviteStatus.DECLINED:
            raise claims.ClaimRefused(gettext(
                "You answered No, not this period: accept the invite again before submitting."))
    return claims.save_entries(claim, entries, contact, submit=submit, signature=signature)


def decline(invite: Invite, contact: User, reason: str) -> None:
    """Decline the invite with the contact's reason, and tell the sender."""
    _require_contact(invite, contact)
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise AnswerRefused(gettext("Keep the reason to %(count)s characters or fewer.",
                                    count=format_number(Decimal(MAX_REASON), 0)))
    _check_changeable(invite, claims.invite_claim(invite))
    _answer(invite, contact, InviteStatus.DECLINED, reason)
    db.session.commit()


def _require_contact(invite: Invite, contact: User) -> None:
    require(can_answer_invite(contact, invite.commitment),
            "Only the commitment's progress claim contacts may answer its invite.")


def blocking_claim(invite: Invite) -> Claim | None:
    """The open claim that keeps this invite's claim from starting, if its claim is not started yet."""
    if claims.invite_claim(invite) is not None:
        return None
    return claims.open_claim_blocking(invite.commitment, invite.billing_period)


def _check_changeable(invite: Invite, claim: Claim | None) -> None:
    if claim is not None and claim.status in SUBMITTED:
        raise AnswerRefused(gettext(
            "The claim for this invite is already submitted, so the answer can no longer change."))


def _answer(invite: Invite, contact: User, status: InviteStatus, reason: str) -> bool:
    """Record the answer and e-mail the sender; False when it is the same answer again."""
    if invite.status is status and invite.decline_reason == reason:
        return False
    audit.record(actor=contact, entity_type="invite", entity_id=invite.id,
                 project_id=invite.commitment.project_id, action="answered", field="status",
                 old=invite.status, new=f"{status.value}{': ' + reason if reason else ''}")
    invite.status, invite.decline_reason = status, reason
    invite.answered_at, invite.answered_by_id = utcnow(), contact.id
    # The notice says the answer of the moment it goes out: one still waiting for an earlier answer
    # would say the same again, so only the latest answer is told.
    outbox.withdraw_waiting(OutboxMessage.kind == INVITE_ANSWERED, OutboxMessage.invite_id == invite.id)
    outbox.queue_rows([{
        "dedupe_key": f"answer:{invite.id}:{invite.answered_at:%Y%m%d%H%M%S%f}:to:{invite.sent_by_id}",
        "kind": INVITE_ANSWERED, "to_address": invite.sent_by.email, "to_user_id": invite.sent_by_id,
        "actor_id": contact.id, "invite_id": invite.id}])
    return True
