"""A claim as a document: its pay application PDF and its package (the PDF with its backup), and the notices
of non-payment given from it.

Staff reach a claim through its project (the guard: 404 for another project's claim), a contact
through the portal (their own claims only); both get the same files from the same builder.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, url_for
from flask_login import current_user, login_required

from blueprints.guards import claim_for_current_user
from blueprints.web import download
from domain import claim_package, pay_application, payment_notices, portal
from domain.locales import current_language
from domain.models import Claim, PaymentNotice

bp = Blueprint("documents", __name__)


@bp.get("/projects/<int:project_id>/billings/claims/<int:claim_id>/pdf")
@login_required
def claim_pdf(project_id: int, claim_id: int):
    _project, _level, claim = claim_for_current_user(project_id, claim_id)
    return pdf_download(claim)


@bp.get("/projects/<int:project_id>/billings/claims/<int:claim_id>/package")
@login_required
def claim_package_pdf(project_id: int, claim_id: int):
    _project, _level, claim = claim_for_current_user(project_id, claim_id)
    back = url_for("billings.claim", project_id=project_id, claim_id=claim.id)
    return package_download(claim, back)


@bp.get("/portal/claims/<int:claim_id>/pdf")
@login_required
def portal_claim_pdf(claim_id: int):
    return pdf_download(portal.claim_for_contact(current_user, claim_id) or abort(404))


@bp.get("/portal/claims/<int:claim_id>/package")
@login_required
def portal_claim_package(claim_id: int):
    claim = portal.claim_for_contact(current_user, claim_id) or abort(404)
    return package_download(claim, url_for("portal.claim", claim_id=claim.id))


@bp.get("/portal/claims/<int:claim_id>/notices/<int:notice_id>.pdf")
@login_required
def portal_payment_notice_pdf(claim_id: int, notice_id: int):
    """A notice of non-payment given from the contact's own claim (e-mailed to them too)."""
    claim = portal.claim_for_contact(current_user, claim_id) or abort(404)
    return notice_pdf_download(payment_notices.notice_on(claim, notice_id) or abort(404))


def notice_pdf_download(notice: PaymentNotice):  # type: ignore[no-untyped-def]
    """A notice of non-payment as its PDF (the caller's guard decided who may have it)."""
    return download(payment_notices.render_pdf(notice, current_language()), "application/pdf",
                    payment_notices.filename(notice))


def pdf_download(claim: Claim):  # type: ignore[no-untyped-def]
    """The claim's pay application PDF, whoever's claim it is (the caller's guard decided who may have it), in
    the language of the person downloading it."""
    document = pay_application.render_pdf(pay_application.from_claim(claim, current_language()))
    return download(document, "application/pdf", pay_application.filename(claim))


def package_download(claim: Claim, back: str):  # type: ignore[no-untyped-def]
    """The claim's package, or back to `back` saying why it is too large."""
    config = current_app.config
    try:
        document = claim_package.build(claim, config["UPLOAD_FOLDER"], config["PACKAGE_MAX_BYTES"],
                                       current_language())
    except claim_package.PackageTooLarge as refused:
        flash(str(refused), "warning")
        return redirect(back, code=303)
    return download(document, "application/pdf", pay_application.filename(claim, "package"))
