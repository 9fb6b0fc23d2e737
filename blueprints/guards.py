"""Route-side guards: they turn ids in the URL into what the user may touch, asking domain/permissions.py.

404 when something does not exist, belongs to another project, or is kept from the user
(its existence is not to be revealed); then 403 when the user sees it but lacks the level.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort
from flask_login import current_user

from domain import permissions
from domain.head_contract import head_contract_of
from domain.models import AccessLevel, BillingPeriod, Claim, Commitment, Invite, Project, SovLine, db

T = TypeVar("T", Commitment, Claim, Invite)


def project_for_current_user(
    project_id: int, minimum: AccessLevel = AccessLevel.READ_ONLY
) -> tuple[Project, AccessLevel]:
    """The project and the user's level on it: 404 when it is unknown or the user has None on it,
    403 when the user sees it but lacks `minimum`."""
    project, level = _project(project_id)
    if level < minimum:
        abort(403)
    return project, level


def commitment_for_current_user(
    project_id: int, commitment_id: int, minimum: AccessLevel = AccessLevel.READ_ONLY
) -> tuple[Project, AccessLevel, Commitment]:
    """The project, the user's level on it and its commitment."""
    return _in_project(project_id, Commitment, commitment_id, lambda c: c, minimum)


def claim_for_current_user(
    project_id: int, claim_id: int, minimum: AccessLevel = AccessLevel.READ_ONLY
) -> tuple[Project, AccessLevel, Claim]:
    """The project, the user's level on it and the claim of one of its commitments."""
    return _in_project(project_id, Claim, claim_id, lambda c: c.commitment, minimum)


def head_contract_claim_for_current_user(
    project_id: int, claim_id: int, minimum: AccessLevel = AccessLevel.READ_ONLY
) -> tuple[Project, AccessLevel, Claim]:
    """The project, the user's level on it and its head contract's claim: 404 for a subcontractor's claim,
    another project's, or a user who does not see the head contract (vendor contacts); then 403 below `minimum`."""
    project, level = _project(project_id)
    claim = db.session.get(Claim, claim_id)
    if (claim is None or claim.commitment.is_subcontract or claim.commitment.project_id != project.id
            or not permissions.can_see_head_contract(current_user, project, level)):
        abort(404)
    if level < minimum:
        abort(403)
    return project, level, claim


def invite_for_current_user(
    project_id: int, invite_id: int, minimum: AccessLevel = AccessLevel.READ_ONLY
) -> tuple[Project, AccessLevel, Invite]:
    """The project, the user's level on it and the invite of one of its commitments."""
    return _in_project(project_id, Invite, invite_id, lambda i: i.commitment, minimum)


def head_contract_for_current_user(
    project_id: int, minimum: AccessLevel = AccessLevel.READ_ONLY
) -> tuple[Project, AccessLevel, Commitment]:
    """The project, the user's level on it and its head contract: 404 when the project has none or the user may
    not see it (vendor contacts never do), 403 when the user sees it but lacks `minimum`."""
    project, level = _project(project_id)
    head = head_contract_of(project)
    if head is None or not permissions.can_see_head_contract(current_user, project, level):
        abort(404)
    if level < minimum:
        abort(403)
    return project, level, head


def period_in(project: Project, period_id: int) -> BillingPeriod:
    """A billing period of the project; 404 for any other id."""
    period = db.session.get(BillingPeriod, period_id)
    if period is None or period.project_id != project.id:
        abort(404)
    return period


def line_in(commitment: Commitment, line_id: int) -> SovLine:
    """A line of the commitment's schedule of values; 404 for any other id."""
    line = db.session.get(SovLine, line_id)
    if line is None or line.commitment_id != commitment.id:
        abort(404)
    return line


def _project(project_id: int) -> tuple[Project, AccessLevel]:
    project = db.session.get(Project, project_id)
    if project is None:
        abort(404)
    level = permissions.project_level(current_user, project)
    if level is AccessLevel.NONE:
        abort(404)
    return project, level


def _in_project(project_id: int, model: type[T], object_id: int, commitment_of: Callable[[T], Commitment],
                minimum: AccessLevel) -> tuple[Project, AccessLevel, T]:
    project, level = _project(project_id)
    found = db.session.get(model, object_id)
    commitment = commitment_of(found) if found is not None else None
    if (commitment is None or commitment.project_id != project.id
            or not permissions.can_see_commitment(current_user, commitment, level)):
        abort(404)
    if level < minimum:
        abort(403)
    return project, level, found
