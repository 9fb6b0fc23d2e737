"""Projects (list, home, create, edit, team), commitments, the head contract and their schedules of values.

The views live in the modules beside this one; importing them here registers them on `bp`.
"""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required

from blueprints.guards import project_for_current_user
from blueprints.setup import (  # noqa: F401 - the imports register their views
    bp,
    commitments,
    head_contract,
    projects,
    reminders,
    sov,
    taxes,
)
from domain import permissions, sales_taxes, waiting
from domain.head_contract import head_contract_of


@bp.get("/")
@login_required
def home():
    if current_user.is_collaborator:
        return redirect(url_for("portal.home"))
    projects_ = permissions.visible_projects(current_user)
    return render_template("setup/projects.html", projects=waiting.waiting_for(current_user, projects_),
                           review_statuses=waiting.TO_REVIEW,
                           can_create=permissions.can_edit_project(current_user))


@bp.get("/projects/<int:project_id>")
@login_required
def project_home(project_id: int):
    project, level = project_for_current_user(project_id)
    return render_template("setup/project_home.html", project=project, level=level,
                           head_contract=head_contract_of(project),
                           project_taxes=sales_taxes.describe(sales_taxes.project_taxes(project)),
                           can_edit_project=permissions.can_edit_project(current_user),
                           can_manage_team=permissions.can_manage_team(current_user, project, level),
                           can_edit_commitments=permissions.can_edit_commitments(current_user, project, level),
                           can_admin_project=permissions.can_admin_project(current_user, project, level),
                           can_edit_head_contract=permissions.can_edit_head_contract(current_user, project, level))
