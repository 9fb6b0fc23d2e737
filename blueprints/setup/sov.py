"""The schedule of values: inline add, edit, reorder, remove, approve, change orders.

The same views serve a commitment's SOV (on the commitment page) and the head contract's (on its own SOV
page): `register` adds them once for each home (blueprints/setup/sov_home.py), so neither is a copy.

With htmx each action answers with the fragment it changed (a row, the add form, the lines) and,
out of band, the totals, the contract's value and the banner; bad input answers 422 with the
same fragment and its messages. Without JavaScript the same forms post, and the page reloads (303)
or comes back with the messages (422).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request
from flask_babel import gettext
from flask_login import current_user, login_required

from blueprints.field_errors import show_problems
from blueprints.guards import commitment_for_current_user, head_contract_for_current_user, line_in
from blueprints.htmx_answer import htmx_answer
from blueprints.setup import bp
from blueprints.setup.commitments import commitment_page, sov_context
from blueprints.setup.forms import ChangeValueForm, SovLineForm
from blueprints.setup.head_contract import head_contract_sov_page
from blueprints.setup.sov_home import COMMITMENT, HEAD_CONTRACT, SovHome
from domain import commitments as service
from domain import sov as sov_service
from domain.errors import Invalid
from domain.models import AccessLevel, SovStatus
from extensions import htmx
from templating import money_of

TOTALS = ("setup/partials/_sov_totals.html", "setup/partials/_value.html")

# The URL's ids (and the level needed) -> (project, level, contract): a guard, 404/403 as guards do.
Load = Callable[[dict[str, Any], AccessLevel], tuple]
# (project, level, contract, status=..., add_form=..., edit_line=..., line_form=...) -> the whole page.
Page = Callable[..., Any]


def register(home: SovHome, load: Load, page: Page) -> None:
    """The SOV routes under `home.prefix`, their endpoints named `<home.endpoint>_<name>`."""

    def route(rule: str, name: str, methods: list[str], view: Callable[..., Any]) -> None:
        bp.add_url_rule(home.prefix + rule, endpoint=f"{home.endpoint}_{name}", view_func=login_required(view),
                        methods=methods)

    def back(commitment, anchor: str = "sov"):  # type: ignore[no-untyped-def]
        return redirect(home.page_url(commitment, anchor), code=303)

    def refused_answer(commitment, refused: service.Refused):  # type: ignore[no-untyped-def]
        """The SOV changed under the person (approved meanwhile, say): reload the page with why."""
        flash(str(refused), "warning")
        if htmx:
            response = make_response("", 200)
            response.headers["HX-Redirect"] = home.page_url(commitment)
            return response
        return back(commitment)

    # --- adding lines (Draft) and change-order lines (Approved) -----------------------------------

    def add(ids: dict, *, change_order: bool):  # type: ignore[no-untyped-def]
        project, level, commitment = load(ids, AccessLevel.ADMIN)
        form = SovLineForm(prefix="new")
        line = None
        if form.validate():
            data = sov_service.LineData(form.cost_code.data, form.description.data, form.scheduled_value.amount)
            try:
                adding = sov_service.add_change_order_line if change_order else sov_service.add_line
                line = adding(commitment, data, current_user)
            except service.Refused as refused:
                return refused_answer(commitment, refused)
            except Invalid as problem:
                show_problems(form, problem)
        if line is None:
            if htmx:
                return htmx_answer("setup/partials/_sov_add.html", status=422,
                                   **sov_context(project, level, commitment, add_form=form))
            return page(project, level, commitment, status=422, add_form=form)
        message = (gettext("Change order line %(code)s added: %(amount)s.", code=line.cost_code,
                           amount=money_of(project)(line.scheduled_value))
                   if change_order else gettext("Line %(code)s added.", code=line.cost_code))
        if htmx:
            return htmx_answer("setup/partials/_sov_add.html", "setup/partials/_sov_lines.html", *TOTALS,
                               banner=message, focus_add=True, **sov_context(project, level, commitment))
        flash(message, "success")
        return back(commitment, f"sov-line-{line.id}")

    route("/lines", "line_add", ["POST"], lambda **ids: add(ids, change_order=False))
    route("/change-orders", "change_order_add", ["POST"], lambda **ids: add(ids, change_order=True))

    # --- one line: show, edit (Draft), change by a change order (Approved) ---------------------------

    def line_view(line_id: int, **ids):  # type: ignore[no-untyped-def]
        """The line's row (Cancel on an inline edit); without htmx, the page at that line."""
        project, level, commitment = load(ids, AccessLevel.READ_ONLY)
        line = line_in(commitment, line_id)
        if not htmx:
            return back(commitment, f"sov-line-{line.id}")
        return htmx_answer("setup/partials/_sov_row.html", line=line, **sov_context(project, level, commitment))

    def line_edit(line_id: int, **ids):  # type: ignore[no-untyped-def]
        project, level, commitment = load(ids, AccessLevel.ADMIN)
        line = line_in(commitment, line_id)
        if htmx:
            return htmx_answer("setup/partials/_sov_row.html", line=line,
                               **sov_context(project, level, commitment, edit_line=line))
        return page(project, level, commitment, edit_line=line)

    def line_update(line_id: int, **ids):  # type: ignore[no-untyped-def]
        project, level, commitment = load(ids, AccessLevel.ADMIN)
        line = line_in(commitment, line_id)
        form = SovLineForm(prefix=f"line-{line.id}")
        if form.validate():
            data = sov_service.LineData(form.cost_code.data, form.description.data, form.scheduled_value.amount)
            try:
                changed = sov_service.update_line(line, data, current_user)
            except service.Refused as refused:
                return refused_answer(commitment, refused)
            except Invalid as problem:
                show_problems(form, problem)
            else:
                return line_saved(project, level, commitment, line,
                                  gettext("Line %(code)s saved.", code=line.cost_code) if changed
                                  else gettext("Nothing changed."))
        return line_invalid(project, level, commitment, line, form)

    def line_change(line_id: int, **ids):  # type: ignore[no-untyped-def]
        project, level, commitment = load(ids, AccessLevel.ADMIN)
        line = line_in(commitment, line_id)
        if commitment.sov_status is not SovStatus.APPROVED:  # a Draft line has no change-value form to show again
            return refused_answer(commitment, service.Refused(gettext(sov_service.STILL_DRAFT)))
        form = ChangeValueForm(prefix=f"line-{line.id}")
        if form.validate():
            try:
                delta = sov_service.change_scheduled_value(line, form.scheduled_value.amount, current_user)
            except service.Refused as refused:
                return refused_answer(commitment, refused)
            except Invalid as problem:
                show_problems(form, problem)
            else:
                money = money_of(project)
                sign = "+" if delta > 0 else "−"
                return line_saved(project, level, commitment, line,
                                  gettext("Change order on %(code)s: %(change)s, scheduled value now %(value)s.",
                                          code=line.cost_code, change=sign + money(abs(delta)),
                                          value=money(line.scheduled_value)))
        return line_invalid(project, level, commitment, line, form)

    def line_saved(project, level, commitment, line, message: str):  # type: ignore[no-untyped-def]
        if htmx:
            return htmx_answer("setup/partials/_sov_row.html", *TOTALS, banner=message, line=line,
                               **sov_context(project, level, commitment))
        flash(message, "success")
        return back(commitment, f"sov-line-{line.id}")

    def line_invalid(project, level, commitment, line, form):  # type: ignore[no-untyped-def]
        if htmx:
            ctx = sov_context(project, level, commitment, edit_line=line, line_form=form)
            return htmx_answer("setup/partials/_sov_row.html", status=422, line=line, **ctx)
        return page(project, level, commitment, status=422, edit_line=line, line_form=form)

    route("/lines/<int:line_id>", "line", ["GET"], line_view)
    route("/lines/<int:line_id>/edit", "line_edit", ["GET"], line_edit)
    route("/lines/<int:line_id>", "line_update", ["POST"], line_update)
    route("/lines/<int:line_id>/change", "line_change", ["POST"], line_change)

    # --- reorder, remove, approve -------------------------------------------------------------------

    def lines_changed(project, level, commitment, message: str, category: str = "success"):  # type: ignore[no-untyped-def]
        if htmx:
            return htmx_answer("setup/partials/_sov_lines.html", *TOTALS, banner=message, category=category,
                               **sov_context(project, level, commitment))
        flash(message, category)
        return back(commitment)

    def line_move(line_id: int, **ids):  # type: ignore[no-untyped-def]
        project, level, commitment = load(ids, AccessLevel.ADMIN)
        line = line_in(commitment, line_id)
        direction = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
        if direction is None:
            abort(400)
        try:
            moved = sov_service.move_line(line, direction, current_user)
        except service.Refused as refused:
            return refused_answer(commitment, refused)
        if not moved:
            already = (gettext("Line %(code)s is at the top already.", code=line.cost_code) if direction < 0
                       else gettext("Line %(code)s is at the bottom already.", code=line.cost_code))
            return lines_changed(project, level, commitment, already, "info")
        moved_message = (gettext("Line %(code)s moved up.", code=line.cost_code) if direction < 0
                         else gettext("Line %(code)s moved down.", code=line.cost_code))
        return lines_changed(project, level, commitment, moved_message)

    def line_remove(line_id: int, **ids):  # type: ignore[no-untyped-def]
        project, level, commitment = load(ids, AccessLevel.ADMIN)
        line = line_in(commitment, line_id)
        label = f"{line.cost_code} {line.description}"
        try:
            sov_service.remove_line(line, current_user)
        except service.Refused as refused:
            return refused_answer(commitment, refused)
        return lines_changed(project, level, commitment, gettext("Line %(label)s removed.", label=label))

    def approve(**ids):  # type: ignore[no-untyped-def]
        """Approving locks the lines, so the first post asks to confirm (a page, no JavaScript needed) and
        says what it locks; the confirmed post approves. A post that would be refused is refused at once."""
        project, _level, commitment = load(ids, AccessLevel.ADMIN)
        if request.form.get("confirm") != "yes" and commitment.sov_status is SovStatus.DRAFT and commitment.sov_lines:
            return render_template("setup/sov_approve_confirm.html", project=project, commitment=commitment,
                                   value=service.value_of(commitment), **home.urls(commitment))
        try:
            sov_service.approve_sov(commitment, current_user)
        except service.Refused as refused:
            flash(str(refused), "warning")
            return back(commitment)
        flash(gettext("The schedule of values is approved and locked. Approved change orders can still add lines "
                      "or change scheduled values."), "success")
        return back(commitment)

    route("/lines/<int:line_id>/move", "line_move", ["POST"], line_move)
    route("/lines/<int:line_id>/remove", "line_remove", ["POST"], line_remove)
    route("/approve", "approve", ["POST"], approve)


register(COMMITMENT, lambda ids, minimum: commitment_for_current_user(ids["project_id"], ids["commitment_id"], minimum),
         commitment_page)
register(HEAD_CONTRACT, lambda ids, minimum: head_contract_for_current_user(ids["project_id"], minimum),
         head_contract_sov_page)
