"""Projects (list and home); later the directory, commitments and SOVs."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from blueprints.guards import project_for_current_user
from domain import permissions

bp = Blueprint("setup", __name__)


@bp.get("/")
@login_required
def home():
    if current_user.is_collaborator:
        return redirect(url_for("portal.home"))
    projects = permissions.visible_projects(current_user)
    return render_template("setup/projects.html", projects=projects)


@bp.get("/projects/<int:project_id>")
@login_required
def project_home(project_id: int):
    project, level = project_for_current_user(project_id)
    return render_template("setup/project_home.html", project=project, level=level)
