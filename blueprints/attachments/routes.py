"""Claim attachments for contacts and staff alike; who may see or change them is decided in the domain."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_login import current_user, login_required

from domain import attachments
from domain.models import Claim, db
from domain.permissions import can_change_attachments, can_download_attachment, can_see_claim

bp = Blueprint("attachments", __name__, url_prefix="/claims")


def _back(claim: Claim):  # type: ignore[no-untyped-def]
    if current_user.is_collaborator:
        return redirect(url_for("portal.claim", claim_id=claim.id), code=303)
    return redirect(url_for("billings.claim", project_id=claim.commitment.project_id, claim_id=claim.id), code=303)


@bp.post("/<int:claim_id>/attachments")
@login_required
def upload(claim_id: int):
    claim = db.session.get(Claim, claim_id)
    if claim is None or not can_see_claim(current_user, claim):
        abort(404)
    if not can_change_attachments(current_user, claim):
        abort(403)
    upload = request.files.get("file")
    try:
        attachment = attachments.store(claim, upload.filename if upload else "", upload.stream if upload else BytesIO(),
                                       current_user, current_app.config["UPLOAD_FOLDER"])
    except attachments.AttachmentRefused as refused:
        flash(str(refused), "danger")
    else:
        flash(f"Attached {attachment.filename}.", "success")
    return _back(claim)


@bp.get("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    attachment = attachments.get(attachment_id)
    if attachment is None or not can_download_attachment(current_user, attachment.claim):
        abort(404)
    path = Path(current_app.config["UPLOAD_FOLDER"]) / attachment.storage_key
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/attachments/<int:attachment_id>/remove")
@login_required
def remove(attachment_id: int):
    attachment = attachments.get(attachment_id)
    if attachment is None or not can_see_claim(current_user, attachment.claim):
        abort(404)
    claim = attachment.claim
    if not can_change_attachments(current_user, claim):
        abort(403)
    attachments.remove(attachment, current_user, current_app.config["UPLOAD_FOLDER"])
    flash(f"Removed {attachment.filename}.", "info")
    return _back(claim)
