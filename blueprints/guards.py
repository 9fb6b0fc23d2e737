"""Route-side permission guards: they ask domain/permissions.py and answer 404 or 403."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from domain import permissions
from domain.models import AccessLevel, Project, db


def project_for_current_user(
    project_id: int, minimum: AccessLevel = AccessLevel.READ_ONLY
) -> tuple[Project, AccessLevel]:
    """The project and the user's level on it.

    404 when the project does not exist or the user has None on it (its existence is
    not to be revealed); 403 when the user sees it but lacks `minimum`.
    """
    project = db.session.get(Project, project_id)
    if project is None:
        abort(404)
    level = permissions.project_level(current_user, project)
    if level is AccessLevel.NONE:
        abort(404)
    if level < minimum:
        abort(403)
    return project, level
