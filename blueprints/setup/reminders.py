"""A project's reminders: it follows the company's reminder policy, or has its own (project Admins)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from blueprints.directory.forms import ProjectReminderPolicyForm
from blueprints.field_errors import show_problems
from blueprints.guards import project_for_current_user
from blueprints.setup import bp
from blueprints.setup.common import status_of
from domain import accounts, periods, reminders
from domain.errors import Invalid
from domain.models import AccessLevel


@bp.route("/projects/<int:project_id>/reminders", methods=["GET", "POST"])
@login_required
def project_reminders(project_id: int):
    project, _level = project_for_current_user(project_id, AccessLevel.ADMIN)
    company = accounts.own_company()
    if request.method == "GET":
        form = ProjectReminderPolicyForm(formdata=None, data={
            **ProjectReminderPolicyForm.initial(reminders.effective_policy(project, company)),
            "follow": "own" if project.reminder_policy is not None else "company"})
    else:
        form = ProjectReminderPolicyForm()
        if form.validate_on_submit():
            try:
                own = form.policy() if form.follow.data == "own" else None
                changed = reminders.save_project_policy(project, own, current_user)
            except Invalid as problem:
                show_problems(form, problem)
            else:
                saved = (gettext("Reminders saved: this project has its own policy.") if own
                         else gettext("Reminders saved: this project follows the company's policy."))
                flash(saved if changed else gettext("Nothing changed."), "success" if changed else "info")
                return redirect(url_for("setup.project_reminders", project_id=project.id), code=303)
    period = periods.open_period_of(project)
    words = reminders.describe(reminders.effective_policy(project, company), period, project.time_zone)
    return render_template("setup/reminders.html", project=project, form=form, policy_words=words,
                           period=period, own=project.reminder_policy is not None), status_of(form)
