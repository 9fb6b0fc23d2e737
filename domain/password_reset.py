"""Password reset (issue 12): a signed link by e-mail, asked for by the person or sent by a company admin.

The link works once and for PASSWORD_RESET_MAX_AGE seconds: it is signed over a fingerprint of the
current password and session version (domain/tokens.py), so setting the new password kills it, and
the new password is written only where the row still has the old one, so two clicks set it once.
Asking for a link for an address nobody has writes nothing and answers the same.
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from domain import audit, outbox
from domain.accounts import find_user_by_email, hash_password
from domain.emails import PASSWORD_RESET
from domain.models import AuditEvent, OutboxMessage, User, db
from domain.people import ActionRefused
from domain.permissions import require_company_admin
from domain.tokens import PasswordResetToken

RESET_QUEUED = "password reset e-mail queued"
RESET_DONE = "password reset"  # an audit action


class ResetRefused(Exception):
    """A reset the link no longer allows (used already, or the password changed since)."""


def request_reset(email: str) -> bool:
    """Queue a reset e-mail to the active person with that address; nothing at all for anyone else.
    Whether one was queued is for the caller's mail delivery only, never for the person asking."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return False
    queued = _queue_reset(user, by=None)
    db.session.commit()
    return queued


def send_reset(user: User, by: User) -> bool:
    """A company admin sends a person a reset link (from the directory)."""
    require_company_admin(by)
    if not user.active:
        raise ActionRefused(f"{user.name} is deactivated: reactivate them first.")
    if user.password_hash is None:
        raise ActionRefused(f"{user.name} has no password yet: send the activation e-mail instead.")
    queued = _queue_reset(user, by=by)
    db.session.commit()
    return queued


def user_for_reset(link: PasswordResetToken) -> User | None:
    """The person a reset link names, if they are active, still at the address it went to, and the
    link has not been used (their password is still the one it was signed over)."""
    user = db.session.get(User, link.user_id)
    if (user is None or not user.active or not link.sent_to(user.email)
            or not link.still_fits(user.password_hash, user.session_version)):
        return None
    return user


def reset_password(user: User, password: str) -> None:
    """Set the new password and end every session of the person; refused if the link was used meanwhile."""
    old_hash, old_version = user.password_hash, user.session_version
    still_old = User.password_hash.is_(None) if old_hash is None else User.password_hash == old_hash
    # One statement that only the unchanged row matches: a second click (or tab) changes nothing.
    changed = db.session.execute(
        update(User).where(User.id == user.id, User.session_version == old_version, still_old)
        .values(password_hash=hash_password(password), session_version=old_version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise ResetRefused
    # Reset links still waiting would be made over the new password: they are not wanted any more.
    outbox.withdraw_waiting(OutboxMessage.to_user_id == user.id, OutboxMessage.kind == PASSWORD_RESET)
    audit.record(actor=user, entity_type="user", entity_id=user.id, action=RESET_DONE)
    db.session.commit()
    db.session.refresh(user)


def _queue_reset(user: User, by: User | None) -> bool:
    """Queue the person's n-th reset e-mail, keyed by n (from the audit): two requests at once, one e-mail."""
    queued_before = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.entity_type == "user", AuditEvent.entity_id == user.id, AuditEvent.action == RESET_QUEUED))
    key = f"password-reset:{user.id}:{queued_before + 1}"
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is not None:
        return False
    outbox.queue_rows([{"dedupe_key": key, "kind": PASSWORD_RESET, "to_address": user.email,
                        "to_user_id": user.id, "actor_id": by.id if by else None}])
    audit.record(actor=by, entity_type="user", entity_id=user.id, action=RESET_QUEUED, new=user.email)
    return True
