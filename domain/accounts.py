"""Users, sign-in and first-run setup."""

from __future__ import annotations

from sqlalchemy import exists, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from domain import audit
from domain.clock import utcnow
from domain.models import Company, User, db

MIN_PASSWORD_LENGTH = 10

# Checked against when the e-mail is unknown, so a wrong e-mail costs as much time as a
# wrong password and the answer time does not tell which one it was.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0")


class SetupAlreadyDone(Exception):
    pass


def has_any_user() -> bool:
    return bool(db.session.scalar(select(exists().where(User.id.is_not(None)))))


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The active user with that e-mail and password, or None, in constant-ish time."""
    user = find_user_by_email(email)
    if user is None or user.password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    user.last_sign_in_at = utcnow()
    db.session.commit()
    return user


def set_password(user: User, password: str) -> None:
    user.password_hash = generate_password_hash(password)


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
        .values(password_hash=generate_password_hash(password))
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise ValueError("already activated")
    audit.record(actor=user, entity_type="user", entity_id=user.id, action="account activated")
    db.session.commit()
    db.session.refresh(user)
