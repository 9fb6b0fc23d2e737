"""The head contract's setup: its page, create (at most one per project) and edit, and its SOV page.

Project Admins change it; Standard and Read Only see it; None and vendor contacts never do (the guard
answers 404). Its schedule of values uses the commitments' SOV views (blueprints/setup/sov.py), registered
a second time under /projects/<id>/head-contract/sov; this module gives them the page they show.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from blueprints.field_errors import show_problems
from blueprints.guards import head_contract_for_current_user, project_for_current_user
from blueprints.setup import bp
from blueprints.setup.commitments import sov_context
from blueprints.setup.common import status_of, validate_with_number
from blueprints.setup.forms import HeadContractForm
from domain import accounts
from domain import commitments as commitments_service
from domain import head_contract as service
from domain.errors import Invalid
from domain.models import AccessLevel, Commitment, CommitmentStatus, Project
from domain.permissions import can_edit_head_contract
from templating import current_terms


def _form(project: Project, head: Commitment | None) -> HeadContractForm:
    if head is None:
        initial = {"status": CommitmentStatus.DRAFT.name,
                   "retention_pct": str(commitments_service.default_retention_pct(project, accounts.own_company()))}
    else:
        stored = head.stored_materials_retention_pct
        initial = {"number": head.number, "title": head.title, "status": head.status.name,
                   "client_name": head.vendor.name, "client_contact_name": head.client_contact_name or "",
                   "client_contact_email": head.client_contact_email or "", "contract_date": head.contract_date,
                   "retention_pct": str(head.retention_pct),
                   "stored_materials_retention_pct": "" if stored is None else str(stored)}
    form = HeadContractForm(data=initial if request.method == "GET" else None)
    terms = current_terms(project)
    form.retention_pct.label.text = gettext("%(retention)s %%", retention=terms("retention"))
    form.stored_materials_retention_pct.label.text = gettext("Stored materials %(retention)s %%",
                                                            retention=terms.lower("retention"))
    return form


def _data(form: HeadContractForm) -> service.HeadContractData:
    return service.HeadContractData(
        number=form.number.data, title=form.title.data, client_name=form.client_name.data,
        client_contact_name=form.client_contact_name.data, client_contact_email=form.client_contact_email.data,
        contract_date=form.contract_date.data, retention_pct=form.retention_pct.percent,
        stored_materials_retention_pct=form.stored_materials_retention_pct.percent,
        status=CommitmentStatus[form.status.data])


def _form_page(project: Project, form: HeadContractForm, head: Commitment | None):  # type: ignore[no-untyped-def]
    return render_template("setup/head_contract_form.html", project=project, form=form, head=head,
                           clients=commitments_service.vendors()), status_of(form)


@bp.get("/projects/<int:project_id>/head-contract")
@login_required
def head_contract(project_id: int):
    project, level, head = head_contract_for_current_user(project_id)
    return render_template("setup/head_contract.html", project=project, level=level, head=head,
                           value=commitments_service.value_of(head),
                           can_edit=can_edit_head_contract(current_user, project, level))


@bp.route("/projects/<int:project_id>/head-contract/new", methods=["GET", "POST"])
@login_required
def head_contract_new(project_id: int):
    project, _level = project_for_current_user(project_id, AccessLevel.ADMIN)
    if request.method == "GET" and service.head_contract_of(project) is not None:
        flash(gettext(service.SECOND_HEAD_CONTRACT), "info")
        return redirect(url_for("setup.head_contract", project_id=project.id), code=303)
    form = _form(project, None)
    if validate_with_number(form, lambda number: commitments_service.number_clash(project, number)):
        try:
            head = service.create_head_contract(project, _data(form), current_user)
        except Invalid as problem:
            show_problems(form, problem)
        else:
            flash(gettext("%(head_contract)s %(label)s is created. Add its schedule of values.",
                          head_contract=current_terms()("head_contract"), label=head.label),
                  "success")
            return redirect(url_for("setup.head_contract_sov", project_id=project.id), code=303)
    return _form_page(project, form, None)


@bp.route("/projects/<int:project_id>/head-contract/edit", methods=["GET", "POST"])
@login_required
def head_contract_edit(project_id: int):
    project, _level, head = head_contract_for_current_user(project_id, AccessLevel.ADMIN)
    form = _form(project, head)
    if validate_with_number(form, lambda number: commitments_service.number_clash(project, number, head)):
        try:
            changed = service.update_head_contract(head, _data(form), current_user)
        except Invalid as problem:
            show_problems(form, problem)
        else:
            flash(gettext("%(label)s is saved.", label=head.label) if changed else gettext("Nothing changed."),
                  "success" if changed else "info")
            return redirect(url_for("setup.head_contract", project_id=project.id), code=303)
    return _form_page(project, form, head)


# --- its schedule of values ---------------------------------------------------------------------


def head_contract_sov_page(project, level, head, *, status: int = 200, add_form=None, edit_line=None,  # type: ignore[no-untyped-def]
                           line_form=None):
    """The head contract's SOV page: what the SOV views answer without htmx."""
    return render_template("setup/head_contract_sov.html", **sov_context(
        project, level, head, add_form=add_form, edit_line=edit_line, line_form=line_form)), status


@bp.get("/projects/<int:project_id>/head-contract/sov")
@login_required
def head_contract_sov(project_id: int):
    return head_contract_sov_page(*head_contract_for_current_user(project_id))
