"""The contact portal: answer invites, fill in and submit progress claims (SPEC §4).

A GET never changes anything: e-mail links are opened by mail scanners too. The link's
token never signs anyone in; it only lets a contact without a password set one.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from blueprints.auth.limits import limit_attempts, limit_mail
from blueprints.auth.routes import SIGN_IN_AS
from blueprints.auth.sessions import start_session
from blueprints.billings.forms import ClaimLinesForm
from blueprints.field_errors import show_problems
from blueprints.portal.forms import ActivateForm, AnswerForm, DeclineForm, MuteForm
from blueprints.web import claim_preview, deliver_mail_after_response, link_problem, read_link
from domain import accounts, claims, emails, payment_notices, portal, reminders, tokens
from domain.models import Invite, User, db
from domain.permissions import can_change_attachments
from domain.statuses import EDITABLE

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.get("")
@login_required
def home():
    return render_template("portal/home.html", items=portal.home(current_user),
                           sender_company=emails.sender_company_name(accounts.own_company()))


def _read_token(invite_id: int):  # type: ignore[no-untyped-def]
    """The invite and contact a link names, or the page that says what is wrong with it."""
    data, problem = read_link(tokens.read_invite_token, "INVITE_TOKEN_MAX_AGE", "invite")
    if problem:
        return None, None, problem
    invite = db.session.get(Invite, invite_id)
    contact = db.session.get(User, data.contact_id)
    if (data.invite_id != invite_id or invite is None or contact is None or not contact.active
            or not data.sent_to(contact.email)  # mailed to an address the contact no longer has
            or portal.invite_for_contact(contact, invite_id) is None):  # no longer a contact, or kept private
        return None, None, link_problem("invalid", "invite")
    return invite, contact, None


@bp.get("/invites/<int:invite_id>")
def invite(invite_id: int):
    answer = request.args.get("answer")
    if "token" in request.args:
        invite, contact, problem = _read_token(invite_id)
        if problem:
            return problem
        if not current_user.is_authenticated:
            if contact.password_hash is None:
                return render_template("auth/activate.html", invite=invite, contact=contact, form=ActivateForm(),
                                       token=request.args["token"], answer=answer)
            flash(gettext("Sign in as %(email)s to answer the invite.", email=contact.email), "info")
            session[SIGN_IN_AS] = contact.email  # the sign-in form starts with the invited address
            return redirect(url_for("auth.sign_in", next=url_for("portal.invite", invite_id=invite_id,
                                                                  answer=answer)))
        if current_user.id != contact.id:
            return render_template("portal/wrong_person.html"), 403
    elif not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    found = portal.invite_for_contact(current_user, invite_id)
    if found is None:
        abort(404)
    return _invite_page(found, answer)


def _invite_page(invite: Invite, answer: str | None, decline_form: DeclineForm | None = None, status: int = 200):
    claim = claims.invite_claim(invite)
    company = accounts.own_company()
    return render_template("portal/invite.html", invite=invite, claim=claim, answer=answer,
                           sender_company=emails.sender_company_name(company),
                           accept_form=AnswerForm(), decline_form=decline_form or DeclineForm(
                               formdata=None, reason=invite.decline_reason),
                           due_passed=portal.due_passed(invite), blocked_by=portal.blocking_claim(invite),
                           company_message=(company.invite_message if company else "") or ""), status


@bp.post("/invites/<int:invite_id>/activate")
@limit_attempts("link")
def activate(invite_id: int):
    invite, contact, problem = _read_token(invite_id)
    if problem:
        return problem
    if contact.password_hash is not None:
        flash(gettext("This account already has a password: sign in to answer the invite."), "info")
        return redirect(url_for("auth.sign_in", next=url_for("portal.invite", invite_id=invite_id)), code=303)
    form = ActivateForm()
    if not form.validate_on_submit():
        return render_template("auth/activate.html", invite=invite, contact=contact, form=form,
                               token=request.form.get("token", ""), answer=request.form.get("answer")), 422
    try:
        accounts.activate(contact, form.password.data)
    except ValueError:  # activated a moment ago, by another click
        flash(gettext("This account already has a password: sign in to answer the invite."), "info")
        return redirect(url_for("auth.sign_in", next=url_for("portal.invite", invite_id=invite_id)), code=303)
    start_session(contact, "invite link")
    flash(gettext("Your password is set and you are signed in."), "success")
    return redirect(url_for("portal.invite", invite_id=invite_id, answer=request.form.get("answer")), code=303)


@bp.post("/invites/<int:invite_id>/accept")
@login_required
@limit_mail
def accept(invite_id: int):
    invite = portal.invite_for_contact(current_user, invite_id) or abort(404)
    if not AnswerForm().validate_on_submit():
        abort(400)
    try:
        claim = portal.accept(invite, current_user)
    except (portal.AnswerRefused, claims.ClaimRefused) as refused:
        flash(str(refused), "warning")
        return redirect(url_for("portal.invite", invite_id=invite_id), code=303)
    deliver_mail_after_response()
    flash(gettext("Thank you: you will bill this period. Fill in your claim below."), "success")
    return redirect(url_for("portal.claim", claim_id=claim.id), code=303)


@bp.post("/invites/<int:invite_id>/decline")
@login_required
@limit_mail
def decline(invite_id: int):
    invite = portal.invite_for_contact(current_user, invite_id) or abort(404)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _invite_page(invite, "no", form, 422)
    try:
        portal.decline(invite, current_user, form.reason.data or "")
    except portal.AnswerRefused as refused:
        flash(str(refused), "warning")
        return redirect(url_for("portal.invite", invite_id=invite_id), code=303)
    deliver_mail_after_response()
    flash(gettext("Thank you: you will not bill this period. You can change your answer here until a claim is "
                  "submitted."), "success")
    return redirect(url_for("portal.invite", invite_id=invite_id), code=303)


@bp.route("/claims/<int:claim_id>", methods=["GET", "POST"])
@login_required
@limit_mail
def claim(claim_id: int):
    claim = portal.claim_for_contact(current_user, claim_id) or abort(404)
    form = ClaimLinesForm.for_claim(claim)
    if request.method == "GET":
        return _claim_page(claim, form)
    entries, submit = form.entries(), form.submit
    try:
        entered = portal.save_claim(claim, entries, current_user, submit=submit, signature=form.signature())
    except claims.ClaimRefused as refused:
        flash(str(refused), "warning")
        return redirect(url_for("portal.claim", claim_id=claim.id), code=303)
    if not entered.ok:
        show_problems(form, entered.signature_errors)
        return _claim_page(claim, form, entries, entered, 422)
    if submit:
        deliver_mail_after_response()
        flash(gettext("Signed and submitted for review. You will get an e-mail when it is reviewed."), "success")
    else:
        flash(gettext("Draft saved."), "success")
    return redirect(url_for("portal.claim", claim_id=claim.id), code=303)


@bp.post("/claims/<int:claim_id>/preview", endpoint="claim_preview")
@login_required
def preview(claim_id: int):
    claim = portal.claim_for_contact(current_user, claim_id) or abort(404)
    return claim_preview(claim)


def _claim_page(claim, form, entries=None, entered=None, status: int = 200):  # type: ignore[no-untyped-def]
    lines, totals = claims.figures(claim, entered.inputs if entered else None)
    typed = {e.sov_line_id: e for e in entries} if entries else None
    return render_template("portal/claim.html", claim=claim, lines=lines, totals=totals, typed=typed,
                           contract=claims.contract(claim),
                           entered=entered, editable=claim.status in EDITABLE, form=form,
                           locked=claims.approved_lines_locked(claim),
                           can_attach=can_change_attachments(current_user, claim),
                           project=claim.commitment.project, history=claims.history(claim),
                           notices=payment_notices.notices_of(claim)), status



def _read_mute_token(token: str):  # type: ignore[no-untyped-def]
    """The invite and contact a mute link names, or the page that says what is wrong with it: it mutes only
    the invite it was made for, for a contact who still has the address it went to and is still its contact."""
    config = current_app.config
    try:
        data = tokens.read_mute_token(config["SECRET_KEY"], token, config["REMINDER_MUTE_MAX_AGE"])
    except tokens.TokenExpired:
        return None, None, link_problem("expired", "mute")
    except tokens.TokenInvalid:
        return None, None, link_problem("invalid", "mute")
    invite = db.session.get(Invite, data.invite_id)
    contact = db.session.get(User, data.contact_id)
    if (invite is None or contact is None or not contact.active or not data.sent_to(contact.email)
            or portal.invite_for_contact(contact, invite.id) is None):
        return None, None, link_problem("invalid", "mute")
    return invite, contact, None


@bp.route("/reminders/mute/<token>", methods=["GET", "POST"])
def mute_reminders(token: str):
    """GET shows what will be muted and asks to confirm (mail scanners open links); POST mutes. Signed out
    too: the token is the proof, and it names one invite."""
    invite, contact, problem = _read_mute_token(token)
    if problem:
        return problem
    form = MuteForm()
    muted_now = False
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        muted_now = reminders.mute(invite, contact)
    return render_template("portal/mute.html", invite=invite, contact=contact, form=form, muted_now=muted_now,
                           sender_company=emails.sender_company_name(accounts.own_company()))
