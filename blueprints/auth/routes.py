"""Sign-in (with its second step), sign-out and first-run setup."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, logout_user

from blueprints.auth.forms import ForgotPasswordForm, ResetPasswordForm, SetupForm, SignInForm, TwoStepForm
from blueprints.auth.limits import limit_attempts, limit_reset_requests
from blueprints.auth.sessions import now_seconds, start_session
from blueprints.language import SESSION_KEY as LANGUAGE_CHOSEN
from blueprints.web import deliver_mail_after_response, link_problem, read_link
from domain import accounts, password_reset, tokens, two_step
from domain.models import User, db
from domain.text import has_control_characters

bp = Blueprint("auth", __name__)

# Between the password and the code: long enough to find the phone, short enough not to linger.
TWO_STEP_PENDING_SECONDS = 300
# The address the sign-in form starts with (set by the portal when an invite link needs a sign-in):
# kept in the session, not the URL, so it is not in server logs.
SIGN_IN_AS = "sign_in_as"
RESET_ASKED_FOR = "reset_asked_for"  # the address typed on "Forgot your password?", for the answer page


def _ask_for_code(user: User, remember: bool, next_page: str | None) -> None:
    """The password (or a reset link) is right: the two-step code is the next step."""
    session["two_step"] = {"user": user.id, "version": user.session_version, "since": now_seconds(),
                           "remember": remember, "next": next_page}


@bp.route("/sign-in", methods=["GET", "POST"])
@limit_attempts("address")
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("setup.home"))
    form = SignInForm()
    if request.method == "GET" and session.get(SIGN_IN_AS):
        form.email.data = session[SIGN_IN_AS]  # the address an invite link was sent to
    if form.validate_on_submit():
        user = accounts.check_password(form.email.data, form.password.data, get_remote_address())
        if user is not None and user.two_step_enabled:
            session.pop(SIGN_IN_AS, None)
            _ask_for_code(user, remember=bool(form.remember.data), next_page=request.args.get("next"))
            return redirect(url_for("auth.two_step"), code=303)
        if user is not None:
            start_session(user, "password", remember=bool(form.remember.data))
            return redirect(safe_next(request.args.get("next")), code=303)
        form.password.errors.append(_("E-mail or password is incorrect."))
    status = 422 if form.errors else 200
    return render_template("auth/sign_in.html", form=form), status


@bp.route("/sign-in/two-step", methods=["GET", "POST"], endpoint="two_step")
@limit_attempts("two-step")
def enter_two_step_code():
    pending = session.get("two_step") or {}
    user = db.session.get(User, pending["user"]) if pending.get("user") else None
    if (user is None or not user.active or not user.two_step_enabled
            or user.session_version != pending.get("version")
            or now_seconds() - pending.get("since", 0) > TWO_STEP_PENDING_SECONDS):
        session.pop("two_step", None)
        flash(_("Sign in with your e-mail and password first (the code step waits 5 minutes at most)."), "info")
        return redirect(url_for("auth.sign_in"), code=303)
    form = TwoStepForm()
    if form.validate_on_submit():
        try:
            how = two_step.verify(user, form.code.data)
        except two_step.TwoStepRefused as refused:
            db.session.rollback()
            accounts.record_failed_sign_in(user, get_remote_address(), "wrong two-step code")
            form.code.errors.append(str(refused))
        else:
            start_session(user, f"password and {how}", remember=pending.get("remember", False))
            if how == "recovery code":
                left = two_step.recovery_codes_left(user)
                flash(_("You used a recovery code; %(left)d left. Each one works once: make new ones on "
                        "Your account if you are running low.", left=left), "warning" if left < 4 else "info")
            return redirect(safe_next(pending.get("next")), code=303)
    status = 422 if form.errors else 200
    return render_template("auth/two_step.html", form=form), status


# --- password reset (issue 12) ---------------------------------------------------------------------


@bp.route("/sign-in/forgot", methods=["GET", "POST"])
@limit_reset_requests
def forgot_password():
    form = ForgotPasswordForm()
    if request.method == "GET" and session.get(SIGN_IN_AS):
        form.email.data = session[SIGN_IN_AS]
    if form.validate_on_submit():
        g.reset_asked = True  # counted against the address whether or not it is anyone's
        if password_reset.request_reset(form.email.data):
            deliver_mail_after_response()
        # The same answer either way: this page never tells whether an address has an account.
        session[RESET_ASKED_FOR] = form.email.data.strip()
        return redirect(url_for("auth.reset_link_sent"), code=303)
    status = 422 if form.errors else 200
    return render_template("auth/forgot_password.html", form=form), status


@bp.get("/sign-in/forgot/sent")
def reset_link_sent():
    if not session.get(RESET_ASKED_FOR):
        return redirect(url_for("auth.forgot_password"), code=303)
    return render_template("auth/forgot_password.html", sent_to=session[RESET_ASKED_FOR])


@bp.route("/reset-password", methods=["GET", "POST"])
@limit_attempts("link")
def reset_password():
    token = request.values.get("token", "")
    link, problem = read_link(tokens.read_password_reset_token, "PASSWORD_RESET_MAX_AGE", "reset")
    if problem:
        return problem
    user = password_reset.user_for_reset(link)
    if user is None:  # used already, or the account changed since it was sent
        return link_problem("used", "reset")
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            password_reset.reset_password(user, form.password.data)
        except password_reset.ResetRefused:  # a second click, or the link used in another tab meanwhile
            return link_problem("used", "reset")
        home = url_for("portal.home" if user.is_collaborator else "setup.home")
        if user.two_step_enabled:  # a reset link proves the mailbox, not the phone
            _ask_for_code(user, remember=False, next_page=home)
            flash(_("Your new password is set. Enter the code from your authenticator app to sign in."), "success")
            return redirect(url_for("auth.two_step"), code=303)
        start_session(user, "password reset link")
        flash(_("Your new password is set and you are signed in. You were signed out everywhere else."), "success")
        return redirect(home, code=303)
    status = 422 if form.errors else 200
    return render_template("auth/reset_password.html", form=form, user=user, token=token,
                           min_password_length=accounts.MIN_PASSWORD_LENGTH), status



@bp.post("/sign-out")
@login_required
def sign_out():
    language = session.get(LANGUAGE_CHOSEN)
    logout_user()
    session.clear()  # nothing of this person's half-done steps is left for whoever uses the browser next
    if language:  # but the language this browser reads stays
        session[LANGUAGE_CHOSEN] = language
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.sign_in"), code=303)


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    if accounts.has_any_user():
        abort(404)  # first-run setup happens once, then never shows again
    form = SetupForm()
    if form.validate_on_submit():
        try:
            user = accounts.first_run_setup(
                company_name=form.company_name.data,
                name=form.name.data,
                email=form.email.data,
                password=form.password.data,
            )
        except accounts.SetupAlreadyDone:
            abort(404)
        start_session(user, "first-run setup")
        flash(_("Your company is set up and you are its first admin."), "success")
        return redirect(url_for("setup.home"), code=303)
    status = 422 if form.errors else 200
    return render_template("auth/setup.html", form=form), status


def safe_next(target: str | None) -> str:
    """Follow ?next= only to a path on this site, never to another host."""
    if target:
        parts = urlsplit(target)
        local = not parts.scheme and not parts.netloc and target.startswith("/")
        if local and not target.startswith(("//", "/\\")) and not has_control_characters(target, multi_line=False):
            return target
    return url_for("setup.home")
