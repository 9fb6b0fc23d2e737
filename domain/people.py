"""The people of every company: add, edit, deactivate and reactivate, activation e-mails."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from domain import audit, outbox
from domain.accounts import own_company
from domain.emails import ACCOUNT_ACTIVATION
from domain.errors import Invalid, check_all
from domain.locales import N_
from domain.models import AuditEvent, Company, OutboxMessage, User, db
from domain.permissions import require_company_admin
from domain.tokens import ActivationToken
from domain.vendors import record_default_contact

DUPLICATE_EMAIL = N_("A user with this e-mail already exists.")  # translated where raised
ACTIVATION_QUEUED = "activation e-mail queued"


class ActionRefused(Exception):
    """A row action (deactivate, resend) that cannot be done; the message says why."""


@dataclass(frozen=True)
class PersonDetails:
    name: str
    email: str
    company_id: int | None
    is_company_admin: bool = False
    active: bool = True


@dataclass
class CompanyPeople:
    company: Company
    people: list[User]


@dataclass(frozen=True)
class Activations:
    count: int
    last: datetime


@dataclass
class PeopleList:
    groups: list[CompanyPeople]
    companies: list[Company]  # every company, own first, for the filter
    # For people without a password: how many activation e-mails were queued, and the last time.
    activations: dict[int, Activations] = field(default_factory=dict)
    last_admin_id: int | None = None  # the only active company admin, whose actions are limited


def companies() -> list[Company]:
    """The own company first, then the vendors by name."""
    return list(db.session.scalars(select(Company).order_by(Company.is_own.desc(), func.lower(Company.name),
                                                            Company.id)))


def people(company: Company | None = None) -> PeopleList:
    """Everyone, grouped by company (or one company's people), in a fixed number of statements."""
    everyone = companies()
    query = select(User).order_by(func.lower(User.name), User.id)
    if company is not None:
        query = query.where(User.company_id == company.id)
    by_company: dict[int, list[User]] = defaultdict(list)
    for user in db.session.scalars(query):
        by_company[user.company_id].append(user)
    shown = [c for c in everyone if company is None or c.id == company.id]
    groups = [CompanyPeople(c, by_company.get(c.id, [])) for c in shown]
    if company is None:
        groups = [g for g in groups if g.people or g.company.is_own]
    waiting = [u.id for g in groups for u in g.people if u.password_hash is None]
    admins = _active_admin_ids()
    return PeopleList(groups=groups, companies=everyone, activations=_activations(waiting),
                      last_admin_id=admins[0] if len(admins) == 1 else None)


def person_row(user: User) -> PeopleList:
    """What one row of the people list needs, for an htmx swap of that row."""
    admins = _active_admin_ids()
    return PeopleList(groups=[], companies=[], activations=_activations([user.id]),
                      last_admin_id=admins[0] if len(admins) == 1 else None)


def _activations(user_ids: list[int]) -> dict[int, Activations]:
    rows = db.session.execute(
        select(AuditEvent.entity_id, func.count(AuditEvent.id), func.max(AuditEvent.occurred_at))
        .where(AuditEvent.entity_type == "user", AuditEvent.action == ACTIVATION_QUEUED,
               AuditEvent.entity_id.in_(user_ids))
        .group_by(AuditEvent.entity_id))
    return {user_id: Activations(count, last) for user_id, count, last in rows}


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def create_user(details: PersonDetails, by: User) -> tuple[User, list[str]]:
    """Add a user and, in the same transaction, queue their activation e-mail.

    Returns the user and notes for the person who added them (a default contact set, say).
    """
    require_company_admin(by)
    email = _normal_email(details.email)
    company, _ = check_all(lambda: _company_for(details), lambda: _check_email_free(email, None))
    user = User(company=company, name=details.name.strip(), email=email, active=True,
                is_company_admin=bool(details.is_company_admin), password_hash=None)
    db.session.add(user)
    _flush_or_duplicate_email()
    role = ", company admin" if user.is_company_admin else ""
    audit.record(actor=by, entity_type="user", entity_id=user.id, action="user created",
                 new=f"{user.name} <{user.email}>, {company.name}{role}")
    notes = []
    if not company.is_own and company.default_claim_contact_id is None:
        record_default_contact(company, user, by)
        notes.append(f"{user.name} is now {company.name}'s default contact.")
    _queue_activation(user, by)
    db.session.commit()
    return user, notes


def update_user(user: User, details: PersonDetails, by: User) -> tuple[list[str], list[str]]:
    """Save a user's details. The last active company admin keeps both the flag and the account.

    Returns the fields that changed and notes for the person who saved.
    """
    require_company_admin(by)
    email = _normal_email(details.email)
    company, _ = check_all(lambda: _company_for(details), lambda: _check_email_free(email, user.id))
    admin_after = bool(details.is_company_admin) and company.is_own
    if not details.active and user.active:
        _check_can_deactivate(user, by, "active")
    elif user.is_company_admin and user.company.is_own and not admin_after:
        _check_can_drop_admin(user, by)
    moving = company.id != user.company_id
    if moving:
        _check_can_move(user)
    old_company, old_email = user.company, user.email
    changed = audit.record_changes(user, {"name": details.name.strip(), "email": email,
                                          "is_company_admin": admin_after}, by)
    notes: list[str] = []
    if moving:
        audit.record(actor=by, entity_type="user", entity_id=user.id, action="changed", field="company",
                     old=old_company.name, new=company.name)
        user.company = company
        changed.append("company")
        if old_company.default_claim_contact_id == user.id:
            record_default_contact(old_company, None, by)
            notes.append(f"{old_company.name} has no default contact now.")
    _flush_or_duplicate_email()
    if details.active != user.active:
        notes += _set_active(user, details.active, by)
        changed.append("active")
    elif user.active and user.password_hash is None and email != old_email:
        withdrawn = _withdraw_mail(user, kinds=[ACCOUNT_ACTIVATION])
        if _queue_activation(user, by):
            notes.append(f"A new activation e-mail goes to {email}"
                         + ("; the one to the old address is withdrawn." if withdrawn else "."))
    if user.active and email != old_email:
        moved = outbox.readdress_waiting(user.id, old_email, email)
        if moved:
            notes.append(f"{moved} e-mail{'s' if moved != 1 else ''} still waiting to go out will go to {email}.")
    db.session.commit()
    return changed, notes


def deactivate_user(user: User, by: User) -> list[str]:
    """Deactivate (never delete): the user cannot sign in and is e-mailed nothing more."""
    require_company_admin(by)
    if not user.active:
        return []
    try:
        _check_can_deactivate(user, by, "active")
    except Invalid as refused:
        raise ActionRefused(str(refused)) from None
    notes = _set_active(user, False, by)
    db.session.commit()
    return notes


def reactivate_user(user: User, by: User) -> None:
    require_company_admin(by)
    if user.active:
        return
    _set_active(user, True, by)
    db.session.commit()


def resend_activation(user: User, by: User, seen: int | None = None) -> bool:
    """Queue another activation e-mail. `seen` is how many the admin saw queued: a repeat of the same
    click finds one more and queues nothing; returns whether this call queued one."""
    require_company_admin(by)
    if user.password_hash is not None:
        raise ActionRefused(f"{user.name} has already set a password; they sign in with it.")
    if not user.active:
        raise ActionRefused(f"{user.name} is deactivated: reactivate them first.")
    queued = _queue_activation(user, by, seen)
    db.session.commit()
    return queued


def user_for_activation(link: ActivationToken) -> User | None:
    """The user an activation link names, if they are active and still at the address it was mailed to.
    Whether they still need a password is the caller's question: a link is useless once one is set."""
    user = db.session.get(User, link.user_id)
    if user is None or not user.active or not link.sent_to(user.email):
        return None
    return user


def _company_for(details: PersonDetails) -> Company:
    company = db.session.get(Company, details.company_id) if details.company_id is not None else None
    if company is None:
        raise Invalid("company_id", lazy_gettext("Choose a company from the list."))
    if details.is_company_admin and not company.is_own:
        raise Invalid("is_company_admin", lazy_gettext("Only people of %(company)s can be company admins.",
                                                        company=_own_name()))
    return company


def _own_name() -> str:
    company = own_company()
    return company.name if company else str(lazy_gettext("your company"))


def _normal_email(email: str) -> str:
    return email.strip().lower()


def _check_email_free(email: str, user_id: int | None) -> None:
    clash = db.session.scalar(select(User.id).where(
        func.lower(User.email) == email, User.id != (user_id if user_id is not None else -1)).limit(1))
    if clash is not None:
        raise Invalid("email", lazy_gettext(DUPLICATE_EMAIL))


def _flush_or_duplicate_email() -> None:
    # Two admins adding one address at once: the unique index decides, and the loser hears why.
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Invalid("email", lazy_gettext(DUPLICATE_EMAIL)) from None


def _active_admin_ids(lock: bool = False) -> list[int]:
    query = (select(User.id).join(Company, User.company_id == Company.id)
             .where(Company.is_own.is_(True), User.active.is_(True), User.is_company_admin.is_(True))
             .order_by(User.id))
    if lock and db.engine.dialect.name == "postgresql":
        # Two admins demoting each other at once must not leave none: the second waits, then counts again.
        query = query.with_for_update(of=User)
    return list(db.session.scalars(query))


def _check_can_deactivate(user: User, by: User, field_name: str) -> None:
    if user.is_company_admin and user.company.is_own and not _other_active_admins(user):
        raise Invalid(field_name, lazy_gettext("%(name)s is the last active company admin and cannot be "
                                               "deactivated. Make someone else a company admin first.",
                                               name=user.name))
    if user.id == by.id:
        raise Invalid(field_name, lazy_gettext("You cannot deactivate your own account; ask another company admin."))


def _check_can_drop_admin(user: User, by: User) -> None:
    if user.active and not _other_active_admins(user):
        raise Invalid("is_company_admin", lazy_gettext("%(name)s is the last active company admin and must keep "
                                                       "the flag. Make someone else a company admin first.",
                                                       name=user.name))
    if user.id == by.id:
        raise Invalid("is_company_admin", lazy_gettext("You cannot remove your own company-admin flag; "
                                                       "ask another company admin."))


def _other_active_admins(user: User) -> list[int]:
    return [i for i in _active_admin_ids(lock=True) if i != user.id]


def _check_can_move(user: User) -> None:
    from domain.models import Commitment, commitment_claim_contacts

    contact_on = db.session.scalars(
        select(Commitment.number).join(commitment_claim_contacts)
        .where(commitment_claim_contacts.c.user_id == user.id).order_by(Commitment.number).limit(4)).all()
    if contact_on:
        listed = ", ".join(contact_on[:3])
        if len(contact_on) > 3:
            listed = str(lazy_gettext("%(numbers)s and more", numbers=listed))
        raise Invalid("company_id", lazy_gettext("%(name)s is a progress claim contact on %(listed)s of %(company)s; "
                                                 "remove them there before moving them.", name=user.name,
                                                 listed=listed, company=user.company.name))


def _set_active(user: User, active: bool, by: User) -> list[str]:
    notes = []
    audit.record(actor=by, entity_type="user", entity_id=user.id, action="reactivated" if active else "deactivated",
                 field="active", old=user.active, new=active)
    user.active = active
    if not active:
        user.session_version += 1  # their sessions end now, and stay ended if they are reactivated
        withdrawn = _withdraw_mail(user)
        if withdrawn:
            audit.record(actor=by, entity_type="user", entity_id=user.id, action="queued e-mails withdrawn",
                         new=str(withdrawn))
            notes.append(f"{withdrawn} queued e-mail{'s' if withdrawn != 1 else ''} to them will not be sent.")
        company = user.company
        if not company.is_own and company.default_claim_contact_id == user.id:
            record_default_contact(company, None, by)
            notes.append(f"{company.name} has no default contact now.")
    return notes


def _withdraw_mail(user: User, kinds: list[str] | None = None) -> int:
    """Drop e-mails to the user that are still waiting and that no worker holds right now."""
    where = [OutboxMessage.to_user_id == user.id]
    if kinds:
        where.append(OutboxMessage.kind.in_(kinds))
    return outbox.withdraw_waiting(*where)


def _queue_activation(user: User, by: User, seen: int | None = None) -> bool:
    """Queue the user's n-th activation e-mail, keyed by n. n counts from the audit (never deleted,
    unlike withdrawn e-mails), so two requests that saw the same count queue it once."""
    queued_before = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.entity_type == "user", AuditEvent.entity_id == user.id, AuditEvent.action == ACTIVATION_QUEUED))
    if seen is not None and seen != queued_before:
        return False
    key = f"activation:{user.id}:{queued_before + 1}"
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is not None:
        return False
    # Should two requests pass the check above at once, the unique key still lets one e-mail through.
    outbox.queue_rows([{"dedupe_key": key, "kind": ACCOUNT_ACTIVATION, "to_address": user.email,
                        "to_user_id": user.id, "actor_id": by.id}])
    audit.record(actor=by, entity_type="user", entity_id=user.id, action=ACTIVATION_QUEUED, new=user.email)
    return True
