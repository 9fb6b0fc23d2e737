"""Who may do what: the one place that decides (SPEC §2, §7)."""

from __future__ import annotations

from sqlalchemy import select

from domain.models import AccessLevel, Commitment, Project, ProjectPermission, User, db


class PermissionDenied(Exception):
    """The user may not do this; the message says why, for a 403 page."""


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


def can_see_commitment(user: User, commitment: Commitment, level: AccessLevel) -> bool:
    """Private commitments show only to admins and to users on their Private list."""
    if level is AccessLevel.NONE:
        return False
    if not commitment.is_private or level is AccessLevel.ADMIN:
        return True
    return any(u.id == user.id for u in commitment.private_users)
