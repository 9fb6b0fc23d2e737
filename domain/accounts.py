"""Users, sign-in and first-run setup."""

from __future__ import annotations

from functools import cache

from flask import current_app, has_app_context
from flask_babel import gettext
from sqlalchemy import exists, func, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from domain import audit
from domain.clock import utcnow
from domain.models import AuditEvent, Company, User, db

MIN_PASSWORD_LENGTH = 10
# Werkzeug's notation; the tests configure a cheap one (a hash is checked at every sign-in).
DEFAULT_HASH_METHOD = "scrypt"


def hash_password(password: str) -> str:
    """The one place a password is hashed: by the app's PASSWORD_HASH_METHOD."""
    return generate_password_hash(password, method=_hash_method())


def _hash_method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else DEFAULT_HASH_METHOD


@cache
def _dummy_hash(method: str) -> str:
    """Checked against when the e-mail is unknown, so a wrong e-mail costs as much time as a
    wrong password and the answer time does not tell which one it was."""
    return generate_password_hash("not-a-real-password-0", method=method)


class SetupAlreadyDone(Exception):
    pass


def has_any_user() -> bool:
    return bool(db.session.scalar(select(exists().where(User.id.is_not(None)))))


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)


# --- sign-in history and password changes (issue 10) ---------------------------------------------

SIGNED_IN = "signed in"
SIGN_IN_FAILED = "sign-in failed"
SIGN_IN_ACTIONS = (SIGNED_IN, SIGN_IN_FAILED)


class PasswordRefused(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.problems = {field: message}


def check_password(email: str, password: str, client: str) -> User | None:
    """The active user with that e-mail and password, or None; a refusal is recorded in the audit
    trail (against the account when the address names one) and committed."""
    user = find_user_by_email(email)
    if user is None or user.password_hash is None:
        check_password_hash(_dummy_hash(_hash_method()), password)
    elif check_password_hash(user.password_hash, password) and user.active:
        return user
    record_failed_sign_in(user, client, "wrong password" if user is not None else "unknown address")
    return None


def record_failed_sign_in(user: User | None, client: str, reason: str) -> None:
    # The account's id when there is one, so its owner sees the attempt; 0 for an unknown address.
    audit.record(actor=None, entity_type="user", entity_id=user.id if user else 0, action=SIGN_IN_FAILED,
                 field=reason, new=client)
    db.session.commit()


def record_sign_in(user: User, client: str, how: str = "password") -> None:
    user.last_sign_in_at = utcnow()
    audit.record(actor=user, entity_type="user", entity_id=user.id, action=SIGNED_IN, field=how, new=client)
    db.session.commit()


def recent_sign_ins(user: User, limit: int = 10) -> list[AuditEvent]:
    """The person's own sign-ins and refused attempts on their account, newest first."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "user", AuditEvent.entity_id == user.id,
                                 or_(*(AuditEvent.action == a for a in SIGN_IN_ACTIONS)))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit)))


def is_current_password(user: User, password: str) -> bool:
    """Whether `password` is the person's own: asked again before a change to how they sign in."""
    return user.password_hash is not None and check_password_hash(user.password_hash, password)


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; every other session of the person ends."""
    if not is_current_password(user, current):
        raise PasswordRefused("current_password", gettext("That is not your current password."))
    if current == new:
        raise PasswordRefused("password", gettext("Choose a password different from the current one."))
    set_password(user, new)
    user.session_version += 1
    audit.record(actor=user, entity_type="user", entity_id=user.id, action="password changed")
    db.session.commit()


def first_run_setup(*, company_name: str, name: str, email: str, password: str) -> User:
    """Create the own company and its first admin; refuses once any user exists."""
    if has_any_user():
        raise SetupAlreadyDone
    company = db.session.scalar(select(Company).where(Company.is_own.is_(True)))
    if company is None:
        company = Company(name=company_name.strip(), is_own=True)
        db.session.add(company)
    user = User(company=company, email=email.strip().lower(), name=name.strip(), is_company_admin=True)
    set_password(user, password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor=user, entity_type="user", entity_id=user.id, action="first-run setup")
    db.session.commit()
    return user


def own_company() -> Company | None:
    return db.session.scalar(select(Company).where(Company.is_own.is_(True)))


def activate(user: User, password: str) -> None:
    """Set the first password of an account made for someone (a claim contact, say)."""
    # One statement that only a password-less row matches: two clicks at once set it once.
    changed = db.session.execute(
        update(User).where(User.id == user.id, User.password_hash.is_(None))
        .values(password_hash=hash_password(password))
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise ValueError("already activated")
    audit.record(actor=user, entity_type="user", entity_id=user.id, action="account activated")
    db.session.commit()
    db.session.refresh(user)


def set_language(user: User, language: str | None) -> bool:
    """A person's own language ("en", "fr"; None: the company's default); False, with nothing written, when it
    is so already. Anything unsupported is refused (domain/locales.LANGUAGES)."""
    from domain.errors import Invalid
    from domain.locales import supported

    if language is not None and supported(language) != language:
        raise Invalid("language", gettext("Choose a language from the list."))
    if user.language == language:
        return False
    audit.record(actor=user, entity_type="user", entity_id=user.id, action="changed", field="language",
                 old=user.language or "company default", new=language or "company default")
    user.language = language
    db.session.commit()
    return True
