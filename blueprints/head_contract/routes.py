"""The Head Contract tab of Progress Billings: the period's claim to the client and the position, and the claim
page (prefill, figures, submit to the client, send it, the client's decision, downloads).

Every change is a plain form post answered with 303 and a flash message (or the page again with the message by
what it is about, and nothing written); the domain (domain/head_contract.py) decides and writes.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from blueprints.auth.limits import limit_mail
from blueprints.billings.forms import ClaimLinesForm
from blueprints.documents.routes import package_download, pdf_download
from blueprints.exports.routes import export_download
from blueprints.field_errors import show_problems
from blueprints.forms import db_int
from blueprints.guards import head_contract_claim_for_current_user, period_in, project_for_current_user
from blueprints.head_contract.forms import DecisionForm
from blueprints.web import claim_preview, deliver_mail_after_response
from domain import board as boards
from domain import claims, exports, head_contract, locales
from domain.claims import ClaimRefused
from domain.errors import Invalid
from domain.models import AccessLevel, Claim, ClaimStatus
from domain.periods import period_name
from domain.permissions import can_edit_head_contract, can_see_head_contract
from domain.statuses import EDITABLE, InvalidTransition, status_words
from templating import current_terms

bp = Blueprint("head_contract", __name__, url_prefix="/projects/<int:project_id>/billings/head-contract")

KIND = "<any(csv, xlsx):kind>"


# --- the tab --------------------------------------------------------------------------------------


@bp.get("")
@login_required
def index(project_id: int):
    """The period's head contract claim (or the way to start it) and the position strip."""
    project, level = project_for_current_user(project_id)
    if not can_see_head_contract(current_user, project, level):
        abort(404)
    periods = boards.periods_of(project)
    period = boards.choose_period(periods, request.args.get("period", type=db_int))
    head = head_contract.head_contract_of(project)
    claim = head_contract.claim_for(project, period) if head is not None and period is not None else None
    return render_template(
        "head_contract/index.html", project=project, level=level, periods=periods, period=period, head=head,
        claim=claim, totals=claims.figures(claim)[1] if claim is not None else None,
        status_text=_status_text(claim), can_edit=can_edit_head_contract(current_user, project, level),
        position=head_contract.position(project, period) if period is not None else None)


@bp.post("/claims")
@login_required
def start_claim(project_id: int):
    project, _level = project_for_current_user(project_id, AccessLevel.ADMIN)
    asked = request.form.get("period", type=db_int)
    # A period named is this project's or a 404; none named is the Open one (or the newest).
    period = period_in(project, asked) if asked is not None else boards.choose_period(boards.periods_of(project),
                                                                                      None)
    if period is None:
        flash(_("Open a billing period first: a head contract claim belongs to one."), "warning")
        return redirect(url_for("head_contract.index", project_id=project.id), code=303)
    try:
        claim = head_contract.start_claim(project, period, current_user)
    except ClaimRefused as refused:
        flash(str(refused), "warning")
        return redirect(url_for("head_contract.index", project_id=project.id, period=period.id), code=303)
    flash(_("Claim #%(number)s to the client for %(period)s is open as a draft. Prefill it from the approved "
            "subcontractor claims, or type its figures.", number=claim.number, period=period_name(period)), "success")
    return _to_claim(claim)


# --- the claim ------------------------------------------------------------------------------------


@bp.route("/claims/<int:claim_id>", methods=["GET", "POST"])
@login_required
def claim(project_id: int, claim_id: int):
    """The claim page; a post saves the figures typed (all lines or none)."""
    minimum = AccessLevel.ADMIN if request.method == "POST" else AccessLevel.READ_ONLY
    project, level, claim = head_contract_claim_for_current_user(project_id, claim_id, minimum)
    form = ClaimLinesForm.for_claim(claim)
    if request.method == "GET":
        return _page(project, level, claim, form=form)
    entries = form.entries()
    try:
        entered = head_contract.save_lines(claim, entries, current_user)
    except ClaimRefused as refused:
        return _page(project, level, claim, status=409, lines_problem=str(refused))
    if not entered.ok:
        return _page(project, level, claim, form=form, entries=entries, entered=entered, status=422)
    flash("The figures are saved.", "success")
    return _to_claim(claim)


@bp.post("/claims/<int:claim_id>/preview")
@login_required
def preview(project_id: int, claim_id: int):
    """The live recalculation while the admin types; nothing is written."""
    _project, _level, claim = head_contract_claim_for_current_user(project_id, claim_id, AccessLevel.ADMIN)
    return claim_preview(claim)


@bp.post("/claims/<int:claim_id>/prefill")
@login_required
def prefill(project_id: int, claim_id: int):
    """Prefill from the period's approved subcontractor claims. When it would change an adjusted line, or a
    cost code is on several head contract lines, it asks first (409, nothing written): the answer posts again
    with `confirm`, the lines to overwrite (`overwrite`) and each `choice-<subcontract SOV line id>`."""
    project, level, claim = head_contract_claim_for_current_user(project_id, claim_id, AccessLevel.ADMIN)
    overwrite = set(request.form.getlist("overwrite", type=db_int))
    choices = {}
    for key, value in request.form.items():
        if key.startswith("choice-") and value:
            try:
                choices[db_int(key.removeprefix("choice-"))] = db_int(value)
            except ValueError:
                return _page(project, level, claim, status=422,
                             prefill_problem=_("Choose one of the head contract's lines for each subcontractor line."))
    try:
        head_contract.check_prefill(claim, current_user)
        if request.form.get("confirm") != "yes":
            report = head_contract.plan_prefill(claim)
            adjusted, needs_choice = head_contract.prefill_questions(report)
            if adjusted or needs_choice:
                return render_template("head_contract/prefill_confirm.html", project=project, claim=claim,
                                       adjusted=adjusted, needs_choice=needs_choice), 409
        report = head_contract.prefill(claim, current_user, overwrite=overwrite, choices=choices)
    except ClaimRefused as refused:
        return _page(project, level, claim, status=409, prefill_problem=str(refused))
    except Invalid as problem:
        return _page(project, level, claim, status=422, prefill_problem=" ".join(problem.problems.values()))
    flash(_prefilled_words(report), "success")
    return _to_claim(claim)


def _prefilled_words(report: head_contract.PrefillReport) -> str:
    fed = len({f.claim_id for line in report.lines for f in line.feeds})
    words = [ngettext("Prefilled from %(num)s approved subcontractor claim.",
                      "Prefilled from %(num)s approved subcontractor claims.", fed)]
    kept = sum(1 for line in report.lines if line.adjusted and line.kept)
    if kept:
        words.append(ngettext("%(num)s adjusted line keeps your figures.", "%(num)s adjusted lines keep your figures.",
                              kept))
    if report.needs_choice:
        words.append(_("%(count)s subcontractor line(s) wait for you to choose a head contract line.",
                       count=len(report.needs_choice)))
    if report.unmatched:
        words.append(_("%(count)s subcontractor line(s) match no cost code of the head contract.",
                       count=len(report.unmatched)))
    return " ".join(words)


@bp.post("/claims/<int:claim_id>/submit")
@login_required
def submit(project_id: int, claim_id: int):
    project, level, claim = head_contract_claim_for_current_user(project_id, claim_id, AccessLevel.ADMIN)
    try:
        head_contract.submit_to_client(claim, current_user)
    except (ClaimRefused, InvalidTransition) as refused:
        return _page(project, level, claim, status=409, submit_problem=str(refused))
    except Invalid as problem:
        return _page(project, level, claim, status=422, submit_problem=" ".join(problem.problems.values()))
    flash(_("Claim #%(number)s is submitted to the client. Send it to %(name)s when you are ready.",
            number=claim.number, name=claim.commitment.client_contact_name or _("the client")), "success")
    return _to_claim(claim)


@bp.post("/claims/<int:claim_id>/send")
@login_required
@limit_mail
def send(project_id: int, claim_id: int):
    """E-mail the claim to the client contact, its PDF and package attached (made when it is delivered)."""
    project, level, claim = head_contract_claim_for_current_user(project_id, claim_id, AccessLevel.ADMIN)
    try:
        address, queued = head_contract.send_to_client(claim, current_user)
    except ClaimRefused as refused:
        return _page(project, level, claim, status=409, send_problem=str(refused))
    if not queued:  # a double click or a retried request: the first one sent it
        flash(_("Claim #%(number)s was already sent to %(address)s as it stands: it is not sent twice.",
                number=claim.number, address=address), "info")
        return _to_claim(claim)
    deliver_mail_after_response()
    flash(_("Claim #%(number)s is on its way to %(address)s, with its pay application PDF and package.",
            number=claim.number, address=address), "success")
    return _to_claim(claim)


@bp.post("/claims/<int:claim_id>/decision")
@login_required
def decision(project_id: int, claim_id: int):
    """The client's decision as the admin records it; 422 with each message by its field, nothing written."""
    project, level, claim = head_contract_claim_for_current_user(project_id, claim_id, AccessLevel.ADMIN)
    form = DecisionForm()
    form.validate()
    status = form.status()
    if status is None:
        form.decision.errors = [_("Choose Approved, Approved as Noted or Revise and Resubmit.")]
    amount = None
    if not form.approved_amount.errors:  # a control character's message stays
        try:
            amount = form.amount()
        except ValueError as problem:
            form.approved_amount.errors = [str(problem)]
    if not form.errors:
        try:
            head_contract.record_client_decision(claim, status, current_user, decided_on=form.decided_on.data,
                                                 approved_amount=amount, note=form.note.data or "")
        except Invalid as problem:
            show_problems(form, problem)
        except (ClaimRefused, InvalidTransition) as refused:
            return _page(project, level, claim, status=409, decision_form=form, decision_problem=str(refused))
        else:
            flash(_("The client's decision is recorded: %(status)s.",
                    status=_(status_words(status, head_contract=True))), "success")
            return _to_claim(claim)
    return _page(project, level, claim, status=422, decision_form=form)


# --- downloads: the same documents and spreadsheets as a subcontractor claim's --------------------


@bp.get("/claims/<int:claim_id>/pdf")
@login_required
def claim_pdf(project_id: int, claim_id: int):
    _project, _level, claim = head_contract_claim_for_current_user(project_id, claim_id)
    return pdf_download(claim)


@bp.get("/claims/<int:claim_id>/package")
@login_required
def claim_package_pdf(project_id: int, claim_id: int):
    _project, _level, claim = head_contract_claim_for_current_user(project_id, claim_id)
    return package_download(claim, url_for("head_contract.claim", project_id=project_id, claim_id=claim.id))


@bp.get(f"/claims/<int:claim_id>/lines.{KIND}")
@login_required
def claim_lines(project_id: int, claim_id: int, kind: str):
    _project, _level, claim = head_contract_claim_for_current_user(project_id, claim_id)
    return export_download(exports.claim_lines_export(claim, current_terms(), locales.current_language()), kind)


# --- the page -------------------------------------------------------------------------------------


def _to_claim(claim: Claim):  # type: ignore[no-untyped-def]
    return redirect(url_for("head_contract.claim", project_id=claim.commitment.project_id, claim_id=claim.id),
                    code=303)


def _status_text(claim: Claim | None) -> str:
    return status_words(claim.status, head_contract=True) if claim is not None else ""


def _page(project, level, claim, *, form=None, entries=None, entered=None,  # type: ignore[no-untyped-def]
          status: int = 200, decision_form=None, **problems):
    """The claim page: its lines (editable for an admin while Draft or Revise and Resubmit), the G702 summary,
    where each line's figures came from, the decision, the history."""
    lines, totals = claims.figures(claim, entered.inputs if entered else None)
    can_edit = can_edit_head_contract(current_user, project, level)
    report = head_contract.plan_prefill(claim)
    by_sov = claim.lines_by_sov
    stale = any((line.prefilled_this_period, line.prefilled_stored) != (planned.prefilled_this_period,
                                                                        planned.prefilled_stored)
                for planned in report.lines if (line := by_sov.get(planned.sov_line_id)) is not None
                and line.prefilled_this_period is not None)
    context = dict(
        project=project, level=level, claim=claim, lines=lines, totals=totals, contract=claims.contract(claim),
        typed={e.sov_line_id: e for e in entries} if entries else None, entered=entered,
        form=form or ClaimLinesForm.for_claim(claim), locked={},
        editable=claim.status in EDITABLE and can_edit, can_edit=can_edit, status_text=_status_text(claim),
        history=claims.history(claim), report=report, stale=stale,
        adjusted={line.sov_line_id for line in claim.lines if head_contract.is_adjusted(line)},
        decision_form=decision_form or DecisionForm(formdata=None),
        deciding=claim.status is ClaimStatus.UNDER_REVIEW and can_edit,
        sendable=can_edit and claim.status not in EDITABLE and claim.status is not ClaimStatus.WITHDRAWN,
        line_note="head_contract/partials/_line_said.html",
        **{name: problems.get(name, "") for name in ("lines_problem", "prefill_problem", "submit_problem",
                                                     "send_problem", "decision_problem")})
    return render_template("head_contract/claim.html", **context), status
