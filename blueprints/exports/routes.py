"""Spreadsheet downloads: the Progress Billings board of a period, and a claim's lines (G703), for staff and
for the claim's contact in the portal. Whoever sees the page may download what it shows."""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user, login_required

from blueprints.forms import db_int
from blueprints.guards import claim_for_current_user, project_for_current_user
from blueprints.web import download
from domain import board as boards
from domain import exports, portal
from domain.locales import current_language
from templating import current_terms

bp = Blueprint("exports", __name__)

KIND = "<any(csv, xlsx):kind>"


@bp.get(f"/projects/<int:project_id>/billings/export.{KIND}")
@login_required
def board(project_id: int, kind: str):
    project, level = project_for_current_user(project_id)
    args = request.args
    loaded = boards.load_board(project, current_user, level, period_id=args.get("period", type=db_int),
                               status_filter=args.get("status"), sort=args.get("sort"), direction=args.get("dir"),
                               search=args.get("q"))
    if loaded.period is None:
        abort(404)
    return export_download(exports.board_export(loaded, current_terms(), current_language()), kind)


@bp.get(f"/projects/<int:project_id>/billings/claims/<int:claim_id>/lines.{KIND}")
@login_required
def claim_lines(project_id: int, claim_id: int, kind: str):
    _project, _level, claim = claim_for_current_user(project_id, claim_id)
    return export_download(exports.claim_lines_export(claim, current_terms(), current_language()), kind)


@bp.get(f"/portal/claims/<int:claim_id>/lines.{KIND}")
@login_required
def portal_claim_lines(claim_id: int, kind: str):
    claim = portal.claim_for_contact(current_user, claim_id) or abort(404)
    return export_download(exports.claim_lines_export(claim, current_terms(), current_language()), kind)


def export_download(export: exports.Export, kind: str):  # type: ignore[no-untyped-def]
    return download(export.render(kind), exports.MEDIA_TYPES[kind], export.file_name(kind))
