"""A commitment's people: its progress claim contacts and its Private list (SPEC §2).

Only project Admins change them; each change is recorded in the commitment's audit trail.
"""

from __future__ import annotations

from domain.commitments import put_on_contacts, record_event
from domain.errors import Invalid
from domain.models import (
    Commitment,
    User,
    db,
)
from domain.permissions import require_commitment_editor


def add_claim_contact(commitment: Commitment, user: User, by: User) -> bool:
    """Make an active user of the vendor a contact, and put them on the Private list; False if already one."""
    require_commitment_editor(by, commitment.project)
    if user.company_id != commitment.vendor_id:
        raise Invalid("contact", f"{user.name} is not a user of {commitment.vendor.name}.")
    if not user.active:
        raise Invalid("contact", f"{user.name} is inactive and cannot be a contact.")
    if any(u.id == user.id for u in commitment.claim_contacts):
        return False
    put_on_contacts(commitment, user, by)
    db.session.commit()
    return True


def remove_claim_contact(commitment: Commitment, user: User, by: User) -> bool:
    """Stop inviting the user for this commitment; they stay on the Private list. False if not a contact."""
    require_commitment_editor(by, commitment.project)
    if all(u.id != user.id for u in commitment.claim_contacts):
        return False
    commitment.claim_contacts.remove(user)
    record_event(commitment, by, "claim contact removed", "claim_contacts", old=f"{user.name} <{user.email}>")
    db.session.commit()
    return True


def add_private_user(commitment: Commitment, user: User, by: User) -> bool:
    """Let an internal user or a user of the vendor see the commitment while it is private."""
    require_commitment_editor(by, commitment.project)
    if not (user.company.is_own or user.company_id == commitment.vendor_id):
        raise Invalid("private_user", f"{user.name} is not a user of {commitment.vendor.name} "
                                                "or of your own company.")
    if not user.active:
        raise Invalid("private_user", f"{user.name} is inactive.")
    if any(u.id == user.id for u in commitment.private_users):
        return False
    commitment.private_users.append(user)
    record_event(commitment, by, "private list: added", "private_users", new=f"{user.name} <{user.email}>")
    db.session.commit()
    return True


def remove_private_user(commitment: Commitment, user: User, by: User) -> bool:
    require_commitment_editor(by, commitment.project)
    if all(u.id != user.id for u in commitment.private_users):
        return False
    if any(u.id == user.id for u in commitment.claim_contacts):
        raise Invalid("private_user", f"{user.name} is a contact of this commitment: remove them as "
                                                "contact first.")
    commitment.private_users.remove(user)
    record_event(commitment, by, "private list: removed", "private_users", old=f"{user.name} <{user.email}>")
    db.session.commit()
    return True


