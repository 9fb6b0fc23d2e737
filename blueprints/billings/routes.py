"""The Progress Billings page: billing periods, the Subcontractor tab, Send Invites, Resend and Remind now.

Every action answers a plain form post with 303 and a flash message, and an htmx request
with the fragments to swap (the list or row, and out of band the banner and the counts).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.auth.limits import limit_mail
from blueprints.billings.board_rows import board_links, row_writer
from blueprints.billings.forms import (
    ClaimLinesForm,
    PaymentNoticeForm,
    PeriodForm,
    ReleaseForm,
    ReviewForm,
    RuleForm,
    WithdrawForm,
)
from blueprints.documents.routes import notice_pdf_download
from blueprints.field_errors import show_problems
from blueprints.forms import CONTROL_CHARACTERS_MESSAGE, db_int
from blueprints.guards import (
    claim_for_current_user,
    commitment_for_current_user,
    invite_for_current_user,
    period_in,
    project_for_current_user,
)
from blueprints.htmx_answer import htmx_answer
from blueprints.page_cache import kept_page
from blueprints.web import claim_preview, deliver_mail_after_response
from domain import board as boards
from domain import claims, dates, holdback, invites, payment_notices, periods, reminders
from domain.clock import project_today
from domain.errors import Invalid
from domain.models import AccessLevel, ClaimStatus
from domain.permissions import (
    can_admin_project,
    can_change_attachments,
    can_fill_in_claims,
    can_give_payment_notice,
    can_release_holdback,
    can_review_claims,
    can_withdraw_claim,
    require,
)
from domain.statuses import ALLOWED, EDITABLE, REVIEW_DECISIONS, InvalidTransition
from extensions import htmx
from templating import current_terms, locale_of

bp = Blueprint("billings", __name__, url_prefix="/projects/<int:project_id>/billings")


# The rows of the list and of the answers: written in Python, one writer per answer (board_rows.py).
bp.add_app_template_global(row_writer, "row_writer")
bp.add_app_template_global(board_links, "board_links")


def _board(project, level, source=None) -> boards.Board:  # type: ignore[no-untyped-def]
    """The board the request asks for: period, status filter, sort and search from the URL or the form
    (a row button inside the Send Invites form posts the form's hidden fields with its own URL's)."""
    source = source or request.values
    return boards.load_board(project, current_user, level, period_id=source.get("period", type=db_int),
                             status_filter=source.get("status"), sort=source.get("sort"),
                             direction=source.get("dir"), search=source.get("q"))


def _page(project, level, board, status=200, **extra):  # type: ignore[no-untyped-def]
    """The full page, or for htmx the board fragment and the banner cleared (history restores want the page)."""
    can_admin = can_admin_project(current_user, project, level)
    if htmx and not htmx.history_restore_request:
        return htmx_answer("billings/partials/_board.html", banner="", status=status, project=project, level=level,
                           board=board, can_admin=can_admin, **extra)
    if can_admin:  # only Admins see the forms of the billing periods card
        extra.setdefault("period_form", PeriodForm(formdata=None))
        extra.setdefault("rule_form", _rule_form(project))
    return render_template("billings/index.html", project=project, level=level, board=board, can_admin=can_admin,
                           **extra), status


@bp.get("")
@login_required
def index(project_id: int):
    project, level = project_for_current_user(project_id)
    # Kept while nothing changed; the project's date decides which due dates have passed.
    return kept_page(lambda: _page(project, level, _board(project, level)), project_today(project))


@bp.get("/list")
@login_required
def board_list(project_id: int):
    """Sorting and searching: for htmx the list (and out of band the counts, whose links keep the sort
    and search), with the page's own URL pushed; without JavaScript the page itself."""
    project, level = project_for_current_user(project_id)
    board = _board(project, level)
    page_url = _board_url(project, board)
    if not htmx:
        return redirect(page_url, code=303)
    response = htmx_answer("billings/partials/_list.html", "billings/partials/_counts.html",
                           "billings/partials/_exports.html", project=project,
                           level=level, board=board, can_admin=can_admin_project(current_user, project, level))
    response.headers["HX-Push-Url"] = page_url
    return response


@bp.post("/invites")
@login_required
@limit_mail
def send_invites(project_id: int):
    project, level = project_for_current_user(project_id, AccessLevel.ADMIN)
    board = _board(project, level, request.form)
    ids = request.form.getlist("commitment_ids", type=db_int)
    try:
        outcome = invites.send_invites(board, ids, current_user, current_terms())
    except invites.NothingSelected:
        return _answer(project, level, board, _("Select at least one contract to invite."), "warning", 422)
    except invites.PeriodClosed as reason:
        return _current_period_instead(project, level, str(reason))
    except invites.NotSent as reason:
        return _answer(project, level, board, str(reason), "warning", 409, rows=_rows(board, ids))
    if outcome.sent:
        deliver_mail_after_response()
    return _answer(project, level, board, outcome.banner, outcome.category, rows=_rows(board, ids),
                   oob=("billings/partials/_invite_state_counts.html", "billings/partials/_send_bar.html"))


@bp.post("/invites/<int:commitment_id>/resend")
@login_required
@limit_mail
def resend_invite(project_id: int, commitment_id: int):
    project, level = project_for_current_user(project_id, AccessLevel.ADMIN)
    board = _board(project, level)
    try:
        outcome = invites.resend_invite(board, commitment_id, request.args.get("seen", type=db_int) or 0, current_user,
                                        current_terms())
    except LookupError:
        abort(404)
    except invites.PeriodClosed as reason:
        return _current_period_instead(project, level, str(reason))
    except invites.NotSent as reason:
        return _answer(project, level, board, str(reason), "warning", 409, rows=_rows(board, [commitment_id]))
    if outcome.resent:
        deliver_mail_after_response()
    return _answer(project, level, board, outcome.banner, "success" if outcome.resent else "info",
                   rows=[outcome.row])


@bp.post("/reminders")
@login_required
@limit_mail
def remind_now(project_id: int):
    """Remind now: the ticked rows that may be reminded, answered like Send Invites (rows, bar, banner)."""
    project, level = project_for_current_user(project_id, AccessLevel.ADMIN)
    board = _board(project, level, request.form)
    ids = request.form.getlist("remind_ids", type=db_int)
    try:
        outcome = reminders.remind_now(board, ids, current_user)
    except invites.NothingSelected:
        return _answer(project, level, board, _("Select at least one invited contract to remind."), "warning", 422)
    except reminders.PeriodClosed as reason:
        return _current_period_instead(project, level, str(reason))
    except reminders.NothingRemindable as reason:
        return _answer(project, level, board, str(reason), "warning", 409, rows=_rows(board, ids))
    if outcome.reminded:
        deliver_mail_after_response()
    return _answer(project, level, board, outcome.banner, outcome.category, rows=_rows(board, ids),
                   oob=("billings/partials/_send_bar.html",))


bp.add_app_template_global(reminders.remindable_count, "remindable_count")


def _rows(board, commitment_ids: list[int | None]) -> list:  # type: ignore[no-untyped-def]
    """The rows a request named that the board still has, once each (filtered out or not: the answer
    removes those its filter no longer shows)."""
    rows = (board.row_for(i) for i in dict.fromkeys(commitment_ids) if i is not None)
    return [row for row in rows if row is not None]


def _answer(project, level, board, banner: str, category: str, status: int = 200,  # type: ignore[no-untyped-def]
            rows=(), oob: tuple[str, ...] = ()):
    """For htmx only what changed: each of `rows` in place of its own row by id, then `oob` (the counts,
    the Send Invites bar) and the banner; the rest of the list stays as it is."""
    if htmx:
        parts = ("billings/partials/_rows_oob.html", *oob) if rows else oob
        return htmx_answer(None, *parts, banner=banner, category=category, status=status, project=project,
                           level=level, board=board, changed_rows=rows,
                           can_admin=can_admin_project(current_user, project, level))
    flash(banner, category)
    return _back_to_board(project, board)


def _current_period_instead(project, level, banner: str):  # type: ignore[no-untyped-def]
    """The page showed a period that has closed since: show the current one, saying why."""
    board = boards.load_board(project, current_user, level)
    if not htmx:
        flash(banner, "warning")
        return _back_to_board(project, board)
    response = htmx_answer("billings/partials/_board.html", banner=banner, category="warning", status=409,
                           project=project, level=level, board=board,
                           can_admin=can_admin_project(current_user, project, level))
    # The whole board (period picker, counts, list), not only the list the form targets.
    response.headers.update({"HX-Retarget": "#board", "HX-Reswap": "outerHTML",
                             "HX-Replace-Url": url_for("billings.index", project_id=project.id,
                                                       period=board.period.id if board.period else None)})
    return response


def _back_to_board(project, board):  # type: ignore[no-untyped-def]
    return redirect(_board_url(project, board), code=303)


def _board_url(project, board) -> str:  # type: ignore[no-untyped-def]
    """The page's URL for this view of the board: period, filter, sort and search."""
    return url_for("billings.index", project_id=project.id, period=board.period.id if board.period else None,
                   **board.view_args())


@bp.get("/invites/<int:invite_id>/history")
@login_required
def invite_history(project_id: int, invite_id: int):
    project, _level, invite = invite_for_current_user(project_id, invite_id)
    return render_template("billings/history.html", project=project, invite=invite,
                           history=invites.invite_history(invite))


@bp.post("/periods")
@login_required
def create_period(project_id: int):
    """Open a new period; while the one it closes has open work, first a confirmation that lists it
    (409, nothing written), whose button sends the same dates again with `confirm`."""
    project, level = project_for_current_user(project_id, AccessLevel.ADMIN)
    form = PeriodForm()
    if form.validate_on_submit():
        try:
            period = periods.create_period(project, _dates(form), current_user, confirmed=form.confirmed)
        except Invalid as problem:
            show_problems(form, problem)
        except periods.OpenWorkLeft as left:
            return _periods_answer(project, level, form, 409, open_work=left.work)
        else:
            flash(_("Billing period %(number)s is open: %(name)s, due %(due)s.", number=period.number,
                    name=periods.period_name(period), due=dates.day(period.due_date, locale=locale_of(project))),
                  "success")
            return _to(url_for("billings.index", project_id=project.id))
    return _periods_answer(project, level, form, 422)


def _periods_answer(project, level, form: PeriodForm, status: int, **extra):  # type: ignore[no-untyped-def]
    """The billing periods card with the form as sent: for htmx the card alone, else the page with it open."""
    board = _board(project, level)
    if htmx:
        return htmx_answer("billings/partials/_periods.html", banner="", status=status, project=project, level=level,
                           board=board, can_admin=can_admin_project(current_user, project, level), period_form=form,
                           rule_form=_rule_form(project), periods_open=True, **extra)
    return _page(project, level, board, status, period_form=form, periods_open=True, **extra)


def _to(target: str):  # type: ignore[no-untyped-def]
    """Done: the page at `target` shows the flash; htmx loads it whole (more than one fragment changed)."""
    if htmx:
        response = make_response("", 200)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, code=303)


@bp.route("/periods/<int:period_id>/edit", methods=["GET", "POST"])
@login_required
def edit_period(project_id: int, period_id: int):
    project, level = project_for_current_user(project_id, AccessLevel.ADMIN)
    period = period_in(project, period_id)
    form = PeriodForm(obj=period)
    if form.validate_on_submit():
        try:
            periods.update_period(period, _dates(form), current_user)
        except Invalid as problem:
            show_problems(form, problem)
        else:
            flash(_("Billing period %(number)s is saved.", number=period.number), "success")
            return redirect(url_for("billings.index", project_id=project.id, period=period.id), code=303)
    status = 422 if form.errors else 200
    return render_template("billings/period_edit.html", project=project, period=period, form=form), status


@bp.post("/period-rule")
@login_required
def update_rule(project_id: int):
    project, level = project_for_current_user(project_id, AccessLevel.ADMIN)
    form = RuleForm()
    if form.validate_on_submit():
        try:
            periods.update_rule(project, periods.Rule(auto=form.auto_periods.data,
                                                      start_day=form.period_start_day.data,
                                                      end_day=form.period_end_day.data,
                                                      due_day=form.period_due_day.data), current_user)
        except Invalid as problem:
            show_problems(form, problem)
        else:
            flash(_("The monthly billing period rule is saved."), "success")
            return redirect(url_for("billings.index", project_id=project.id), code=303)
    return _page(project, level, _board(project, level), 422, rule_form=form, periods_open=True)


def _rule_form(project) -> RuleForm:  # type: ignore[no-untyped-def]
    return RuleForm(formdata=None, obj=project)


def _dates(form: PeriodForm) -> periods.PeriodDates:
    return periods.PeriodDates(start=form.start_date.data, end=form.end_date.data, due=form.due_date.data)


# --- progress claims: create on a contact's behalf, review ------------------------------------------


@bp.route("/claims/new", methods=["GET", "POST"])
@login_required
def create_claim(project_id: int):
    """The board's "Create on behalf" asks first: a page that says what will be made, whose button posts
    `confirm=yes`. A post without it (a stray or forged click) makes nothing and shows that page."""
    project, level, commitment = commitment_for_current_user(
        project_id, request.values.get("commitment", type=db_int) or 0, AccessLevel.ADMIN)
    period_id = request.args.get("period", type=db_int)
    if period_id is None and request.method == "GET":  # the board's link: the current period
        period_id = getattr(boards.choose_period(boards.periods_of(project), None), "id", None)
    period = period_in(project, period_id or 0)
    if request.method == "GET" or request.form.get("confirm") != "yes":
        return render_template("billings/claim_new.html", project=project, commitment=commitment, period=period)
    try:
        claim = claims.start_claim(commitment, period, current_user)
    except claims.ClaimRefused as refused:
        board = boards.load_board(project, current_user, level, period_id=period.id)
        return _answer(project, level, board, f"{commitment.number}: {refused}", "warning", 409)
    flash(_("%(claim)s #%(number)s for %(contract)s is open as a draft. Fill it in for the contact; no e-mail goes "
            "to them.", claim=current_terms()("claim"), number=claim.number, contract=commitment.number), "success")
    return redirect(url_for("billings.claim", project_id=project.id, claim_id=claim.id), code=303)


@bp.route("/commitments/<int:commitment_id>/release", methods=["GET", "POST"])
@login_required
@limit_mail
def release_holdback(project_id: int, commitment_id: int):
    """Release all or part of a commitment's retention (holdback): a release claim opens in the open period for
    the contact to confirm and submit. 422 with the message by its field, nothing written."""
    project, level, commitment = commitment_for_current_user(project_id, commitment_id, AccessLevel.ADMIN)
    if not commitment.is_subcontract:  # the head contract's retention is the client's to release
        abort(404)
    require(can_release_holdback(current_user, project, level), "Only a project Admin may release retention.")
    held = holdback.holdback_held(commitment)
    period = periods.open_period_of(project)
    form = ReleaseForm(data={"amount": f"{held:.2f}", "released_on": project_today(project)}
                       if request.method == "GET" else None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                claim = holdback.release_holdback(commitment, form.amount.amount, form.released_on.data,
                                                  current_user)
            except Invalid as refused:
                show_problems(form, refused)
            else:
                deliver_mail_after_response()
                flash(_("%(held)s release, %(claim)s #%(number)s, is open for %(vendor)s to confirm and submit; "
                        "its contacts are e-mailed.", held=current_terms(project)("retention"),
                        claim=current_terms()("claim").lower(), number=claim.number,
                        vendor=commitment.vendor.name), "success")
                return redirect(url_for("billings.claim", project_id=project.id, claim_id=claim.id), code=303)
    return render_template("billings/release.html", project=project, commitment=commitment, period=period,
                           held=held, refusal=holdback.release_refusal(commitment, period), form=form), status


@bp.post("/claims/<int:claim_id>/withdraw")
@login_required
@limit_mail
def withdraw_claim(project_id: int, claim_id: int):
    """Withdraw a Draft or a claim sent back, with a reason; 422 with the message by the field, 409 when the
    claim has moved on (submitted, decided), nothing written either way."""
    project, level, claim = claim_for_current_user(project_id, claim_id, AccessLevel.ADMIN)
    form = WithdrawForm()
    status = 422
    if form.validate_on_submit():
        try:
            claims.withdraw(claim, form.reason.data, current_user)
        except Invalid as problem:
            show_problems(form, problem)
        except InvalidTransition as refused:
            form.reason.errors = [_("%(refused)s Only a Draft or a claim sent back can be withdrawn.",
                                    refused=refused)]
            status = 409
        else:
            deliver_mail_after_response()
            flash(_("%(claim)s #%(number)s is withdrawn; the contact is e-mailed. The next one can start.",
                    claim=current_terms()("claim"), number=claim.number), "success")
            return _to(url_for("billings.claim", project_id=project.id, claim_id=claim.id))
    if htmx:
        return htmx_answer("billings/partials/_withdraw.html", banner="", status=status, project=project,
                           claim=claim, withdraw_form=form, can_withdraw=_can_withdraw(project, level, claim))
    return _claim_page(project, level, claim, ClaimLinesForm.for_claim(claim), status=status, withdraw_form=form)


@bp.post("/claims/<int:claim_id>/notices")
@login_required
@limit_mail
def payment_notice(project_id: int, claim_id: int):
    """Give a notice of non-payment from a submitted claim: 422 with each message by its field, 409 when the
    claim cannot take one (not submitted, withdrawn, no prompt payment law), nothing written either way."""
    project, level, claim = claim_for_current_user(project_id, claim_id, AccessLevel.ADMIN)
    if not can_give_payment_notice(current_user, project, level):
        abort(403)
    form = PaymentNoticeForm()
    status = 422
    problem = ""
    if form.validate_on_submit():
        try:
            notice = payment_notices.give(claim, form.amount.amount, form.reasons.data, current_user)
        except Invalid as refused:
            show_problems(form, refused)
        except payment_notices.NoticeRefused as refused:
            problem, status = str(refused), 409
        else:
            deliver_mail_after_response()
            flash(_("Notice of non-payment given: %(claim)s #%(number)s's contact is e-mailed it with its PDF "
                    "(%(address)s).", claim=current_terms()("claim").lower(), number=claim.number,
                    address=notice.to_address or _("no active contact")), "success")
            return _to(url_for("billings.claim", project_id=project.id, claim_id=claim.id))
    if htmx:
        return htmx_answer("billings/partials/_payment_notice.html", banner="", status=status, project=project,
                           claim=claim, notice_form=form, notice_problem=problem,
                           can_give_notice=True, notices=payment_notices.notices_of(claim))
    return _claim_page(project, level, claim, ClaimLinesForm.for_claim(claim), status=status, notice_form=form,
                       notice_problem=problem)


@bp.get("/claims/<int:claim_id>/notices/<int:notice_id>.pdf")
@login_required
def payment_notice_pdf(project_id: int, claim_id: int, notice_id: int):
    """A notice of non-payment as its PDF, for anyone who sees the claim on the project."""
    _project, _level, claim = claim_for_current_user(project_id, claim_id)
    return notice_pdf_download(payment_notices.notice_on(claim, notice_id) or abort(404))


@bp.route("/claims/<int:claim_id>", methods=["GET", "POST"])
@login_required
@limit_mail
def claim(project_id: int, claim_id: int):
    minimum = AccessLevel.ADMIN if request.method == "POST" else AccessLevel.READ_ONLY
    project, level, claim = claim_for_current_user(project_id, claim_id, minimum)
    form = ClaimLinesForm.for_claim(claim)
    if request.method == "GET":
        return _claim_page(project, level, claim, form)
    entries, submit = form.entries(), form.submit
    try:
        entered = claims.save_entries(claim, entries, current_user, submit=submit, signature=form.signature())
    except claims.ClaimRefused as refused:
        flash(str(refused), "warning")
        return redirect(url_for("billings.claim", project_id=project.id, claim_id=claim.id), code=303)
    if not entered.ok:
        show_problems(form, entered.signature_errors)
        return _claim_page(project, level, claim, form, entries, entered, 422)
    if submit:
        deliver_mail_after_response()
    flash(_("Signed and submitted for review on behalf of %(vendor)s.", vendor=claim.commitment.vendor.name)
          if submit else _("Draft saved."), "success")
    return redirect(url_for("billings.claim", project_id=project.id, claim_id=claim.id), code=303)


@bp.post("/claims/<int:claim_id>/preview", endpoint="claim_preview")
@login_required
def preview(project_id: int, claim_id: int):
    _project, _level, claim = claim_for_current_user(project_id, claim_id, AccessLevel.ADMIN)
    return claim_preview(claim)


@bp.post("/claims/<int:claim_id>/review")
@login_required
@limit_mail
def review_claim(project_id: int, claim_id: int):
    """The reviewer's decisions. A refusal answers 422 with the message (a note's by the note); htmx gets the
    review form back in place and the banner, and on success the page reloads with the new status."""
    project, level, claim = claim_for_current_user(project_id, claim_id, AccessLevel.ADMIN)
    form = ReviewForm.for_claim(claim)
    if form.target is None:
        abort(400)
    decisions = form.decisions()
    problem = ""
    try:
        if not form.validate():  # control characters: the one rule's message, nothing written
            if form.note.errors:
                raise Invalid("note", form.note.errors[0])
            raise claims.ClaimRefused(_("A comment: %(problem)s", problem=_(CONTROL_CHARACTERS_MESSAGE)))
        moved_to = claims.review(claim, decisions, form.target, current_user, note=form.note.data or "")
    except Invalid as refused:
        show_problems(form, refused)
        problem = _("The review was not recorded: see the message by the note.")
    except (claims.ClaimRefused, InvalidTransition) as refused:
        problem = str(refused)
    if problem:
        typed = {d.line_id: d for d in decisions}
        context = _claim_context(project, level, claim, ClaimLinesForm.for_claim(claim), review_problem=problem,
                                 typed_review=typed, review_form=form)
        if htmx:
            return htmx_answer("claims/partials/_review.html", banner=problem, category="danger", status=422,
                               **context)
        return render_template("billings/claim.html", **context), 422
    deliver_mail_after_response()
    flash(_("%(claim)s #%(number)s is now %(status)s.", claim=current_terms()("claim"), number=claim.number,
            status=_(moved_to.value)), "success")
    target = url_for("billings.claim", project_id=project.id, claim_id=claim.id)
    if htmx:  # the whole page changes with the status: load it, with the message
        response = make_response("", 200)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, code=303)


def _can_withdraw(project, level, claim) -> bool:  # type: ignore[no-untyped-def]
    return ClaimStatus.WITHDRAWN in ALLOWED[claim.status] and can_withdraw_claim(current_user, project, level)


def _claim_page(project, level, claim, form, entries=None, entered=None,  # type: ignore[no-untyped-def]
                status: int = 200, withdraw_form=None, notice_form=None, notice_problem: str = ""):
    return render_template("billings/claim.html", **_claim_context(
        project, level, claim, form, entries, entered, withdraw_form=withdraw_form, notice_form=notice_form,
        notice_problem=notice_problem)), status


def _claim_context(project, level, claim, form, entries=None, entered=None,  # type: ignore[no-untyped-def]
                   review_problem: str = "", typed_review=None, review_form=None, withdraw_form=None,
                   notice_form=None, notice_problem: str = "") -> dict:
    lines, totals = claims.figures(claim, entered.inputs if entered else None)
    return dict(
        project=project, level=level, claim=claim, lines=lines, totals=totals,
        contract=claims.contract(claim),
        typed={e.sov_line_id: e for e in entries} if entries else None, entered=entered, form=form,
        locked=claims.approved_lines_locked(claim),
        editable=claim.status in EDITABLE and can_fill_in_claims(current_user, claim.commitment, level),
        reviewable=(can_review_claims(current_user, project, level)
                    and bool(ALLOWED[claim.status] & REVIEW_DECISIONS)),
        allowed=ALLOWED[claim.status], history=claims.history(claim), invite=claims.invite_for(claim),
        review_problem=review_problem, typed_review=typed_review or {},
        review_form=review_form or ReviewForm.for_claim(claim),
        can_attach=can_change_attachments(current_user, claim),
        can_withdraw=_can_withdraw(project, level, claim),
        withdraw_form=withdraw_form or WithdrawForm(formdata=None),
        can_give_notice=(can_give_payment_notice(current_user, project, level)
                         and not payment_notices.refusal(claim)),
        notices=payment_notices.notices_of(claim), notice_form=notice_form or PaymentNoticeForm(formdata=None),
        notice_problem=notice_problem)
