"""What the setup views share: finding a commitment or SOV line the user may see, form status codes."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user
from wtforms import Form

from blueprints.field_errors import show_problems
from domain.models import AccessLevel, Commitment, Project, SovLine, db
from domain.permissions import can_see_commitment


def commitment_in(project: Project, commitment_id: int, level: AccessLevel) -> Commitment:
    """The project's commitment; 404 when it is unknown, of another project, or private and not shared."""
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None or commitment.project_id != project.id:
        abort(404)
    if not can_see_commitment(current_user, commitment, level):
        abort(404)
    return commitment


def line_in(commitment: Commitment, line_id: int) -> SovLine:
    line = db.session.get(SovLine, line_id)
    if line is None or line.commitment_id != commitment.id:
        abort(404)
    return line


def validate_with_number(form: Form, clash) -> bool:  # type: ignore[no-untyped-def]
    """The form's own checks, plus "number taken" next to the number even when other fields are wrong too.

    `clash(number)` answers why the number cannot be used, or None.
    """
    valid = form.validate_on_submit()
    if request.method == "POST" and not form.number.errors and form.number.data:
        problem = clash(form.number.data)
        if problem:
            show_problems(form, {"number": problem})
            return False
    return valid


def status_of(form: Form) -> int:
    """422 when some field carries a message (the form was sent and is wrong), else 200."""
    return 422 if any(f.errors for f in form) else 200


def banner(message: str, category: str = "success") -> str:
    """The message, out of band into the page's live region (for htmx answers)."""
    return render_template("setup/partials/_banner.html", message=message, category=category)
