"""Your account: recent sign-ins, password change, two-step sign-in (issue 10).

Every signed-in person has one, staff and contacts alike. Changing the password or turning on
two-step sign-in ends the person's other sessions; this one goes on.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.account.forms import (
    CurrentPasswordForm,
    LanguageForm,
    PasswordChangeForm,
    TwoStepSetupForm,
    WeeklyDigestForm,
)
from blueprints.auth.limits import limit_attempts
from blueprints.auth.sessions import renew_session
from blueprints.forms import lazy_gettext as _l
from blueprints.language import SESSION_KEY as LANGUAGE_CHOSEN
from domain import accounts, locales, reminders, two_step
from domain.errors import Invalid
from domain.models import db
from domain.permissions import gets_admin_digest

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.before_request
@login_required
def _signed_in_only() -> None:
    return None


# How a sign-in went, as the audit trail keeps it (blueprints/auth, domain/accounts), in the reader's words.
SIGN_IN_WAYS = {
    "password": _l("password"),
    "password and app": _l("password and authenticator app code"),
    "password and recovery code": _l("password and recovery code"),
    "password reset link": _l("password reset link"),
    "first-run setup": _l("first-run setup"),
    "activation link": _l("activation link"),
    "invite link": _l("invite link"),
    "wrong password": _l("wrong password"),
    "unknown address": _l("unknown address"),
    "wrong two-step code": _l("wrong two-step code"),
}


def _page(status: int = 200, **forms):  # type: ignore[no-untyped-def]
    forms.setdefault("password_form", PasswordChangeForm(formdata=None))
    forms.setdefault("off_form", CurrentPasswordForm(formdata=None, prefix="off"))
    forms.setdefault("codes_form", CurrentPasswordForm(formdata=None, prefix="codes"))
    if "language_form" not in forms:
        forms["language_form"] = _language_form(formdata=None, data={"language": current_user.language or ""})
    return render_template("account/index.html", sign_ins=accounts.recent_sign_ins(current_user),
                           codes_left=two_step.recovery_codes_left(current_user),
                           required=two_step.required_for(current_user),
                           gets_digest=gets_admin_digest(current_user), sign_in_ways=SIGN_IN_WAYS, **forms), status


@bp.get("")
def index():
    return _page()


@bp.post("/password")
@limit_attempts("password")
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
        except accounts.PasswordRefused as refused:
            db.session.rollback()
            for field, message in refused.problems.items():
                getattr(form, field).errors = [message]
        else:
            renew_session(current_user)
            flash(_("Your password is changed. You were signed out everywhere else."), "success")
            return redirect(url_for("account.index"), code=303)
    return _page(422, password_form=form)


def _language_form(**kwargs):  # type: ignore[no-untyped-def]
    return LanguageForm(company_default=locales.language_for(company=accounts.own_company()), **kwargs)


@bp.post("/language")
def language():
    """A person chooses their own language, or the company's default again."""
    form = _language_form()
    if not form.validate_on_submit():
        return _page(422, language_form=form)
    try:
        changed = accounts.set_language(current_user, form.chosen())
    except Invalid as problem:
        form.language.errors = [problem.problems["language"]]
        return _page(422, language_form=form)
    session.pop(LANGUAGE_CHOSEN, None)  # the person's own setting (or the company's) speaks from now on
    g.pop("language", None)
    g.pop("_flask_babel", None)  # this request's language was decided before the change
    flash(_("Your language is saved.") if changed else _("Nothing changed."), "success" if changed else "info")
    return redirect(url_for("account.index") + "#language-heading", code=303)


@bp.post("/weekly-digest")
def weekly_digest():
    """An admin turns their own weekly digest off or on."""
    if not gets_admin_digest(current_user):
        abort(403)
    form = WeeklyDigestForm()
    if not form.validate_on_submit():
        flash(_("Choose whether to get the weekly digest: on or off."), "warning")
        return _page(422)
    on = form.weekly_digest.data == "on"
    changed = reminders.set_weekly_digest(current_user, on)
    flash((_("The weekly digest is on: it comes on Mondays.") if on else _("The weekly digest is off."))
          if changed else _("Nothing changed."), "success" if changed else "info")
    return redirect(url_for("account.index") + "#digest-heading", code=303)


@bp.route("/two-step", methods=["GET", "POST"], endpoint="two_step")
@limit_attempts("password")
def set_up_two_step():
    if current_user.two_step_enabled:
        return redirect(url_for("account.index"), code=303)
    # The secret stays in this session, for this person only, until a code proves the app has it;
    # only then is it saved.
    pending = session.get("two_step_secret")
    if not (isinstance(pending, dict) and pending.get("user") == current_user.id):
        pending = {"user": current_user.id, "secret": two_step.new_enrolment(current_user).secret}
        session["two_step_secret"] = pending
    secret = pending["secret"]
    enrolment = two_step.Enrolment(secret=secret, email=current_user.email)
    form = TwoStepSetupForm()
    if form.validate_on_submit():
        try:
            codes = two_step.turn_on(current_user, secret, form.code.data)
        except two_step.TwoStepRefused as refused:
            form.code.errors = [str(refused)]
        else:
            session.pop("two_step_secret", None)
            renew_session(current_user)
            return _recovery_codes(codes, _("Two-step sign-in is on. You were signed out everywhere else."))
    page = render_template("account/two_step.html", enrolment=enrolment, form=form,
                           required=two_step.required_for(current_user))
    return page, 422 if form.errors else 200, {"Cache-Control": "no-store"}  # the secret is on it


@bp.post("/two-step/off")
@limit_attempts("password")
def two_step_off():
    form = CurrentPasswordForm(prefix="off")
    if two_step.required_for(current_user):
        flash(_("Your company asks company admins to sign in in two steps, so it stays on."), "warning")
        return redirect(url_for("account.index"), code=303)
    if form.validate_on_submit() and _password_is_right(form):
        two_step.turn_off(current_user, current_user)
        flash(_("Two-step sign-in is off: your password alone signs you in."), "success")
        return redirect(url_for("account.index"), code=303)
    return _page(422, off_form=form)


@bp.post("/two-step/recovery-codes")
@limit_attempts("password")
def new_recovery_codes():
    form = CurrentPasswordForm(prefix="codes")
    if current_user.two_step_enabled and form.validate_on_submit() and _password_is_right(form):
        return _recovery_codes(two_step.new_recovery_codes(current_user),
                               _("New recovery codes are ready; the old ones no longer work."))
    if not current_user.two_step_enabled:
        return redirect(url_for("account.index"), code=303)
    return _page(422, codes_form=form)


def _password_is_right(form: CurrentPasswordForm) -> bool:
    if accounts.is_current_password(current_user, form.current_password.data):
        return True
    form.current_password.errors = [_("That is not your current password.")]
    return False


def _recovery_codes(codes: list[str], message: str):  # type: ignore[no-untyped-def]
    """Shown once, in this answer only: a reload does not show them again."""
    response = render_template("account/recovery_codes.html", codes=codes, message=message)
    return response, 200, {"Cache-Control": "no-store"}
