"""Sign-in, sign-out and first-run setup."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from blueprints.auth.forms import SetupForm, SignInForm
from domain import accounts

bp = Blueprint("auth", __name__)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("setup.home"))
    form = SignInForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")), code=303)
        form.password.errors.append("E-mail or password is incorrect.")
    status = 422 if form.errors else 200
    return render_template("auth/sign_in.html", form=form), status


@bp.post("/sign-out")
@login_required
def sign_out():
    logout_user()
    flash("You are signed out.", "info")
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
        login_user(user)
        flash("Your company is set up and you are its first admin.", "success")
        return redirect(url_for("setup.home"), code=303)
    status = 422 if form.errors else 200
    return render_template("auth/setup.html", form=form), status


def _safe_next(target: str | None) -> str:
    """Follow ?next= only to a path on this site, never to another host."""
    if target:
        parts = urlsplit(target)
        local = not parts.scheme and not parts.netloc and target.startswith("/")
        if local and not target.startswith(("//", "/\\")):
            return target
    return url_for("setup.home")
