"""Creating and editing projects (company admins) and the project team (company admins, project Admins)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from blueprints.field_errors import show_problems
from blueprints.forms import db_int
from blueprints.guards import project_for_current_user
from blueprints.htmx_answer import htmx_answer
from blueprints.setup import bp
from blueprints.setup.common import status_of, validate_with_number
from blueprints.setup.forms import ProjectForm
from domain import accounts, locales, projects
from domain.errors import Invalid
from domain.models import AccessLevel, Country, Currency, Project
from domain.permissions import can_edit_project
from extensions import htmx

LEVEL_CHOICE = "Choose None, Read Only, Standard or Admin."


def _data(form: ProjectForm) -> projects.ProjectData:
    return projects.ProjectData(
        number=form.number.data, name=form.name.data, address=form.address.data or "",
        country=Country[form.country.data],
        currency=Currency[form.currency.data] if form.currency.data else None,
        time_zone=form.time_zone.data, allow_overbilling=form.allow_overbilling.data,
        jurisdiction=form.jurisdiction.data or None)


def _initial(project: Project | None) -> dict[str, object]:
    if project is None:
        company = accounts.own_company()
        return {"country": locales.company_country(company).name, "currency": "",  # the country's
                "time_zone": company.time_zone if company else "America/New_York"}
    return {"number": project.number, "name": project.name, "address": project.address,
            "country": project.country.name, "currency": project.currency.name, "time_zone": project.time_zone,
            "allow_overbilling": project.allow_overbilling, "jurisdiction": project.jurisdiction or ""}


def _require_company_admin() -> None:
    if not can_edit_project(current_user):
        abort(403)


@bp.route("/projects/new", methods=["GET", "POST"])
@login_required
def project_new():
    _require_company_admin()
    form = ProjectForm(data=_initial(None) if request.method == "GET" else None)
    if validate_with_number(form, projects.number_clash):
        try:
            project = projects.create_project(_data(form), current_user)
        except Invalid as problem:
            show_problems(form, problem)
        else:
            flash(gettext("Project %(number)s %(name)s is created. Add its team and commitments next.",
                          number=project.number, name=project.name),
                  "success")
            return redirect(url_for("setup.project_home", project_id=project.id), code=303)
    return render_template("setup/project_form.html", form=form, project=None), status_of(form)


@bp.route("/projects/<int:project_id>/edit", methods=["GET", "POST"])
@login_required
def project_edit(project_id: int):
    project, _level = project_for_current_user(project_id)
    _require_company_admin()
    form = ProjectForm(data=_initial(project) if request.method == "GET" else None)
    if validate_with_number(form, lambda number: projects.number_clash(number, project)):
        try:
            changed = projects.update_project(project, _data(form), current_user)
        except Invalid as problem:
            show_problems(form, problem)
        else:
            flash(gettext("Project saved.") if changed else gettext("Nothing changed."),
                  "success" if changed else "info")
            return redirect(url_for("setup.project_home", project_id=project.id), code=303)
    return render_template("setup/project_form.html", form=form, project=project), status_of(form)


# --- the team -----------------------------------------------------------------------------------


def _read_level(raw: str | None) -> AccessLevel | None:
    return AccessLevel.__members__.get(raw or "")


def _team_page(project, members, *, errors=None, typed=None, problem: str = "", status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("setup/team.html", project=project, members=members, errors=errors or {},
                           typed=typed or {}, problem=problem, levels=list(AccessLevel)), status


@bp.route("/projects/<int:project_id>/team", methods=["GET", "POST"])
@login_required
def team(project_id: int):
    project, _level = project_for_current_user(project_id, AccessLevel.ADMIN)
    members = projects.team(project, current_user)
    if request.method == "GET":
        return _team_page(project, members)
    known = {m.user.id for m in members}
    typed: dict[int, str] = {}
    for key, raw in request.form.items():
        if key.startswith("level-"):
            try:
                user_id = db_int(key.removeprefix("level-"))
            except ValueError:
                abort(404)
            if user_id not in known:
                abort(404)
            typed[user_id] = raw
    errors = {uid: LEVEL_CHOICE for uid, raw in typed.items() if _read_level(raw) is None}
    if errors:
        return _team_page(project, members, errors=errors, typed=typed, status=422)
    try:
        changed = projects.set_levels(project, {uid: _read_level(raw) for uid, raw in typed.items()}, current_user)
    except projects.TeamRefused as refused:
        errors = {refused.user_id: refused.message} if refused.user_id else {}
        return _team_page(project, projects.team(project, current_user), errors=errors, typed=typed,
                          problem="" if errors else refused.message, status=422)
    if changed:
        flash(gettext("Team saved: %(changes)s.", changes=", ".join(
            gettext("%(name)s is now %(level)s", name=m.user.name, level=gettext(m.level.label)) for m in changed)),
              "success")
    else:
        flash(gettext("Nothing changed."), "info")
    return redirect(url_for("setup.team", project_id=project.id), code=303)


@bp.post("/projects/<int:project_id>/team/<int:user_id>")
@login_required
def team_member(project_id: int, user_id: int):
    """One person's level: the row's select saves itself with htmx; a plain post works too."""
    project, _level = project_for_current_user(project_id, AccessLevel.ADMIN)
    members = {m.user.id: m for m in projects.team(project, current_user)}
    if user_id not in members:
        abort(404)
    raw = request.form.get(f"level-{user_id}", "")
    level = _read_level(raw)
    problem = LEVEL_CHOICE if level is None else ""
    if level is not None:
        try:
            changed = projects.set_levels(project, {user_id: level}, current_user)
        except projects.TeamRefused as refused:
            problem = refused.message
    if problem:
        if htmx:
            return htmx_answer("setup/partials/_team_row.html", status=422, project=project,
                               member=members[user_id], error=problem, typed_value=raw, levels=list(AccessLevel))
        return _team_page(project, list(members.values()), errors={user_id: problem}, typed={user_id: raw},
                          status=422)
    member = changed[0] if changed else members[user_id]
    message = (gettext("%(name)s is now %(level)s on this project.", name=member.user.name,
                       level=gettext(member.level.label)) if changed else gettext("Nothing changed."))
    if htmx:
        return htmx_answer("setup/partials/_team_row.html", banner=message, category="success" if changed else "info",
                           project=project, member=member, saved=bool(changed), levels=list(AccessLevel))
    flash(message, "success" if changed else "info")
    return redirect(url_for("setup.team", project_id=project.id), code=303)
