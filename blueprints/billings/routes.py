"""The Progress Billings page and billing periods."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from blueprints.guards import project_for_current_user

bp = Blueprint("billings", __name__, url_prefix="/projects/<int:project_id>/billings")


@bp.get("")
@login_required
def index(project_id: int):
    project, level = project_for_current_user(project_id)
    return render_template("billings/not_set_up.html", project=project, level=level)
