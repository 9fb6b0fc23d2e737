"""The schedule of values on the commitment page: inline add, edit, reorder, remove, approve, change orders.

With htmx each action answers with the fragment it changed (a row, the add form, the lines) and,
out of band, the totals, the commitment's value and the banner; bad input answers 422 with the
same fragment and its messages. Without JavaScript the same forms post, and the page reloads (303)
or comes back with the messages (422).
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from blueprints.field_errors import show_problems
from blueprints.guards import commitment_for_current_user, line_in
from blueprints.htmx_answer import htmx_answer
from blueprints.setup import bp
from blueprints.setup.commitments import commitment_page, sov_context
from blueprints.setup.forms import ChangeValueForm, SovLineForm
from domain import commitments as service
from domain import sov as sov_service
from domain.errors import Invalid
from domain.models import AccessLevel, SovStatus
from extensions import htmx
from templating import money

PREFIX = "/projects/<int:project_id>/commitments/<int:commitment_id>/sov"


def _back(project, commitment, anchor: str = "sov"):  # type: ignore[no-untyped-def]
    return redirect(url_for("setup.commitment", project_id=project.id, commitment_id=commitment.id, _anchor=anchor),
                    code=303)


def _refused(project, commitment, refused: service.Refused):  # type: ignore[no-untyped-def]
    """The SOV changed under the person (approved meanwhile, say): reload the page with why."""
    flash(str(refused), "warning")
    if htmx:
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url_for("setup.commitment", project_id=project.id,
                                                  commitment_id=commitment.id, _anchor="sov")
        return response
    return _back(project, commitment)


TOTALS = ("setup/partials/_sov_totals.html", "setup/partials/_value.html")


# --- adding lines (Draft) and change-order lines (Approved) ---------------------------------------


@bp.post(PREFIX + "/lines")
@login_required
def sov_line_add(project_id: int, commitment_id: int):
    return _add(project_id, commitment_id, change_order=False)


@bp.post(PREFIX + "/change-orders")
@login_required
def sov_change_order_add(project_id: int, commitment_id: int):
    return _add(project_id, commitment_id, change_order=True)


def _add(project_id: int, commitment_id: int, *, change_order: bool):  # type: ignore[no-untyped-def]
    project, level, commitment = commitment_for_current_user(project_id, commitment_id, AccessLevel.ADMIN)
    form = SovLineForm(prefix="new")
    line = None
    if form.validate():
        data = sov_service.LineData(form.cost_code.data, form.description.data, form.scheduled_value.amount)
        try:
            add = sov_service.add_change_order_line if change_order else sov_service.add_line
            line = add(commitment, data, current_user)
        except service.Refused as refused:
            return _refused(project, commitment, refused)
        except Invalid as problem:
            show_problems(form, problem)
    if line is None:
        if htmx:
            return htmx_answer("setup/partials/_sov_add.html", status=422,
                               **sov_context(project, level, commitment, add_form=form))
        return commitment_page(project, level, commitment, status=422, add_form=form)
    message = (f"Change order line {line.cost_code} added: {money(line.scheduled_value, project.currency.value)}."
               if change_order else f"Line {line.cost_code} added.")
    if htmx:
        return htmx_answer("setup/partials/_sov_add.html", "setup/partials/_sov_lines.html", *TOTALS, banner=message,
                           focus_add=True, **sov_context(project, level, commitment))
    flash(message, "success")
    return _back(project, commitment, f"sov-line-{line.id}")


# --- one line: show, edit (Draft), change by a change order (Approved) -------------------------


@bp.get(PREFIX + "/lines/<int:line_id>")
@login_required
def sov_line(project_id: int, commitment_id: int, line_id: int):
    """The line's row (Cancel on an inline edit); without htmx, the page at that line."""
    project, level, commitment = commitment_for_current_user(project_id, commitment_id)
    line = line_in(commitment, line_id)
    if not htmx:
        return _back(project, commitment, f"sov-line-{line.id}")
    return htmx_answer("setup/partials/_sov_row.html", line=line, **sov_context(project, level, commitment))


@bp.get(PREFIX + "/lines/<int:line_id>/edit")
@login_required
def sov_line_edit(project_id: int, commitment_id: int, line_id: int):
    project, level, commitment = commitment_for_current_user(project_id, commitment_id, AccessLevel.ADMIN)
    line = line_in(commitment, line_id)
    ctx = sov_context(project, level, commitment, edit_line=line)
    if htmx:
        return htmx_answer("setup/partials/_sov_row.html", line=line, **ctx)
    return commitment_page(project, level, commitment, edit_line=line)


@bp.post(PREFIX + "/lines/<int:line_id>")
@login_required
def sov_line_update(project_id: int, commitment_id: int, line_id: int):
    project, level, commitment = commitment_for_current_user(project_id, commitment_id, AccessLevel.ADMIN)
    line = line_in(commitment, line_id)
    form = SovLineForm(prefix=f"line-{line.id}")
    if form.validate():
        data = sov_service.LineData(form.cost_code.data, form.description.data, form.scheduled_value.amount)
        try:
            changed = sov_service.update_line(line, data, current_user)
        except service.Refused as refused:
            return _refused(project, commitment, refused)
        except Invalid as problem:
            show_problems(form, problem)
        else:
            return _line_saved(project, level, commitment, line,
                               f"Line {line.cost_code} saved." if changed else "Nothing changed.")
    return _line_invalid(project, level, commitment, line, form)


@bp.post(PREFIX + "/lines/<int:line_id>/change")
@login_required
def sov_line_change(project_id: int, commitment_id: int, line_id: int):
    project, level, commitment = commitment_for_current_user(project_id, commitment_id, AccessLevel.ADMIN)
    line = line_in(commitment, line_id)
    if commitment.sov_status is not SovStatus.APPROVED:  # a Draft line has no change-value form to show again
        return _refused(project, commitment, service.Refused(sov_service.STILL_DRAFT))
    form = ChangeValueForm(prefix=f"line-{line.id}")
    if form.validate():
        try:
            delta = sov_service.change_scheduled_value(line, form.scheduled_value.amount, current_user)
        except service.Refused as refused:
            return _refused(project, commitment, refused)
        except Invalid as problem:
            show_problems(form, problem)
        else:
            currency = project.currency.value
            sign = "+" if delta > 0 else "−"
            return _line_saved(project, level, commitment, line,
                               f"Change order on {line.cost_code}: {sign}{money(abs(delta), currency)}, "
                               f"scheduled value now {money(line.scheduled_value, currency)}.")
    return _line_invalid(project, level, commitment, line, form)


def _line_saved(project, level, commitment, line, message: str):  # type: ignore[no-untyped-def]
    if htmx:
        return htmx_answer("setup/partials/_sov_row.html", *TOTALS, banner=message, line=line,
                           **sov_context(project, level, commitment))
    flash(message, "success")
    return _back(project, commitment, f"sov-line-{line.id}")


def _line_invalid(project, level, commitment, line, form):  # type: ignore[no-untyped-def]
    if htmx:
        ctx = sov_context(project, level, commitment, edit_line=line, line_form=form)
        return htmx_answer("setup/partials/_sov_row.html", status=422, line=line, **ctx)
    return commitment_page(project, level, commitment, status=422, edit_line=line, line_form=form)


# --- reorder, remove, approve -------------------------------------------------------------------


def _lines_changed(project, level, commitment, message: str, category: str = "success"):  # type: ignore[no-untyped-def]
    if htmx:
        return htmx_answer("setup/partials/_sov_lines.html", *TOTALS, banner=message, category=category,
                           **sov_context(project, level, commitment))
    flash(message, category)
    return _back(project, commitment)


@bp.post(PREFIX + "/lines/<int:line_id>/move")
@login_required
def sov_line_move(project_id: int, commitment_id: int, line_id: int):
    project, level, commitment = commitment_for_current_user(project_id, commitment_id, AccessLevel.ADMIN)
    line = line_in(commitment, line_id)
    direction = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if direction is None:
        abort(400)
    try:
        moved = sov_service.move_line(line, direction, current_user)
    except service.Refused as refused:
        return _refused(project, commitment, refused)
    if not moved:
        end = "top" if direction < 0 else "bottom"
        return _lines_changed(project, level, commitment, f"Line {line.cost_code} is at the {end} already.", "info")
    where = "up" if direction < 0 else "down"
    return _lines_changed(project, level, commitment, f"Line {line.cost_code} moved {where}.")


@bp.post(PREFIX + "/lines/<int:line_id>/remove")
@login_required
def sov_line_remove(project_id: int, commitment_id: int, line_id: int):
    project, level, commitment = commitment_for_current_user(project_id, commitment_id, AccessLevel.ADMIN)
    line = line_in(commitment, line_id)
    label = f"{line.cost_code} {line.description}"
    try:
        sov_service.remove_line(line, current_user)
    except service.Refused as refused:
        return _refused(project, commitment, refused)
    return _lines_changed(project, level, commitment, f"Line {label} removed.")


@bp.post(PREFIX + "/approve")
@login_required
def sov_approve(project_id: int, commitment_id: int):
    """Approving locks the lines, so the first post asks to confirm (a page, no JavaScript needed) and
    says what it locks; the confirmed post approves. A post that would be refused is refused at once."""
    project, _level, commitment = commitment_for_current_user(project_id, commitment_id, AccessLevel.ADMIN)
    if request.form.get("confirm") != "yes" and commitment.sov_status is SovStatus.DRAFT and commitment.sov_lines:
        return render_template("setup/sov_approve_confirm.html", project=project, commitment=commitment,
                               value=service.value_of(commitment))
    try:
        sov_service.approve_sov(commitment, current_user)
    except service.Refused as refused:
        flash(str(refused), "warning")
        return _back(project, commitment)
    flash("The schedule of values is approved and locked. Approved change orders can still add lines or "
          "change scheduled values.", "success")
    return _back(project, commitment)
