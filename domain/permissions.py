"""Who may do what: the one place that decides (SPEC §2, §4, §7).

Every "may this person ...?" is a predicate here; services call them at their top (through
`require`), route guards call them before loading anything, and views hand templates the
answers as flags (`can_admin`, `can_edit`), so no template compares access levels itself.
`visible_commitments` is the same rule as `can_see_commitment`, for a whole list in SQL. Both
speak of subcontracts and purchase orders only: the head contract has its own rule
(`can_see_head_contract`), so no list, guard or portal query of commitments ever shows it.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, false, or_, select

from domain.models import (
    AccessLevel,
    Claim,
    Commitment,
    Project,
    ProjectPermission,
    User,
    commitment_claim_contacts,
    commitment_private_users,
    db,
)
from domain.statuses import EDITABLE


class PermissionDenied(Exception):
    """The user may not do this; the message says why, for a 403 page."""


def require(allowed: bool, why: str) -> None:
    """Raise PermissionDenied saying `why` unless `allowed`: the first line of a service that changes things."""
    if not allowed:
        raise PermissionDenied(why)


# --- the company --------------------------------------------------------------------------------


def is_company_admin(user: User) -> bool:
    """An active company admin of the own company: creates projects, keeps the settings and the directory."""
    return bool(user.is_authenticated and user.active and not user.is_collaborator and user.is_company_admin)


def require_company_admin(user: User) -> None:
    require(is_company_admin(user), "Only a company admin may change the company settings and the directory.")


# --- a project ------------------------------------------------------------------------------------


def project_level(user: User, project: Project) -> AccessLevel:
    """The user's level on the project's Commitments tool.

    Company admins are Admin on every project; collaborators (vendor users) have no
    project access here: they work through the portal.
    """
    if not user.is_authenticated or not user.active or user.is_collaborator:
        return AccessLevel.NONE
    if user.is_company_admin:
        return AccessLevel.ADMIN
    level = db.session.scalar(
        select(ProjectPermission.level).where(
            ProjectPermission.project_id == project.id, ProjectPermission.user_id == user.id
        )
    )
    return level or AccessLevel.NONE


def visible_projects(user: User) -> list[Project]:
    """Projects the user may open (Read Only and up), by number."""
    if user.is_collaborator:
        return []
    query = select(Project).order_by(Project.number)
    if not user.is_company_admin:
        query = query.join(ProjectPermission).where(
            ProjectPermission.user_id == user.id,
            # levels are stored by name, so compare by membership, not order
            ProjectPermission.level.in_([lv for lv in AccessLevel if lv >= AccessLevel.READ_ONLY]),
        )
    return list(db.session.scalars(query))


def can_admin_project(user: User, project: Project, level: AccessLevel | None = None) -> bool:
    """An Admin on the project's Commitments tool (company admins are Admin everywhere): sends invites,
    keeps the billing periods, fills in and reviews claims.

    `level` is the user's level on the project when the caller has it already (a route guard does).
    """
    return (project_level(user, project) if level is None else level) is AccessLevel.ADMIN


def gets_admin_digest(user: User) -> bool:
    """Whom the weekly digest is for, and so who may turn it off or on: a company admin, or an Admin on some
    project (the people `project_admins` names)."""
    if not user.is_authenticated or not user.active or user.is_collaborator:
        return False
    return user.is_company_admin or db.session.scalar(select(exists().where(
        ProjectPermission.user_id == user.id, ProjectPermission.level == AccessLevel.ADMIN))) is True


def project_admins(project_id: int) -> list[User]:
    """Every active user who is Admin on the project (company admins among them), by id: who hears of a
    submitted claim. The same people as `can_admin_project`, for a whole list."""
    admins = db.session.scalars(
        select(User).outerjoin(ProjectPermission, (ProjectPermission.user_id == User.id)
                               & (ProjectPermission.project_id == project_id))
        .where(User.active.is_(True),
               (User.is_company_admin.is_(True)) | (ProjectPermission.level == AccessLevel.ADMIN))
        .order_by(User.id)
    ).unique().all()
    return [u for u in admins if not u.is_collaborator]


def can_read_demo_mail(user: User) -> bool:
    """The demo mailbox holds every vendor's invite links: the contractor's own people only."""
    return bool(user.is_authenticated and user.active and not user.is_collaborator)


def can_edit_project(user: User) -> bool:
    """Creating and editing projects is for company admins only; project Admins change their team."""
    return is_company_admin(user)


def can_manage_team(user: User, project: Project, level: AccessLevel | None = None) -> bool:
    """Company admins, and the project's own Admins."""
    return can_admin_project(user, project, level)


def level_fixed_because(member: User, viewer: User) -> str:
    """Why `viewer` cannot change `member`'s level on a project's team page, or "" when they can:
    a company admin is Admin everywhere, and nobody but a company admin changes their own level."""
    if member.is_company_admin:
        return "Company admin: Admin on every project"
    if member.id == viewer.id and not viewer.is_company_admin:
        return "Your own access: a company admin or another Admin changes it"
    return ""


def can_edit_commitments(user: User, project: Project, level: AccessLevel | None = None) -> bool:
    """Project Admins (company admins are Admin everywhere) create, import and change commitments."""
    return can_admin_project(user, project, level)


def require_commitment_editor(by: User, project: Project) -> None:
    require(can_edit_commitments(by, project),
            "Only an Admin on this project's Commitments tool may change commitments.")


# --- commitments ----------------------------------------------------------------------------------


def can_see_commitment(user: User, commitment: Commitment, level: AccessLevel) -> bool:
    """Staff see a project's commitments from Read Only up; a private one shows only to Admins and to
    users on its Private list. A collaborator sees only commitments they are a claim contact of,
    and a private one only while on its Private list. The head contract is not one of them."""
    if not commitment.is_subcontract:
        return False
    if user.is_collaborator:
        return _not_kept_private(user, commitment) and any(u.id == user.id for u in commitment.claim_contacts)
    if level is AccessLevel.NONE:
        return False
    return level is AccessLevel.ADMIN or _not_kept_private(user, commitment)


def _not_kept_private(user: User, commitment: Commitment) -> bool:
    return not commitment.is_private or any(u.id == user.id for u in commitment.private_users)


def visible_commitments(user: User, level: AccessLevel):  # type: ignore[no-untyped-def]
    """SQL: the commitments the user sees, for a whole list (`can_see_commitment`, row by row).

    `level` is the user's level on the project the list belongs to; a collaborator's lists
    (the portal) span projects, and their level plays no part.
    """
    not_kept_private = _not_kept_private_sql(user)
    if user.is_collaborator:
        is_contact = exists().where(commitment_claim_contacts.c.commitment_id == Commitment.id,
                                    commitment_claim_contacts.c.user_id == user.id)
        return and_(Commitment.is_subcontract, is_contact, not_kept_private)
    if level is AccessLevel.NONE:
        return false()
    if level is AccessLevel.ADMIN:
        return Commitment.is_subcontract
    return and_(Commitment.is_subcontract, not_kept_private)


def visible_commitments_everywhere(user: User):  # type: ignore[no-untyped-def]
    """SQL: `visible_commitments` for a list that spans projects (the home page), each commitment at the
    user's level on its own project."""
    if user.is_collaborator:
        return visible_commitments(user, AccessLevel.NONE)
    if user.is_company_admin:
        return visible_commitments(user, AccessLevel.ADMIN)
    on_project = and_(ProjectPermission.project_id == Commitment.project_id, ProjectPermission.user_id == user.id)
    reads = exists().where(on_project,
                           ProjectPermission.level.in_([lv for lv in AccessLevel if lv >= AccessLevel.READ_ONLY]))
    admin = exists().where(on_project, ProjectPermission.level == AccessLevel.ADMIN)
    return and_(Commitment.is_subcontract, reads, or_(admin, _not_kept_private_sql(user)))


def _not_kept_private_sql(user: User):  # type: ignore[no-untyped-def]
    on_private_list = exists().where(commitment_private_users.c.commitment_id == Commitment.id,
                                     commitment_private_users.c.user_id == user.id)
    return or_(Commitment.is_private.is_(False), on_private_list)


# --- the head contract ----------------------------------------------------------------------------


def can_see_head_contract(user: User, project: Project, level: AccessLevel | None = None) -> bool:
    """The project's head contract and its claims: staff from Read Only up, as for commitments (it is never
    private); vendor contacts never."""
    if user.is_collaborator:
        return False
    return (project_level(user, project) if level is None else level) >= AccessLevel.READ_ONLY


def can_edit_head_contract(user: User, project: Project, level: AccessLevel | None = None) -> bool:
    """Project Admins create and change the head contract, its SOV and its claims (prefill, adjust, submit
    to the client, record the client's decision)."""
    return not user.is_collaborator and can_admin_project(user, project, level)


def require_head_contract_editor(by: User, project: Project) -> None:
    require(can_edit_head_contract(by, project),
            "Only an Admin on this project's Commitments tool may change the head contract and its claims.")


# --- claims and their attachments -----------------------------------------------------------------


def can_see_claim(user: User, claim: Claim) -> bool:
    """Whoever sees the claim's commitment sees the claim (its page, its attachments); a head contract
    claim, whoever sees the head contract."""
    commitment = claim.commitment
    if not commitment.is_subcontract:
        return can_see_head_contract(user, commitment.project)
    level = AccessLevel.NONE if user.is_collaborator else project_level(user, commitment.project)
    return can_see_commitment(user, commitment, level)


def can_download_attachment(user: User, claim: Claim) -> bool:
    """An attachment is downloaded by whoever sees its claim."""
    return can_see_claim(user, claim)


def can_fill_in_claims(user: User, commitment: Commitment, level: AccessLevel | None = None) -> bool:
    """A commitment's claims are started, filled in and submitted by its progress claim contacts (in the
    portal) and by project Admins on their behalf."""
    if user.is_collaborator:
        return can_see_commitment(user, commitment, AccessLevel.NONE)
    return can_admin_project(user, commitment.project, level)


def can_answer_invite(user: User, commitment: Commitment) -> bool:
    """An invite to bill is answered by the commitment's progress claim contacts, in the portal."""
    return user.is_collaborator and can_see_commitment(user, commitment, AccessLevel.NONE)


def can_review_claims(user: User, project: Project, level: AccessLevel | None = None) -> bool:
    """Project Admins review submitted claims; contacts never do."""
    return not user.is_collaborator and can_admin_project(user, project, level)


def can_withdraw_claim(user: User, project: Project, level: AccessLevel | None = None) -> bool:
    """Project Admins withdraw a claim (a Draft or one sent back) so the commitment's next one can start."""
    return not user.is_collaborator and can_admin_project(user, project, level)


def can_change_attachments(user: User, claim: Claim) -> bool:
    """While the claim is a draft or sent back: its contacts, and project Admins."""
    if claim.status not in EDITABLE or not can_see_claim(user, claim):
        return False
    return user.is_collaborator or can_admin_project(user, claim.commitment.project)


def can_release_holdback(user: User, project: Project, level: AccessLevel | None = None) -> bool:
    """Project Admins release a commitment's retention (holdback); contacts and Standard users never do."""
    return not user.is_collaborator and can_admin_project(user, project, level)


def can_give_payment_notice(user: User, project: Project, level: AccessLevel | None = None) -> bool:
    """Project Admins give a notice of non-payment from a subcontractor's claim; contacts and Standard users
    never do (domain/payment_notices.py)."""
    return not user.is_collaborator and can_admin_project(user, project, level)
