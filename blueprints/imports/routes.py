"""Import commitments with their schedules of values from a spreadsheet: upload, preview, confirm; and
the same three steps for the head contract's schedule of values (its lines only, into a Draft SOV).

Company admins and the project's Admins only (others 403, no access 404). Nothing is
written until the confirmation, which imports the whole file in one transaction or nothing.
Each step is a plain page: a file upload gains nothing from htmx, and every successful POST
redirects (303), so a reload never posts twice. Also here: the sample file and the export
of the project's current commitments in the same columns.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from blueprints.field_errors import show_problems
from blueprints.guards import head_contract_for_current_user, project_for_current_user
from blueprints.imports.forms import UploadForm
from domain import importer
from domain.models import AccessLevel, Commitment, Project, SovStatus
from domain.spreadsheet import SpreadsheetRefused
from domain.text import without_control_characters
from domain.upload_stash import Stashed, UploadStash
from templating import money_of

bp = Blueprint("imports", __name__, url_prefix="/projects/<int:project_id>/import")

# A broken 5,000-row file can have tens of thousands of problems; the page lists the first ones.
MAX_PROBLEMS_SHOWN = 500


def _stash(kind: str = "") -> UploadStash:
    """Each import keeps its uploads in its own folder, so one's token never opens in the other."""
    folder = Path(current_app.config.get("IMPORT_FOLDER") or Path(current_app.instance_path) / "imports")
    return UploadStash(folder / kind if kind else folder)


def _admin_project(project_id: int) -> Project:
    project, _ = project_for_current_user(project_id, AccessLevel.ADMIN)
    return project


@bp.get("")
@login_required
def index(project_id: int):
    return _index(_admin_project(project_id), UploadForm())


@bp.post("")
@login_required
def upload(project_id: int):
    project = _admin_project(project_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return _index(project, form, status=422)
    # The file's name is shown and written to the audit trail: the one rule on control characters.
    upload = form.file.data
    filename = without_control_characters(Path(upload.filename or "").name, multi_line=False)
    try:
        plan = importer.plan_import(project, importer.read(upload.stream))
    except SpreadsheetRefused as refused:
        show_problems(form, {"file": f"{filename}: {refused.message}" if filename else refused.message})
        return _index(project, form, status=422)
    if not plan.ok:
        return _preview(project, plan, filename, form=form, status=422)
    token = _stash().keep(upload.stream, user_id=current_user.id, project_id=project.id, filename=filename)
    return redirect(url_for("imports.preview", project_id=project.id, token=token), code=303)


@bp.get("/<token>")
@login_required
def preview(project_id: int, token: str):
    project = _admin_project(project_id)
    stashed = _stash().find(token, user_id=current_user.id, project_id=project.id)
    if stashed is None:
        return _index(project, UploadForm(), gone=True, status=404)
    if stashed.state != "pending":
        return _already(project, stashed)
    with stashed.data.open("rb") as stream:
        plan = importer.plan_import(project, importer.read(stream))
    return _preview(project, plan, stashed.filename, token=token, form=UploadForm())


@bp.post("/<token>/confirm")
@login_required
def confirm(project_id: int, token: str):
    project = _admin_project(project_id)
    stash = _stash()
    stashed = stash.find(token, user_id=current_user.id, project_id=project.id)
    if stashed is None:
        return _index(project, UploadForm(), gone=True, status=404)
    path = stash.take(stashed) if stashed.state == "pending" else None
    if path is None:
        return _already(project, stash.find(token, user_id=current_user.id, project_id=project.id) or stashed)
    try:
        with path.open("rb") as stream:
            imported = importer.import_commitments(project, importer.read(stream), current_user, stashed.filename)
    except importer.ImportRefused as refused:
        stash.put_back(stashed)
        if refused.plan is None:
            flash(refused.message, "danger")
            return redirect(url_for("imports.preview", project_id=project.id, token=token), code=303)
        return _preview(project, refused.plan, stashed.filename, token=token, form=UploadForm(), status=422)
    except BaseException:
        stash.put_back(stashed)  # nothing was written: the upload can be confirmed again
        raise
    stash.finish(stashed, imported)
    flash(gettext("Imported %(commitments)s commitments with %(lines)s SOV lines, %(total)s in all. Their schedules "
                  "of values are Draft: approve each one before inviting its vendor to bill.",
                  commitments=format(imported.commitments, ","), lines=format(imported.lines, ","),
                  total=money_of(project)(imported.total)), "success")
    return redirect(url_for("setup.commitments", project_id=project.id), code=303)  # where they now are


@bp.get("/sample.csv")
@login_required
def sample(project_id: int):
    _admin_project(project_id)
    return _csv(importer.sample_csv(), "commitments-import-sample.csv")


@bp.get("/commitments.csv")
@login_required
def export(project_id: int):
    project = _admin_project(project_id)
    return _csv(importer.export_csv(project), f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', project.number)}-commitments.csv")


def _index(project: Project, form: UploadForm, *, gone: bool = False, status: int = 200):
    return render_template("imports/index.html", project=project, form=form, gone=gone, columns=importer.COLUMNS,
                           optional=importer.OPTIONAL, max_rows=importer.MAX_ROWS,
                           max_length=importer.MAX_LENGTH, commitment_count=importer.commitment_count(project),
                           default_retention=importer.default_retention()), status


def _preview(project: Project, plan: importer.Plan, filename: str, *, form: UploadForm, token: str | None = None,
             status: int = 200):
    return render_template("imports/preview.html", project=project, plan=plan, filename=filename, form=form,
                           token=token, max_problems=MAX_PROBLEMS_SHOWN, max_rows=importer.MAX_ROWS,
                           problem_rows={p.row for p in plan.problems}), status


def _already(project: Project, stashed: Stashed):
    if stashed.state == "imported":
        flash(gettext("This file was already imported (%(count)s commitments). Nothing was imported twice.",
                      count=stashed.imported.get("commitments", "?")), "info")
    else:
        flash(gettext("This file is being imported right now. Wait a moment and reload."), "info")
    return redirect(url_for("imports.index", project_id=project.id), code=303)


def _csv(data: bytes, filename: str):
    response = send_file(io.BytesIO(data), mimetype="text/csv", as_attachment=True, download_name=filename,
                         etag=False, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- the head contract's schedule of values -------------------------------------------------------

HC_SOV = "head-contract-sov"


def _admin_head_contract(project_id: int) -> tuple[Project, Commitment]:
    project, _level, head = head_contract_for_current_user(project_id, AccessLevel.ADMIN)
    return project, head


@bp.get("/head-contract-sov")
@login_required
def head_contract_sov(project_id: int):
    return _sov_index(*_admin_head_contract(project_id), UploadForm())


@bp.post("/head-contract-sov")
@login_required
def head_contract_sov_upload(project_id: int):
    project, head = _admin_head_contract(project_id)
    form = UploadForm()
    if head.sov_status is not SovStatus.DRAFT:
        show_problems(form, {"file": gettext(importer.SOV_NOT_DRAFT)})
        return _sov_index(project, head, form, status=422)
    if not form.validate_on_submit():
        return _sov_index(project, head, form, status=422)
    upload = form.file.data
    filename = without_control_characters(Path(upload.filename or "").name, multi_line=False)
    try:
        plan = importer.plan_sov_import(head, importer.read_sov(upload.stream))
    except SpreadsheetRefused as refused:
        show_problems(form, {"file": f"{filename}: {refused.message}" if filename else refused.message})
        return _sov_index(project, head, form, status=422)
    if not plan.ok:
        return _sov_preview(project, head, plan, filename, form=form, status=422)
    token = _stash(HC_SOV).keep(upload.stream, user_id=current_user.id, project_id=project.id, filename=filename)
    return redirect(url_for("imports.head_contract_sov_preview", project_id=project.id, token=token), code=303)


@bp.get("/head-contract-sov/<token>")
@login_required
def head_contract_sov_preview(project_id: int, token: str):
    project, head = _admin_head_contract(project_id)
    stashed = _stash(HC_SOV).find(token, user_id=current_user.id, project_id=project.id)
    if stashed is None:
        return _sov_index(project, head, UploadForm(), gone=True, status=404)
    if stashed.state != "pending":
        return _sov_already(project, stashed)
    with stashed.data.open("rb") as stream:
        plan = importer.plan_sov_import(head, importer.read_sov(stream))
    return _sov_preview(project, head, plan, stashed.filename, token=token, form=UploadForm())


@bp.post("/head-contract-sov/<token>/confirm")
@login_required
def head_contract_sov_confirm(project_id: int, token: str):
    project, head = _admin_head_contract(project_id)
    stash = _stash(HC_SOV)
    stashed = stash.find(token, user_id=current_user.id, project_id=project.id)
    if stashed is None:
        return _sov_index(project, head, UploadForm(), gone=True, status=404)
    path = stash.take(stashed) if stashed.state == "pending" else None
    if path is None:
        return _sov_already(project, stash.find(token, user_id=current_user.id, project_id=project.id) or stashed)
    try:
        with path.open("rb") as stream:
            imported = importer.import_sov(head, importer.read_sov(stream), current_user, stashed.filename)
    except importer.ImportRefused as refused:
        stash.put_back(stashed)
        if refused.plan is None:
            flash(refused.message, "danger")
            return redirect(url_for("imports.head_contract_sov_preview", project_id=project.id, token=token),
                            code=303)
        return _sov_preview(project, head, refused.plan, stashed.filename, token=token, form=UploadForm(),
                            status=422)
    except BaseException:
        stash.put_back(stashed)  # nothing was written: the upload can be confirmed again
        raise
    stash.finish(stashed, imported)
    flash(gettext("Imported %(lines)s SOV lines, %(total)s in all. The schedule of values is still Draft: check it "
                  "and approve it.", lines=format(imported.lines, ","), total=money_of(project)(imported.total)),
          "success")
    return redirect(url_for("setup.head_contract_sov", project_id=project.id), code=303)


@bp.get("/head-contract-sov/sample.csv")
@login_required
def head_contract_sov_sample(project_id: int):
    _admin_head_contract(project_id)
    return _csv(importer.sov_sample_csv(), "head-contract-sov-sample.csv")


def _sov_index(project: Project, head: Commitment, form: UploadForm, *, gone: bool = False, status: int = 200):
    return render_template("imports/head_contract_sov.html", project=project, head=head, form=form, gone=gone,
                           columns=importer.SOV_COLUMNS, max_rows=importer.MAX_ROWS, max_length=importer.MAX_LENGTH,
                           upload_url=url_for("imports.head_contract_sov_upload", project_id=project.id)), status


def _sov_preview(project: Project, head: Commitment, plan: importer.SovPlan, filename: str, *, form: UploadForm,
                 token: str | None = None, status: int = 200):
    return render_template("imports/head_contract_sov_preview.html", project=project, head=head, plan=plan,
                           filename=filename, form=form, token=token, max_problems=MAX_PROBLEMS_SHOWN,
                           max_rows=importer.MAX_ROWS, problem_rows={p.row for p in plan.problems},
                           upload_url=url_for("imports.head_contract_sov_upload", project_id=project.id)), status


def _sov_already(project: Project, stashed: Stashed):
    if stashed.state == "imported":
        flash(gettext("This file was already imported (%(count)s SOV lines). Nothing was imported twice.",
                      count=stashed.imported.get("lines", "?")), "info")
    else:
        flash(gettext("This file is being imported right now. Wait a moment and reload."), "info")
    return redirect(url_for("imports.head_contract_sov", project_id=project.id), code=303)
