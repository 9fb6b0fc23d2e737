"""Invites to Bill: sending, resending and their history (SPEC §3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext, ngettext
from sqlalchemy import insert, select, update

from domain import outbox
from domain.board import Board, Contact, InviteView, Row, load_rows, reason_text
from domain.clock import utcnow
from domain.emails import INVITE_TO_BILL
from domain.locales import N_
from domain.models import (
    AccessLevel,
    AuditEvent,
    BillingPeriod,
    Invite,
    InviteStatus,
    OutboxMessage,
    User,
    db,
)
from domain.permissions import PermissionDenied, can_admin_project, require


class NothingSelected(Exception):
    pass


class NotSent(Exception):
    """Nothing was sent, for a reason the admin can act on; the message says which, for the banner."""


class PeriodClosed(NotSent):
    """The page was loaded before another admin opened a new period: its rows can no longer be invited."""

    def __init__(self, period: BillingPeriod) -> None:
        super().__init__(gettext("Nothing was sent: billing period #%(number)s was closed after this page was "
                                 "loaded. Invites go out only for the current period: choose the contracts again "
                                 "there.", number=period.number))


@dataclass
class SendOutcome:
    sent: list[Row] = field(default_factory=list)
    already_invited: list[Row] = field(default_factory=list)
    ineligible: list[tuple[Row, str]] = field(default_factory=list)
    unknown: int = 0

    @property
    def banner(self) -> str:
        n = len(self.sent)
        if not (self.already_invited or self.ineligible or self.unknown):
            return ngettext("Invites sent for %(num)s contract.", "Invites sent for %(num)s contracts.", n)
        parts = [gettext("%(count)s sent", count=n)]
        if self.already_invited:
            parts.append(gettext("%(count)s already invited", count=len(self.already_invited)))
        if self.ineligible:
            why = "; ".join(f"{row.commitment.number}: {reason}" for row, reason in self.ineligible)
            parts.append(gettext("%(count)s not sent (%(why)s)", count=len(self.ineligible), why=why))
        if self.unknown:
            parts.append(gettext("%(count)s no longer available", count=self.unknown))
        return ", ".join(parts) + "."

    @property
    def category(self) -> str:
        if not self.sent:
            return "warning"
        return "success" if not (self.already_invited or self.ineligible or self.unknown) else "info"


def send_invites(board: Board, commitment_ids: list[int], by: User, term) -> SendOutcome:  # type: ignore[no-untyped-def]
    """Invite each chosen, eligible commitment once for the board's period, and queue one e-mail per contact.

    Idempotent: invites and e-mails are inserted with ON CONFLICT DO NOTHING on their unique
    keys, so a repeated request, a double click or two admins at once add nothing twice.
    """
    _require_admin(board, by)
    if not commitment_ids:
        raise NothingSelected
    if not board.can_send:
        raise PeriodClosed(board.period)
    period = board.period
    outcome = SendOutcome()
    wanted = []
    for commitment_id in dict.fromkeys(commitment_ids):
        row = board.row_for(commitment_id)
        if row is None:
            outcome.unknown += 1
        elif row.invite is not None:
            outcome.already_invited.append(row)
        elif row.reasons:
            outcome.ineligible.append((row, ", ".join(reason_text(r, row.commitment, term) for r in row.reasons)))
        else:
            wanted.append(row)
    if not wanted:
        return outcome

    now = utcnow()
    # Rows as execute parameters, not .values([...]): the statement is compiled once and cached.
    statement = (
        outbox._insert(Invite)
        .on_conflict_do_nothing(index_elements=["commitment_id", "billing_period_id"])
        .returning(Invite.id, Invite.commitment_id)
    )
    invite_rows = [{"commitment_id": row.commitment.id, "billing_period_id": period.id,
                    "status": InviteStatus.INVITED, "sent_by_id": by.id, "first_sent_at": now,
                    "last_sent_at": now, "send_count": 1, "decline_reason": ""} for row in wanted]
    created = {commitment_id: invite_id for invite_id, commitment_id in db.session.execute(statement, invite_rows)}
    mails, events, raced = [], [], []
    for row in wanted:
        invite_id = created.get(row.commitment.id)
        if invite_id is None:  # another request invited it a moment ago
            outcome.already_invited.append(row)
            raced.append(row.commitment.id)
            continue
        contacts = [u for u in row.contacts if u.active]
        mails += _mail_rows(invite_id, 1, contacts, by)
        events.append(_event(by, board, invite_id, "invite sent", new=_recipients(contacts)))
        row.invite = InviteView(id=invite_id, status=InviteStatus.INVITED, decline_reason="", first_sent_at=now,
                                last_sent_at=now, send_count=1)
        row.sender_name, row.mail_queued, row.mail_failing = by.name, len(contacts), False
        outcome.sent.append(row)
    outbox.queue_rows(mails)
    if events:
        db.session.execute(insert(AuditEvent), events)
    _commit_keeping_loaded()
    if raced:
        _reload_rows(board, raced, by)
    return outcome


@dataclass
class ResendOutcome:
    row: Row
    resent: bool

    @property
    def banner(self) -> str:
        number = self.row.commitment.number
        if self.resent:
            return gettext("Invite sent again for %(number)s (sent %(count)s times).", number=number,
                           count=self.row.invite.send_count)
        return gettext("The invite for %(number)s was already sent again a moment ago; nothing more was sent.",
                       number=number)


def resend_invite(  # type: ignore[no-untyped-def]
    board: Board, commitment_id: int, seen_send_count: int, by: User, term,
) -> ResendOutcome:
    """Queue the invite e-mail again to every active contact, while the invite still waits for an
    answer. `seen_send_count` is what the admin saw: a repeat of the same click finds the count
    moved on and sends nothing more."""
    _require_admin(board, by)
    row = board.row_for(commitment_id)
    if row is None or row.invite is None:
        raise LookupError("No invite to resend.")
    if not board.can_send:
        raise PeriodClosed(board.period)
    number = row.commitment.number
    if row.invite.status is not InviteStatus.INVITED:
        raise NotSent(gettext("%(number)s was already answered (%(status)s); only an invite still waiting for an "
                              "answer is sent again.", number=number, status=gettext(row.invite.status.value)))
    contacts = [u for u in row.contacts if u.active]
    if not contacts:
        raise NotSent(gettext("Nothing was sent: %(number)s has no active %(contact)s. Add one on the commitment, "
                              "then resend.", number=number, contact=term("claim_contact").lower()))
    now = utcnow()
    new_count = db.session.execute(
        update(Invite)
        .where(Invite.id == row.invite.id, Invite.send_count == seen_send_count)
        .values(send_count=Invite.send_count + 1, last_sent_at=now)
        .returning(Invite.send_count)
    ).scalar()
    if new_count is None:
        db.session.rollback()
        _reload_rows(board, [commitment_id], by)  # what the other click made of it
        return ResendOutcome(row=board.row_for(commitment_id) or row, resent=False)
    outbox.queue_rows(_mail_rows(row.invite.id, new_count, contacts, by))
    db.session.add(AuditEvent(**_event(by, board, row.invite.id, "invite resent", field="send_count",
                                       old=str(new_count - 1), new=f"{new_count} to {_recipients(contacts)}")))
    _commit_keeping_loaded()  # the answer shows this one row: set what changed rather than read it all again
    row.invite.send_count, row.invite.last_sent_at = new_count, now
    row.mail_queued += len(contacts)
    return ResendOutcome(row=row, resent=True)


@dataclass
class HistoryEntry:
    at: datetime
    who: str
    what: str
    detail: str
    delivered_at: datetime | None = None  # an e-mail's delivery, shown in the project's time zone


# An invite's stored audit actions (English in the database) as its history reads them, in the reader's language.
HISTORY_ACTIONS = {"invite sent": N_("Invite sent"), "invite resent": N_("Invite resent"), "answered": N_("Answered"),
                   "reminder queued": N_("Reminder queued"), "reminders muted": N_("Reminders muted")}


def _action_words(action: str) -> str:
    return gettext(HISTORY_ACTIONS[action]) if action in HISTORY_ACTIONS else action.capitalize()


def invite_history(invite: Invite) -> list[HistoryEntry]:
    """Who sent, when, to whom, and every answer; newest first."""
    events = db.session.execute(
        select(AuditEvent, User.name)
        .outerjoin(User, AuditEvent.actor_id == User.id)
        .where(AuditEvent.entity_type == "invite", AuditEvent.entity_id == invite.id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    ).all()
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.invite_id == invite.id)
                               .order_by(OutboxMessage.id.desc())).all()
    entries = [HistoryEntry(e.occurred_at, name or "", _action_words(e.action),
                            " ".join(x for x in [e.new_value] if x)) for e, name in events]
    for m in mails:
        state = (gettext("delivered") if m.sent_at else
                 gettext("not delivered yet, retrying (%(error)s)", error=m.last_error) if m.attempts
                 else gettext("queued"))
        entries.append(HistoryEntry(m.created_at, "", gettext("E-mail to %(address)s", address=m.to_address), state,
                                    m.sent_at))
    return sorted(entries, key=lambda e: e.at, reverse=True)


def _require_admin(board: Board, by: User) -> None:
    require(can_admin_project(by, board.project), "Only an Admin on this project's Commitments tool may send invites.")


def _mail_rows(invite_id: int, send_number: int, contacts: list[Contact], by: User) -> list[dict]:
    return [{"dedupe_key": f"invite:{invite_id}:send:{send_number}:to:{u.id}", "kind": INVITE_TO_BILL,
             "to_address": u.email, "to_user_id": u.id, "actor_id": by.id, "invite_id": invite_id}
            for u in contacts]


def _recipients(contacts: list[Contact]) -> str:
    return ", ".join(f"{u.name} <{u.email}>" for u in contacts)


def _event(by: User, board: Board, invite_id: int, action: str, *, field: str = "status",
           old: str = "Not Invited", new: str = "") -> dict:
    return {"occurred_at": utcnow(), "actor_id": by.id, "project_id": board.project.id, "entity_type": "invite",
            "entity_id": invite_id, "action": action, "field": field, "old_value": old,
            "new_value": new if field != "status" else f"Invited, to {new}"}


def _commit_keeping_loaded() -> None:
    """Commit without expiring what is loaded: the board in memory is already what the answer
    shows (the new invites were set on it), and re-reading it would cost statements per row."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _reload_rows(board: Board, commitment_ids: list[int], by: User) -> None:
    """After a race, show the invites another request made, not the stale rows."""
    fresh = {r.commitment.id: r for r in load_rows(board.project, board.period, by, AccessLevel.ADMIN, board.today,
                                                   commitment_ids=commitment_ids)}
    for i, row in enumerate(board.all_rows):
        if row.commitment.id in fresh:
            board.all_rows[i] = fresh[row.commitment.id]
    board._by_id = {}


__all__ = ["NotSent", "NothingSelected", "PeriodClosed", "PermissionDenied", "SendOutcome", "resend_invite",
           "send_invites"]
