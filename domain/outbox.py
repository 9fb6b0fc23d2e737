"""The e-mail outbox: queued in the same transaction as the change it tells of, delivered later.

Delivery guarantees: a message is never lost (it stays Pending until the SMTP server
accepts it, retried with growing delay), and never sent twice once marked Sent. A worker
reserves a batch for a few seconds only (RESERVE_FOR), so a worker killed mid-batch holds back
the messages it had not sent yet for seconds, not minutes. It sends the batch over one SMTP
connection in groups (see `_Groups`): just before a group goes, one statement marks the group
before it Sent and another claims this group's messages for CLAIM_FOR, only those still this
worker's, in one commit; so two workers never send the same message. No message starts later than
GROUP_TIME after its group's claim, and one message's SMTP steps are each bounded by MAIL_TIMEOUT,
so the claim outlasts the sending. The gap left: if the worker dies or the database fails
while a group is going out, the messages of that group the server had accepted go again once
their claims run out (CLAIM_FOR). A group is at most GROUP_MOST messages and no more than were
sent in about GROUP_TIME; with a slow server it is one message, as when every message had its
own commit. Why groups: a commit waits for the disk (milliseconds), and so did two per e-mail.
Within a group the e-mails go pipelined when the server allows it (domain/mailer.Sender: an
e-mail's envelope rides with the e-mail before it), never across the commit that ends a group.

Attachments are made at delivery, like the text: ATTACHMENTS names, for a kind of e-mail, the
function that makes them from the message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import selectinload

from domain import accounts, emails
from domain.clock import utcnow
from domain.mailer import Attachment, Composed, Composer, Sender, TimedMail
from domain.models import Claim, Commitment, Invite, OutboxMessage, OutboxStatus, User, db

log = logging.getLogger(__name__)

RESERVE_FOR = timedelta(seconds=10)  # a batch, while its worker connects and sends the messages before
CLAIM_FOR = timedelta(minutes=5)  # the group being sent: more than one message's SMTP timeouts add up to
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
GROUP_MOST = 50  # messages sent between two commits, at most (see _Groups)
GROUP_TIME = timedelta(seconds=0.2)  # ... and for about this long at most
SUBJECT_KEPT = OutboxMessage.__table__.c.subject.type.length

def _head_claim_attachments(message: OutboxMessage) -> Sequence[Attachment | tuple[str, str, bytes]]:
    from domain.head_contract import client_email_attachments  # it queues through this module

    return client_email_attachments(message)


def _payment_notice_attachments(message: OutboxMessage) -> Sequence[Attachment | tuple[str, str, bytes]]:
    from domain.payment_notices import email_attachments  # it queues through this module

    return email_attachments(message)


# What a kind of e-mail carries attached, made when it is delivered (as its text is): kind -> a
# function of the message returning (filename, content type, bytes) tuples. A kind not named here
# has none. A function that raises fails that one message, which is retried like a refused one.
# Named here, not by the modules that make them, so that every worker knows them whatever it imported.
ATTACHMENTS: dict[str, Callable[[OutboxMessage], Sequence[Attachment | tuple[str, str, bytes]]]] = {
    emails.HEAD_CLAIM_TO_CLIENT: _head_claim_attachments,
    emails.PAYMENT_NOTICE: _payment_notice_attachments,
}


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... doubling up to an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def _row_values(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    now = utcnow()
    return [{"status": OutboxStatus.PENDING, "attempts": 0, "created_at": now, "next_attempt_at": now,
             "subject": "", "text_body": "", "html_body": "", "last_error": "", "to_user_id": None,
             "actor_id": None, "invite_id": None, "claim_id": None, **row} for row in rows]


def queue_rows(rows: list[dict[str, Any]]) -> None:
    """Queue e-mails in the caller's transaction in one statement; a repeated dedupe_key is skipped."""
    if not rows:
        return
    values = _row_values(rows)
    # Rows as execute parameters: one batched INSERT whose compiled form is cached.
    statement = _insert(OutboxMessage).on_conflict_do_nothing(index_elements=["dedupe_key"])
    db.session.execute(statement, values)


def queue_once(row: dict[str, Any]) -> bool:
    """Queue one e-mail in the caller's transaction unless its dedupe_key was queued before; whether it was
    queued now. Two requests at once queue it once: the second waits for the first's key, then skips."""
    (values,) = _row_values([row])
    statement = (_insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
                 .returning(OutboxMessage.id))
    return db.session.execute(statement).first() is not None


def _unheld(now: datetime) -> Any:
    """SQL: no worker holds the message right now (never claimed, or its claim ran out)."""
    return or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)


def withdraw_waiting(*where: Any) -> int:
    """Drop e-mails matching `where` that still wait and that no worker holds right now; how many."""
    statement = delete(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING, _unheld(utcnow()), *where)
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount or 0


def readdress_waiting(user_id: int, old_address: str, new_address: str) -> int:
    """E-mails still waiting for a user's old address go to the new one (their links are bound to the
    address they go to, so none reaches the old mailbox); how many."""
    statement = update(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.PENDING, _unheld(utcnow()),
        OutboxMessage.to_user_id == user_id, OutboxMessage.to_address == old_address,
    ).values(to_address=new_address)
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount or 0


def _insert(model):  # type: ignore[no-untyped-def]
    """INSERT ... ON CONFLICT for the dialect in use (SQLite and PostgreSQL both have it)."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    group: int = field(default=1, repr=False, compare=False)  # the size the next batch's first group can take

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.failed} failed"


def claim_due(now: datetime, batch: int, due_by: datetime | None = None) -> list[int]:
    """Reserve up to `batch` messages due by `due_by` (default: `now`) for this worker for RESERVE_FOR,
    committing the reservation."""
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= (due_by or now),
            _unheld(now),
        )
        .order_by(OutboxMessage.id)
        .limit(batch)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(due))
    if not ids:
        db.session.rollback()
        return []
    # The same condition again: on SQLite (no row locks) a racing worker claims none of these.
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            _unheld(now),
        )
        .values(claimed_until=now + RESERVE_FOR)
        .returning(OutboxMessage.id)
    ).scalars().all()
    db.session.commit()
    return sorted(claimed)


def deliver_due(mail: TimedMail, *, batch: int = 100, now: datetime | None = None) -> DeliveryReport:
    """Send one batch of what is due over one SMTP connection; safe to run in several processes at once."""
    now = now or utcnow()
    return deliver_claimed(mail, claim_due(now, batch), now)


def deliver_all_due(mail: TimedMail, *, batch: int = 100, now: datetime | None = None) -> DeliveryReport:
    """Send everything that is due now, batch after batch, then stop. A message that fails is due
    again only after its retry delay, later than now, and one queued meanwhile is not due yet:
    so this ends, having tried each due message once, even while the SMTP server is down."""
    due_by = now or utcnow()
    report = DeliveryReport()
    while True:
        this_pass = now or utcnow()  # reservations are counted from the real clock, not from the start
        ids = claim_due(this_pass, batch, due_by)
        if not ids:
            return report
        # The pace carries over: a batch after a fast one starts with groups as large, not at one.
        done = deliver_claimed(mail, ids, this_pass, first_group=report.group)
        report.sent += done.sent
        report.failed += done.failed
        report.group = done.group


def deliver_claimed(mail: TimedMail, ids: list[int], now: datetime, *, first_group: int = 1) -> DeliveryReport:
    """Send the messages this worker claimed, each only while its claim is still this worker's.

    Group by group (see `_Groups`): one statement renews the claims of the next few messages and
    marks those sent before them, one commit, then those few go over the open SMTP connection.
    """
    report = DeliveryReport()
    if not ids:
        return report
    with _keeping_loaded():
        messages, _named = _load(ids)
        held = {m.id: m.claimed_until for m in messages}
        done = _Outcomes()
        try:
            settings = mail.settings()
            composer = Composer(settings.default_sender)
            with Sender(settings) as connection, emails.rendering_for(accounts.own_company()):
                groups = _Groups(messages, first_group)
                for group in groups:
                    ours = _renew_claims(group, held, done)
                    started: set[int] = set()
                    # Slow going (groups.cut_short): what was sent gets marked before the rest go.
                    for (message, rendered), refusal in connection.send_all(
                            _composed(ours, composer, started, groups, done, now), stop=groups.cut_short):
                        if refusal is None:
                            _sent(message, rendered, done)
                        else:
                            _refused(message, refusal, done, now)
                        groups.sent_one()
                    groups.put_back([m for m in ours if m.id not in started])
                done.write()
                db.session.commit()
                report.group = groups.next_size
        except Exception as exc:  # noqa: BLE001 - the SMTP server is down or refused us: retry later
            log.warning("outbox: SMTP connection failed: %s", exc)
            db.session.rollback()
            done.write()  # what the server accepted is marked Sent first: accepted means never sent again
            db.session.commit()
            for message in messages:
                if held[message.id] is not None and _give_back(message, held[message.id], exc, now):
                    done.failed += 1
            db.session.commit()
        report.sent, report.failed = done.sent, done.failed
    return report


@contextmanager
def _keeping_loaded() -> Iterator[None]:
    """The worker's commits do not expire what it loaded: the messages and the rows they name stay
    as read (they are not changed by anyone while claimed), instead of being read again after
    each commit. Anything loaded before is read afresh first."""
    session = db.session()
    session.expire_all()
    before = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = before
        session.expire_all()


def _load(ids: list[int]) -> tuple[list[OutboxMessage], list[Any]]:
    """The claimed messages, and in a few statements the rows their e-mails name, so that rendering
    each one finds them loaded instead of reading them one by one."""
    messages = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                       .order_by(OutboxMessage.id)))
    named: list[Any] = []  # held here: the session keeps loaded rows only while something refers to them
    invite_ids = {m.invite_id for m in messages if m.invite_id is not None}
    claim_ids = {m.claim_id for m in messages if m.claim_id is not None}
    user_ids = {i for m in messages for i in (m.to_user_id, m.actor_id) if i is not None}
    if invite_ids:
        named += db.session.scalars(select(Invite).where(Invite.id.in_(invite_ids)).options(
            selectinload(Invite.commitment).selectinload(Commitment.project),
            selectinload(Invite.billing_period), selectinload(Invite.sent_by))).all()
    if claim_ids:
        named += db.session.scalars(select(Claim).where(Claim.id.in_(claim_ids)).options(
            selectinload(Claim.commitment).selectinload(Commitment.project),
            selectinload(Claim.billing_period))).all()
    if user_ids:
        named += db.session.scalars(select(User).where(User.id.in_(user_ids))).all()
    return messages, named


class _Groups:
    """The claimed messages in groups that grow 1, 2, 4, ... up to GROUP_MOST while each goes out
    within GROUP_TIME; a group that takes longer is cut short there, and the next starts at half
    what it sent (one message at a time for a slow server, as before). So the messages the server
    has accepted but the database does not yet say are Sent are never more than GROUP_MOST, nor
    more than were sent in about GROUP_TIME."""

    def __init__(self, messages: list[OutboxMessage], first: int = 1) -> None:
        self._waiting = list(reversed(messages))
        self._size = max(1, min(first, GROUP_MOST))
        self._started = 0.0
        self._sent = 0

    def __iter__(self) -> Iterator[list[OutboxMessage]]:
        while self._waiting:
            group = [self._waiting.pop() for _ in range(min(self._size, len(self._waiting)))]
            self._started, self._sent = time.monotonic(), 0
            yield group
            if self._sent == len(group) and not self.cut_short():
                self._size = min(self._size * 2, GROUP_MOST)
            else:
                self._size = max(self._sent // 2, 1)

    @property
    def next_size(self) -> int:
        return self._size

    def cut_short(self) -> bool:
        return self._sent > 0 and time.monotonic() - self._started > GROUP_TIME.total_seconds()

    def sent_one(self) -> None:
        self._sent += 1

    def put_back(self, rest: list[OutboxMessage]) -> None:
        """The rest of a cut group waits for the next (its claims are renewed again then)."""
        self._waiting.extend(reversed(rest))


@dataclass
class _Outcomes:
    """What happened to the messages sent since the last commit, written in one statement each kind."""

    sent: int = 0
    failed: int = 0
    sent_rows: list[dict[str, Any]] = field(default_factory=list)
    failed_rows: list[dict[str, Any]] = field(default_factory=list)

    def write(self) -> None:
        for rows in (self.sent_rows, self.failed_rows):
            if rows:
                db.session.execute(update(OutboxMessage), rows)  # by primary key: one executemany
        self.sent_rows, self.failed_rows = [], []


def _give_back(message: OutboxMessage, held: datetime, exc: Exception, now: datetime) -> bool:
    """After a failed connection: count the attempt and set the next one, but only while this worker
    still holds the message (a reservation that ran out may have been taken by another worker)."""
    taken_back = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status == OutboxStatus.PENDING,
               OutboxMessage.claimed_until == held)
        .values(**_failure(message.attempts + 1, exc, now))
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    return taken_back is not None


def _renew_claims(group: list[OutboxMessage], held: dict[int, datetime | None],
                  done: _Outcomes) -> list[OutboxMessage]:
    """Just before sending a group: mark what was sent before it, and hold the group's messages for
    another CLAIM_FOR, in one commit; the messages still this worker's (a slow server can make a batch
    outlast its reservation, and another worker may have taken some: those are not sent here)."""
    done.write()
    renewed = utcnow() + CLAIM_FOR
    taken: set[int] = set()
    for claim in {held[m.id] for m in group if held[m.id] is not None}:  # one value, unless a group was cut
        ids = [m.id for m in group if held[m.id] == claim]
        taken.update(db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.PENDING,
                   OutboxMessage.claimed_until == claim)
            .values(claimed_until=renewed)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        ).scalars())
    db.session.commit()
    ours = []
    for message in group:
        if message.id in taken:
            held[message.id] = renewed
            ours.append(message)
        elif held[message.id] is not None:
            log.info("outbox: message %s was taken by another worker; not sending it here", message.id)
            held[message.id] = None
    return ours


def _composed(messages: list[OutboxMessage], composer: Composer, started: set[int], groups: _Groups,
              done: _Outcomes, now: datetime) -> Iterator[tuple[tuple[OutboxMessage, emails.Rendered], Composed]]:
    """Each message rendered and composed as the connection asks for it (`started` says which were);
    one that cannot be (a rendering error, an address unfit to send to) fails alone, the others go on."""
    for message in messages:
        started.add(message.id)
        try:
            rendered = emails.render(message)
            attach = ATTACHMENTS.get(message.kind)
            composed = composer.compose(message.to_address, rendered.subject, rendered.text, rendered.html,
                                        attach(message) if attach else ())
        except Exception as exc:  # noqa: BLE001 - this message failed; the others go on
            _refused(message, exc, done, now)
            groups.sent_one()  # done with, as far as the group's pace goes
            continue
        yield (message, rendered), composed


def _sent(message: OutboxMessage, rendered: emails.Rendered, done: _Outcomes) -> None:
    # Kept to the column's length: a longer subject (200-character project name, 120-character
    # sender) must not fail the write of Sent after the server accepted the e-mail, or it goes again.
    done.sent_rows.append({
        "id": message.id, "subject": rendered.subject[:SUBJECT_KEPT], "text_body": rendered.text,
        "html_body": rendered.html, "status": OutboxStatus.SENT, "sent_at": utcnow(),
        "attempts": message.attempts + 1, "claimed_until": None, "last_error": "",
    })
    done.sent += 1


def _refused(message: OutboxMessage, exc: Exception, done: _Outcomes, now: datetime) -> None:
    log.warning("outbox: message %s failed: %s", message.id, exc)
    done.failed_rows.append({"id": message.id, **_failure(message.attempts + 1, exc, now)})
    done.failed += 1


def _failure(attempts: int, exc: Exception, now: datetime) -> dict[str, Any]:
    """A failed attempt, the `attempts`-th: when to try again, and why it failed."""
    # From the attempt's `now` (a caller may pass a later one), never from before the real clock.
    return {"attempts": attempts, "next_attempt_at": max(now, utcnow()) + retry_delay(attempts),
            "claimed_until": None, "last_error": f"{type(exc).__name__}: {exc}"[:2000]}
