"""A project's sales taxes (project Admins): picked from a province or territory, then edited and saved."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from blueprints.field_errors import show_problems
from blueprints.guards import project_for_current_user
from blueprints.setup import bp
from blueprints.setup.common import status_of
from blueprints.setup.forms import ProjectTaxesForm
from domain import sales_taxes
from domain.errors import Invalid
from domain.models import AccessLevel


@bp.route("/projects/<int:project_id>/taxes", methods=["GET", "POST"])
@login_required
def project_taxes(project_id: int):
    project, _level = project_for_current_user(project_id, AccessLevel.ADMIN)
    form = ProjectTaxesForm()
    if request.method == "GET":
        form.fill(sales_taxes.project_taxes(project))
    elif form.validate_on_submit():
        picked = sales_taxes.JURISDICTIONS.get(form.jurisdiction.data or "")
        if "fill" in request.form:  # the picker: fill in the rates to check, nothing saved yet
            if picked is None:
                show_problems(form, {"jurisdiction": gettext("Choose a province or territory to fill in its rates.")})
            else:
                form.fill(picked.taxes)
                flash(gettext("%(place)s: %(taxes)s filled in. Check the rates, then save.",
                              place=picked.name.split(":")[0], taxes=sales_taxes.describe(picked.taxes)), "info")
        else:
            try:
                changed = sales_taxes.save_project_taxes(project, sales_taxes.read_taxes(form.entries()),
                                                         current_user)
            except Invalid as problem:
                show_problems(form, problem)
            else:
                flash(gettext("Taxes saved: %(taxes)s.", taxes=sales_taxes.describe(sales_taxes.project_taxes(project)))
                      if changed else gettext("Nothing changed."), "success" if changed else "info")
                return redirect(url_for("setup.project_taxes", project_id=project.id), code=303)
    return render_template("setup/taxes.html", project=project, form=form,
                           rates_checked=sales_taxes.RATES_CHECKED), status_of(form)
