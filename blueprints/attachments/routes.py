"""Claim attachments for contacts and staff alike; who may see or change them is decided in the domain."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_login import current_user, login_required

from blueprints.htmx_answer import htmx_answer
from domain import attachments, claims
from domain.models import Claim, db
from domain.permissions import can_change_attachments, can_download_attachment, can_see_claim
from extensions import htmx

bp = Blueprint("attachments", __name__, url_prefix="/claims")


@bp.app_context_processor
def _accept() -> dict[str, str]:
    """The file input's `accept`, from the kinds the domain takes."""
    return {"attachment_accept": attachments.ACCEPT_ATTRIBUTE}


def _back(claim: Claim):  # type: ignore[no-untyped-def]
    if current_user.is_collaborator:
        return redirect(url_for("portal.claim", claim_id=claim.id), code=303)
    return redirect(url_for("billings.claim", project_id=claim.commitment.project_id, claim_id=claim.id), code=303)


def _answer(claim: Claim, message: str, category: str, status: int = 200):  # type: ignore[no-untyped-def]
    """With htmx the attachments section in place (the figures being typed stay); without, back to the page."""
    if htmx:
        # The change history comes along out of band: each upload and removal is in it.
        return htmx_answer("claims/partials/_attachments.html", "claims/partials/_history.html", banner=message,
                           category=category, status=status, claim=claim, history=claims.history(claim),
                           can_attach=can_change_attachments(current_user, claim),
                           attach_error=message if category == "danger" else "")
    flash(message, category)
    return _back(claim)


@bp.post("/<int:claim_id>/attachments")
@login_required
def upload(claim_id: int):
    claim = db.session.get(Claim, claim_id)
    if claim is None or not can_see_claim(current_user, claim):
        abort(404)
    uploads = [attachments.Upload(f.filename or "", f.stream) for f in request.files.getlist("file")]
    try:
        stored = attachments.store_all(claim, uploads, current_user, current_app.config["UPLOAD_FOLDER"])
    except attachments.AttachmentRefused as refused:
        return _answer(claim, f"{refused} Nothing was attached." if len(uploads) > 1 else str(refused), "danger",
                       422)
    message = f"Attached {', '.join(a.filename for a in stored)}."
    if any(a.filename != u.filename for a, u in zip(stored, (u for u in uploads if u.filename), strict=True)):
        message += " File names were cleaned or shortened to be safe."
    return _answer(claim, message, "success")


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
    attachments.remove(attachment, current_user, current_app.config["UPLOAD_FOLDER"])
    return _answer(claim, f"Removed {attachment.filename}.", "info")
