"""Company settings and the directory: vendor companies and the people of every company.

Company admins only: anyone else signed in gets 404 for a page and 403 for a POST, and a
vendor user 404 for both. The account activation page is the one public route here.
Row actions (deactivate, reactivate, resend activation) answer htmx with the row and the
banner out of band, and a plain form post with 303 and a flash message.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from blueprints.auth.limits import limit_attempts, limit_mail
from blueprints.auth.sessions import start_session
from blueprints.directory.forms import (
    ActivateAccountForm,
    CompanySettingsForm,
    PersonEditForm,
    PersonForm,
    ReminderPolicyForm,
    VendorEditForm,
    VendorForm,
)
from blueprints.field_errors import show_problems
from blueprints.forms import db_int
from blueprints.htmx_answer import htmx_answer
from blueprints.web import deliver_mail_after_response, link_problem, read_link
from domain import accounts, password_reset, reminders, tokens
from domain import company_settings as settings_service
from domain import people as people_service
from domain import vendors as vendor_service
from domain.errors import Invalid
from domain.models import Company, User
from domain.permissions import is_company_admin
from domain.terms import TERMS
from extensions import htmx
from templating import current_terms

bp = Blueprint("directory", __name__)

PUBLIC = {"directory.activate"}


@bp.before_request
def _company_admins_only():  # type: ignore[no-untyped-def]
    if request.endpoint in PUBLIC:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.is_collaborator:
        abort(404)
    if not is_company_admin(current_user):
        abort(403 if request.method == "POST" else 404)
    return None


def _form_page(template: str, form, **context):  # type: ignore[no-untyped-def]
    return render_template(template, form=form, **context), 422 if form.errors else 200


# --- company settings ---------------------------------------------------------------------------


def _settings_page(company: Company, form: CompanySettingsForm | None = None,
                   reminder_form: ReminderPolicyForm | None = None):  # type: ignore[no-untyped-def]
    """The settings page with both its forms: the one posted keeps what was typed, the other shows what is stored."""
    form = form or CompanySettingsForm(formdata=None, obj=company)
    form.default_retention_pct.label.text = gettext("Default %(retention)s %%",
                                                   retention=current_terms().lower("retention"))
    policy = reminders.company_policy(company)
    reminder_form = reminder_form or ReminderPolicyForm(formdata=None, data=ReminderPolicyForm.initial(policy))
    sample = reminders.sample_period()
    words = reminders.describe(policy, sample[1] if sample else None, sample[0].time_zone if sample else None)
    failed = form.errors or reminder_form.errors
    return render_template("directory/settings.html", form=form, reminder_form=reminder_form, company=company,
                           terms=TERMS, policy_words=words, sample_project=sample[0] if sample else None), \
        422 if failed else 200


@bp.route("/settings/company", methods=["GET", "POST"])
def company_settings():
    company = accounts.own_company()
    if request.method == "GET":
        return _settings_page(company)
    form = CompanySettingsForm(obj=company)
    if form.validate_on_submit():
        try:
            changed = settings_service.update_company_settings(company, form.settings(), current_user)
        except Invalid as problem:
            show_problems(form, problem)
        else:
            flash(gettext("Company settings saved.") if changed else gettext("Nothing changed."), "success")
            return redirect(url_for("directory.company_settings"), code=303)
    return _settings_page(company, form=form)


@bp.post("/settings/company/reminders")
def company_reminders():
    company = accounts.own_company()
    form = ReminderPolicyForm()
    if form.validate_on_submit():
        try:
            changed = reminders.save_company_policy(company, form.policy(), current_user)
        except Invalid as problem:
            show_problems(form, problem)
        else:
            flash(gettext("Reminder policy saved.") if changed else gettext("Nothing changed."),
                  "success" if changed else "info")
            return redirect(url_for("directory.company_settings") + "#reminders", code=303)
    return _settings_page(company, reminder_form=form)


# --- vendors --------------------------------------------------------------------------------------


@bp.get("/directory")
def vendors():
    return render_template("directory/vendors.html", rows=vendor_service.vendor_rows())


@bp.route("/directory/vendors/new", methods=["GET", "POST"])
def vendor_new():
    form = VendorForm()
    if form.validate_on_submit():
        try:
            vendor = vendor_service.create_vendor(form.details(), current_user)
        except Invalid as problem:
            show_problems(form, problem)
        else:
            flash(gettext("%(vendor)s is added. Now add the people who bill for it.", vendor=vendor.name), "success")
            return redirect(url_for("directory.vendor_edit", vendor_id=vendor.id), code=303)
    return _form_page("directory/vendor_form.html", form, vendor=None)


@bp.route("/directory/vendors/<int:vendor_id>", methods=["GET", "POST"])
def vendor_edit(vendor_id: int):
    vendor = vendor_service.get_vendor(vendor_id) or abort(404)
    form = VendorEditForm(obj=vendor)
    form.default_claim_contact_id.label.text = gettext("Default %(contact)s",
                                                      contact=current_terms().lower("claim_contact"))
    form.default_claim_contact_id.choices = [SelectChoice("", gettext("None"))] + [
        SelectChoice(str(u.id), f"{u.name} ({u.email})") for u in vendor_service.active_users(vendor)]
    if form.validate_on_submit():
        try:
            changed = vendor_service.update_vendor(vendor, form.details(), current_user)
        except Invalid as problem:
            show_problems(form, problem)
        else:
            flash(gettext("%(name)s is saved.", name=vendor.name) if changed else gettext("Nothing changed."),
                  "success")
            return redirect(url_for("directory.vendor_edit", vendor_id=vendor.id), code=303)
    return _form_page("directory/vendor_form.html", form, vendor=vendor, listing=people_service.people(vendor))


# --- people ---------------------------------------------------------------------------------------


@bp.get("/directory/people")
def people():
    company = _company_filter()
    listing = people_service.people(company)
    if htmx and not htmx.history_restore_request:
        return htmx_answer("directory/partials/_people.html", listing=listing, company=company, back="people")
    return render_template("directory/people.html", listing=listing, company=company)


def _company_filter() -> Company | None:
    """The company the list is narrowed to: none for all, 404 for an id that names none."""
    if not request.args.get("company"):
        return None
    company_id = request.args.get("company", type=db_int)
    return (vendor_service.get_company(company_id) if company_id is not None else None) or abort(404)


@bp.route("/directory/people/new", methods=["GET", "POST"])
@limit_mail
def person_new():
    form = PersonForm()
    form.company_id.choices = _company_choices()
    if request.method == "GET":
        form.company_id.data = request.args.get("company", type=db_int) or accounts.own_company().id
    if form.validate_on_submit():
        try:
            user, notes = people_service.create_user(form.details(), current_user)
        except Invalid as problem:
            show_problems(form, problem)
        else:
            deliver_mail_after_response()
            flash(" ".join([gettext("%(name)s is added; an activation e-mail is on its way to %(email)s.",
                                          name=user.name, email=user.email), *notes]),
                  "success")
            return redirect(url_for("directory.people", company=user.company_id), code=303)
    return _form_page("directory/person_form.html", form, user=None)


@bp.route("/directory/people/<int:user_id>", methods=["GET", "POST"])
@limit_mail
def person_edit(user_id: int):
    user = people_service.get_user(user_id) or abort(404)
    form = PersonEditForm(obj=user)
    form.company_id.choices = _company_choices()
    if form.validate_on_submit():
        try:
            changed, notes = people_service.update_user(user, form.details(), current_user)
        except Invalid as problem:
            show_problems(form, problem)
        else:
            deliver_mail_after_response()
            flash(" ".join([gettext("%(name)s is saved.", name=user.name) if changed else gettext("Nothing changed."),
                                *notes]), "success")
            return redirect(url_for("directory.people", company=user.company_id), code=303)
    return _form_page("directory/person_form.html", form, user=user, listing=people_service.person_row(user))


def _company_choices() -> list[SelectChoice]:
    return [SelectChoice(str(c.id), gettext("%(name)s (your company)", name=c.name) if c.is_own else c.name)
            for c in people_service.companies()]


@bp.post("/directory/people/<int:user_id>/deactivate")
def deactivate(user_id: int):
    user = people_service.get_user(user_id) or abort(404)
    return _row_action(user, lambda: " ".join([
        gettext("%(name)s is deactivated and can no longer sign in.", name=user.name),
        *people_service.deactivate_user(user, current_user)]))


@bp.post("/directory/people/<int:user_id>/reactivate")
def reactivate(user_id: int):
    user = people_service.get_user(user_id) or abort(404)

    def act() -> str:
        people_service.reactivate_user(user, current_user)
        if user.password_hash is None:
            return gettext("%(name)s is active again. They have no password yet: resend the activation e-mail.",
                           name=user.name)
        return gettext("%(name)s is active again and can sign in.", name=user.name)

    return _row_action(user, act)


@bp.post("/directory/people/<int:user_id>/resend-activation")
@limit_mail
def resend_activation(user_id: int):
    user = people_service.get_user(user_id) or abort(404)

    def act() -> str:
        if people_service.resend_activation(user, current_user, request.form.get("seen", type=db_int)):
            deliver_mail_after_response()
            return gettext("A new activation e-mail is on its way to %(email)s.", email=user.email)
        return gettext("An activation e-mail to %(email)s was queued a moment ago; nothing more was sent.",
                       email=user.email)

    return _row_action(user, act)


@bp.post("/directory/people/<int:user_id>/send-password-reset")
@limit_mail
def send_password_reset(user_id: int):
    user = people_service.get_user(user_id) or abort(404)

    def act() -> str:
        if password_reset.send_reset(user, current_user):
            deliver_mail_after_response()
            return gettext("A link to choose a new password is on its way to %(email)s; it works once, for "
                           "%(minutes)s minutes.", email=user.email,
                           minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60)
        return gettext("A password reset e-mail to %(email)s was queued a moment ago; nothing more was sent.",
                       email=user.email)

    return _row_action(user, act)


def _row_action(user: User, act):  # type: ignore[no-untyped-def]
    try:
        message, category, status = act(), "success", 200
    except people_service.ActionRefused as refused:
        message, category, status = str(refused), "warning", 422
    company_id = request.form.get("company", type=db_int)
    if htmx:
        return htmx_answer("directory/partials/_person.html", banner=message, category=category, status=status,
                           person=user, listing=people_service.person_row(user), back=request.form.get("back"),
                           company=vendor_service.get_company(company_id) if company_id else None)
    flash(message, category)
    if request.form.get("back") == "vendor" and not user.company.is_own:
        return redirect(url_for("directory.vendor_edit", vendor_id=user.company_id), code=303)
    return redirect(url_for("directory.people", company=company_id), code=303)


# --- account activation (public) ----------------------------------------------------------------


@bp.route("/activate", methods=["GET", "POST"])
@limit_attempts("link")
def activate():
    token = request.values.get("token", "")
    link, problem = read_link(tokens.read_activation_token, "INVITE_TOKEN_MAX_AGE", "activation")
    if problem:
        return problem
    user = people_service.user_for_activation(link)
    if user is None:
        return link_problem("invalid", "activation")
    if user.password_hash is not None:
        if current_user.is_authenticated and current_user.id == user.id:
            return redirect(_home_of(user), code=303)
        flash(gettext("Your password is already set, so that link no longer works: sign in with your password."),
              "info")
        return redirect(url_for("auth.sign_in"), code=303)
    form = ActivateAccountForm()
    if form.validate_on_submit():
        try:
            accounts.activate(user, form.password.data)
        except ValueError:  # set a moment ago, by a second click on the button
            flash(gettext("Your password is already set, so that link no longer works: sign in with your password."),
              "info")
            return redirect(url_for("auth.sign_in"), code=303)
        start_session(user, "activation link")
        flash(gettext("Your password is set and you are signed in."), "success")
        return redirect(_home_of(user), code=303)
    return _form_page("auth/activate.html", form, user=user, token=token)


def _home_of(user: User) -> str:
    return url_for("portal.home" if user.is_collaborator else "setup.home")
