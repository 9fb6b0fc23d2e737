"""Commitments: the list of a project, create and edit, progress claim contacts and the Private list."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from blueprints.field_errors import show_problems
from blueprints.forms import db_int
from blueprints.guards import commitment_for_current_user, project_for_current_user
from blueprints.htmx_answer import htmx_answer
from blueprints.setup import bp
from blueprints.setup.common import status_of, validate_with_number
from blueprints.setup.forms import ChangeValueForm, CommitmentForm, SovLineForm, choice
from blueprints.setup.sov_home import home_of
from domain import accounts, holdback
from domain import commitment_people as people_service
from domain import commitments as service
from domain.errors import Invalid
from domain.models import AccessLevel, Commitment, CommitmentKind, CommitmentStatus, Project, SovStatus, User, db
from domain.permissions import can_edit_commitments, can_edit_head_contract, can_release_holdback
from extensions import htmx
from templating import current_terms


@bp.get("/projects/<int:project_id>/commitments")
@login_required
def commitments(project_id: int):
    project, level = project_for_current_user(project_id)
    rows = service.list_commitments(project, current_user, level)
    total = sum((r.value for r in rows), service.Value())
    return render_template("setup/commitments.html", project=project, level=level, rows=rows, total=total,
                           can_edit=can_edit_commitments(current_user, project, level))


# --- create and edit ----------------------------------------------------------------------------


def _form(project: Project, commitment: Commitment | None) -> CommitmentForm:
    if commitment is None:
        initial = {"kind": CommitmentKind.SUBCONTRACT.name, "status": CommitmentStatus.DRAFT.name,
                   "retention_pct": str(service.default_retention_pct(project, accounts.own_company()))}
    else:
        stored = commitment.stored_materials_retention_pct
        initial = {"kind": commitment.kind.name, "number": commitment.number, "title": commitment.title,
                   "vendor_id": str(commitment.vendor_id), "status": commitment.status.name,
                   "retention_pct": str(commitment.retention_pct),
                   "stored_materials_retention_pct": "" if stored is None else str(stored),
                   "is_private": commitment.is_private}
    form = CommitmentForm(data=initial if request.method == "GET" else None)
    terms = current_terms(project)
    form.retention_pct.label.text = gettext("%(retention)s %%", retention=terms("retention"))
    form.stored_materials_retention_pct.label.text = gettext("Stored materials %(retention)s %%",
                                                            retention=terms.lower("retention"))
    vendors = service.vendors()
    form.vendor_id.choices = [choice("", gettext("Choose a vendor…"))] + [choice(str(v.id), v.name) for v in vendors]
    if request.method == "POST":
        # A vendor id that names no vendor is an unknown id, not a typo.
        raw = request.form.get("vendor_id", "").strip()
        if raw and raw not in {str(v.id) for v in vendors}:
            abort(404)
    return form


def _data(form: CommitmentForm) -> service.CommitmentData:
    return service.CommitmentData(
        kind=CommitmentKind[form.kind.data], number=form.number.data, title=form.title.data,
        vendor_id=int(form.vendor_id.data), status=CommitmentStatus[form.status.data],
        retention_pct=form.retention_pct.percent,
        stored_materials_retention_pct=form.stored_materials_retention_pct.percent,
        is_private=form.is_private.data)


@bp.route("/projects/<int:project_id>/commitments/new", methods=["GET", "POST"])
@login_required
def commitment_new(project_id: int):
    project, _level = project_for_current_user(project_id, AccessLevel.ADMIN)
    form = _form(project, None)
    if validate_with_number(form, lambda number: service.number_clash(project, number)):
        try:
            commitment = service.create_commitment(project, _data(form), current_user)
        except Invalid as problem:
            show_problems(form, problem)
        else:
            contacts = ", ".join(u.name for u in commitment.claim_contacts)
            created = {"kind": gettext(commitment.kind.value), "label": commitment.label}
            flash(gettext("%(kind)s %(label)s is created with %(contacts)s as %(contact)s. Add its schedule of values "
                          "below.", contacts=contacts, contact=current_terms().lower("claim_contact"), **created)
                  if contacts else gettext("%(kind)s %(label)s is created. Add its schedule of values below.",
                                           **created), "success")
            return redirect(url_for("setup.commitment", project_id=project.id, commitment_id=commitment.id),
                            code=303)
    return render_template("setup/commitment_form.html", project=project, form=form, commitment=None), \
        status_of(form)


@bp.route("/projects/<int:project_id>/commitments/<int:commitment_id>/edit", methods=["GET", "POST"])
@login_required
def commitment_edit(project_id: int, commitment_id: int):
    project, _level, commitment = commitment_for_current_user(project_id, commitment_id, AccessLevel.ADMIN)
    form = _form(project, commitment)
    if validate_with_number(form, lambda number: service.number_clash(project, number, commitment)):
        try:
            changed = service.update_commitment(commitment, _data(form), current_user)
        except Invalid as problem:
            show_problems(form, problem)
        else:
            flash(gettext("%(label)s is saved.", label=commitment.label) if changed else gettext("Nothing changed."),
                  "success" if changed else "info")
            return redirect(url_for("setup.commitment", project_id=project.id, commitment_id=commitment.id),
                            code=303)
    return render_template("setup/commitment_form.html", project=project, form=form, commitment=commitment), \
        status_of(form)


# --- the commitment page ------------------------------------------------------------------------


def commitment_page(project, level, commitment, *, status: int = 200, add_form=None, edit_line=None,  # type: ignore[no-untyped-def]
                    line_form=None, people_errors=None):
    """The whole commitment page; the SOV and people partials get what they need from here."""
    return render_template(
        "setup/commitment.html", **sov_context(project, level, commitment, add_form=add_form,
                                               edit_line=edit_line, line_form=line_form),
        **people_context(commitment, level, people_errors),
        held=holdback.holdback_held(commitment) if commitment.is_subcontract else None,
        can_release=commitment.is_subcontract and can_release_holdback(current_user, project, level)), status


def sov_context(project, level, commitment, *, add_form=None, edit_line=None, line_form=None) -> dict:  # type: ignore[no-untyped-def]
    """What the SOV partials need, for a commitment or the head contract (its home builds the addresses)."""
    approved = commitment.sov_status is SovStatus.APPROVED
    add_form = add_form or SovLineForm(formdata=None, prefix="new")
    if approved:
        add_form.scheduled_value.label.text = gettext("Amount")
    if line_form is None and edit_line is not None:
        line_form = (ChangeValueForm(formdata=None, prefix=f"line-{edit_line.id}",
                                     data={"scheduled_value": f"{edit_line.scheduled_value:.2f}"}) if approved else
                     SovLineForm(formdata=None, prefix=f"line-{edit_line.id}",
                                 data={"cost_code": edit_line.cost_code, "description": edit_line.description,
                                       "scheduled_value": f"{edit_line.original_value:.2f}"}))
    may_edit = can_edit_head_contract if commitment.is_head_contract else can_edit_commitments
    return {"project": project, "level": level, "commitment": commitment,
            "can_edit": may_edit(current_user, project, level), **home_of(commitment).urls(commitment),
            "approved": approved, "value": service.value_of(commitment),
            "claimed": service.claimed_line_ids(commitment),
            "add_form": add_form,
            "edit_line": edit_line, "line_form": line_form}


def people_context(commitment, level, errors=None) -> dict:  # type: ignore[no-untyped-def]
    admin = can_edit_commitments(current_user, commitment.project, level)
    return {"people_errors": errors or {},
            "contact_candidates": service.contact_candidates(commitment) if admin else [],
            "private_candidates": service.private_candidates(commitment) if admin else []}


@bp.get("/projects/<int:project_id>/commitments/<int:commitment_id>")
@login_required
def commitment(project_id: int, commitment_id: int):
    return commitment_page(*commitment_for_current_user(project_id, commitment_id))


# --- contacts and the Private list --------------------------------------------------------------


def _chosen_user(field: str) -> User | None:
    """The person picked in the form's select; None when nothing, or no one, was picked."""
    user_id = request.form.get("user_id", type=db_int)
    return db.session.get(User, user_id) if user_id is not None else None


def _people_answer(project, level, commitment, message: str, category: str, field: str | None = None):  # type: ignore[no-untyped-def]
    """The people section for htmx (the message out of band, or next to the field on 422);
    a redirect with the message, or the page with it next to the field, without."""
    errors = {field: message} if field else {}
    status = 422 if field else 200
    if htmx:
        return htmx_answer("setup/partials/_people.html", banner=None if field else message, category=category,
                           status=status, project=project, level=level, commitment=commitment, can_edit=True,
                           **people_context(commitment, level, errors))
    if field:
        return commitment_page(project, level, commitment, status=422, people_errors=errors)
    flash(message, category)
    return redirect(url_for("setup.commitment", project_id=project.id, commitment_id=commitment.id,
                            _anchor="commitment-people"), code=303)


def _change_people(project_id: int, commitment_id: int, field: str, action, user_id: int | None = None):  # type: ignore[no-untyped-def]
    project, level, commitment = commitment_for_current_user(project_id, commitment_id, AccessLevel.ADMIN)
    user = db.session.get(User, user_id) if user_id is not None else _chosen_user(field)
    if user_id is not None and user is None:
        abort(404)
    if user is None:
        return _people_answer(project, level, commitment, gettext("Choose a person from the list."), "warning", field)
    try:
        message = action(commitment, user)
    except Invalid as problem:
        db.session.rollback()
        return _people_answer(project, level, commitment, problem.message, "warning", problem.field)
    return _people_answer(project, level, commitment, message, "success")


@bp.post("/projects/<int:project_id>/commitments/<int:commitment_id>/contacts")
@login_required
def contact_add(project_id: int, commitment_id: int):
    term = current_terms().lower("claim_contact")

    def add(commitment, user):  # type: ignore[no-untyped-def]
        if people_service.add_claim_contact(commitment, user, current_user):
            return f"{user.name} is now a {term} (and on the Private list)."
        return f"{user.name} is a {term} already."

    return _change_people(project_id, commitment_id, "contact", add)


@bp.post("/projects/<int:project_id>/commitments/<int:commitment_id>/contacts/<int:user_id>/remove")
@login_required
def contact_remove(project_id: int, commitment_id: int, user_id: int):
    term = current_terms().lower("claim_contact")

    def remove(commitment, user):  # type: ignore[no-untyped-def]
        if people_service.remove_claim_contact(commitment, user, current_user):
            return f"{user.name} is no longer a {term}. They stay on the Private list until you remove them there."
        return f"{user.name} was not a {term}."

    return _change_people(project_id, commitment_id, "contact", remove, user_id)


@bp.post("/projects/<int:project_id>/commitments/<int:commitment_id>/private")
@login_required
def private_add(project_id: int, commitment_id: int):
    def add(commitment, user):  # type: ignore[no-untyped-def]
        if people_service.add_private_user(commitment, user, current_user):
            return f"{user.name} is on the Private list."
        return f"{user.name} is on the Private list already."

    return _change_people(project_id, commitment_id, "private_user", add)


@bp.post("/projects/<int:project_id>/commitments/<int:commitment_id>/private/<int:user_id>/remove")
@login_required
def private_remove(project_id: int, commitment_id: int, user_id: int):
    def remove(commitment, user):  # type: ignore[no-untyped-def]
        if people_service.remove_private_user(commitment, user, current_user):
            return f"{user.name} is off the Private list."
        return f"{user.name} was not on the Private list."

    return _change_people(project_id, commitment_id, "private_user", remove, user_id)
