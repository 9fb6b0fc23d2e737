"""The e-mail outbox: queued in the same transaction as the change it tells of, delivered later.

Delivery guarantees: a message is never lost (it stays Pending until the SMTP server
accepts it, retried with growing delay), and never sent twice once accepted (it is marked
Sent and committed right after the server's answer). A worker reserves a batch for a few
seconds only (RESERVE_FOR), so a worker killed mid-batch holds back the messages it had not
sent yet for seconds, not minutes; just before sending each message it claims that one for
CLAIM_FOR (long enough for one message, each SMTP step being bounded by MAIL_TIMEOUT), and only
if no other worker took it meanwhile, so two workers never send the same message. The one gap
left: if the worker dies or the database fails between the server's acceptance and the commit
of Sent, that message goes again once its claim runs out.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_mail import Mail, Message
from sqlalchemy import delete, or_, select, update

from domain import emails
from domain.clock import utcnow
from domain.models import OutboxMessage, OutboxStatus, db

log = logging.getLogger(__name__)

MESSAGE_REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)
RESERVE_FOR = timedelta(seconds=10)  # a batch, while its worker connects and sends the messages before
CLAIM_FOR = timedelta(minutes=5)  # the message being sent: more than the SMTP steps' timeouts add up to
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
SUBJECT_KEPT = OutboxMessage.__table__.c.subject.type.length


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... doubling up to an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def queue_rows(rows: list[dict[str, Any]]) -> None:
    """Queue e-mails in the caller's transaction in one statement; a repeated dedupe_key is skipped."""
    if not rows:
        return
    now = utcnow()
    values = [{"status": OutboxStatus.PENDING, "attempts": 0, "created_at": now, "next_attempt_at": now,
               "subject": "", "text_body": "", "html_body": "", "last_error": "", "to_user_id": None,
               "actor_id": None, "invite_id": None, "claim_id": None, **row} for row in rows]
    # Rows as execute parameters: one batched INSERT whose compiled form is cached.
    statement = _insert(OutboxMessage).on_conflict_do_nothing(index_elements=["dedupe_key"])
    db.session.execute(statement, values)


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

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.failed} failed"


def claim_due(now: datetime, batch: int) -> list[int]:
    """Reserve up to `batch` due messages for this worker for RESERVE_FOR, committing the reservation."""
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
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


def deliver_due(mail: Mail, *, batch: int = 100, now: datetime | None = None) -> DeliveryReport:
    """Send what is due over one SMTP connection; safe to run in several processes at once."""
    now = now or utcnow()
    return deliver_claimed(mail, claim_due(now, batch), now)


def deliver_claimed(mail: Mail, ids: list[int], now: datetime) -> DeliveryReport:
    """Send the messages this worker claimed, each only while its claim is still this worker's."""
    report = DeliveryReport()
    if not ids:
        return report
    messages = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                       .order_by(OutboxMessage.id)))
    held = {m.id: m.claimed_until for m in messages}
    try:
        with mail.connect() as connection:
            for message in messages:
                held[message.id] = _renew_claim(message, held[message.id])
                if held[message.id] is not None:
                    _deliver_one(connection, message, report, now)
    except Exception as exc:  # noqa: BLE001 - the SMTP server is down or refused us: retry later
        log.warning("outbox: SMTP connection failed: %s", exc)
        db.session.rollback()  # what was committed (Sent) stays; reload the rest
        for message in messages:
            if held[message.id] is not None and _give_back(message, held[message.id], exc, now):
                report.failed += 1
        db.session.commit()
    return report


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


def _renew_claim(message: OutboxMessage, held: datetime | None) -> datetime | None:
    """Just before sending: hold the message for another CLAIM_FOR, or None when this worker's claim
    ran out and another worker took it (a slow server can make a batch outlast its claim)."""
    if held is None:
        return None
    renewed = utcnow() + CLAIM_FOR
    taken = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status == OutboxStatus.PENDING,
               OutboxMessage.claimed_until == held)
        .values(claimed_until=renewed)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    db.session.commit()
    if taken is None:
        log.info("outbox: message %s was taken by another worker; not sending it here", message.id)
        return None
    return renewed


def _deliver_one(connection: Any, message: OutboxMessage, report: DeliveryReport, now: datetime) -> None:
    try:
        rendered = emails.render(message)
        connection.send(Message(
            subject=rendered.subject, recipients=[message.to_address], body=rendered.text, html=rendered.html,
        ))
    except MESSAGE_REFUSED as exc:  # this one message was refused; the others go on
        _refused(message, exc, report, now)
        return
    except OSError:
        raise  # the connection is gone (smtplib's errors are OSErrors): retry the rest of the batch later
    except Exception as exc:  # noqa: BLE001 - rendering failed for this message; the others go on
        _refused(message, exc, report, now)
        return
    # Kept to the column's length: a longer subject (200-character project name, 120-character
    # sender) must not fail this commit after the server accepted the e-mail, or it goes again.
    message.subject = rendered.subject[:SUBJECT_KEPT]
    message.text_body, message.html_body = rendered.text, rendered.html
    message.status = OutboxStatus.SENT
    message.sent_at = utcnow()
    message.attempts += 1
    message.claimed_until = None
    message.last_error = ""
    db.session.commit()  # at once: accepted means never sent again
    report.sent += 1


def _refused(message: OutboxMessage, exc: Exception, report: DeliveryReport, now: datetime) -> None:
    log.warning("outbox: message %s failed: %s", message.id, exc)
    _failed(message, exc, now)
    report.failed += 1
    db.session.commit()


def _failed(message: OutboxMessage, exc: Exception, now: datetime) -> None:
    for name, value in _failure(message.attempts + 1, exc, now).items():
        setattr(message, name, value)


def _failure(attempts: int, exc: Exception, now: datetime) -> dict[str, Any]:
    """A failed attempt, the `attempts`-th: when to try again, and why it failed."""
    # From the attempt's `now` (a caller may pass a later one), never from before the real clock.
    return {"attempts": attempts, "next_attempt_at": max(now, utcnow()) + retry_delay(attempts),
            "claimed_until": None, "last_error": f"{type(exc).__name__}: {exc}"[:2000]}
