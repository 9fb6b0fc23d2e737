"""Holdback (retention) release (issue 17): the admin releases all or part of a commitment's retention held,
which opens a release claim in the project's open period for the contact to confirm and submit.

A release claim bills no work (E = 0 on every line, F carried from the last approved claim); it raises the
retention released to date, which line 5 subtracts (domain/g702.claim_totals), so line 8 is the amount released
and the sales tax on it falls due with it (Excise Tax Act s.168(7) for GST/HST). From then on it is reviewed,
approved and shown like any claim; once approved its figures are frozen with the rest of its snapshot.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import func, select, update

from domain import accounts, audit, claims, outbox
from domain.claims import COUNTS_AS_BILLED, finish_first, open_claim_blocking, refresh_snapshot
from domain.clock import project_today
from domain.emails import HOLDBACK_RELEASED
from domain.errors import Invalid
from domain.locales import locale_for
from domain.models import BillingPeriod, Claim, ClaimLine, ClaimStatus, Commitment, Dictionary, User, db
from domain.money import ZERO, format_money
from domain.periods import open_period_of, period_name
from domain.permissions import can_release_holdback, require
from domain.statuses import shown
from domain.terms import Terms


def last_approved_claim(commitment: Commitment) -> Claim | None:
    """The commitment's latest Approved (or Approved as Noted) claim."""
    return db.session.scalar(
        select(Claim).join(BillingPeriod, Claim.billing_period_id == BillingPeriod.id)
        .where(Claim.commitment_id == commitment.id, Claim.status.in_(COUNTS_AS_BILLED))
        .order_by(BillingPeriod.start_date.desc()).limit(1))


def holdback_held(commitment: Commitment) -> Decimal:
    """Retention (holdback) held on the commitment: line 5 of its last approved claim, as the board shows it."""
    last = last_approved_claim(commitment)
    return last.retention_total if last is not None else ZERO


def _terms(commitment: Commitment) -> Terms:
    own = accounts.own_company()
    return Terms(own.dictionary if own else Dictionary.SPECIALTY).for_project(commitment.project)


def release_refusal(commitment: Commitment, period: BillingPeriod | None) -> str:
    """Why no release claim can be made now (empty when one can): it takes the open period's claim slot."""
    word = _terms(commitment).lower("retention")
    if period is None:
        return gettext("There is no open billing period: open one first, the release is billed in it.")
    existing = db.session.scalar(select(Claim).where(Claim.commitment_id == commitment.id,
                                                     Claim.billing_period_id == period.id))
    if existing is not None:
        return gettext("%(commitment)s already has claim #%(number)s in %(period)s (%(status)s): release the "
                       "%(word)s in a later period.", commitment=commitment.number, number=existing.number,
                       period=period_name(period), status=shown(existing.status), word=word)
    blocking = open_claim_blocking(commitment, period)
    if blocking is not None:
        return finish_first(blocking)
    if holdback_held(commitment) <= 0:
        return gettext("No %(word)s is held on %(commitment)s: nothing to release.", word=word,
                       commitment=commitment.number)
    return ""


def release_holdback(commitment: Commitment, amount: Decimal, released_on: date, by: User) -> Claim:
    """Open the commitment's release claim (Draft) in the project's open period, billing `amount` of the retention
    held, and e-mail its contacts to confirm and submit it. Invalid ({field: message}) or PermissionDenied with
    nothing written."""
    project = commitment.project
    require(can_release_holdback(by, project),
            gettext("Only an Admin on this project's Commitments tool may release retention."))
    # As in start_claim: hold the commitment's row so two releases (or a release and a claim) queue here.
    db.session.execute(update(Commitment).where(Commitment.id == commitment.id).values(id=Commitment.id))
    terms = _terms(commitment)
    period = open_period_of(project)
    refusal = release_refusal(commitment, period)
    problems: dict[str, str] = {}
    if refusal:
        problems["amount"] = refusal
    held = holdback_held(commitment)
    if not refusal and amount <= 0:
        problems["amount"] = gettext("Enter an amount above zero.")
    elif not refusal and amount > held:
        held_text = format_money(held, project.currency.value, locale_for(project))
        problems["amount"] = gettext("At most the %(word)s held: %(amount)s.", word=terms.lower("retention"),
                                     amount=held_text)
    if released_on > project_today(project):
        problems["released_on"] = gettext("The date cannot be in the future: the lien period must have ended.")
    if problems:
        db.session.rollback()
        field = next(iter(problems))
        raise Invalid(field, problems[field], more=problems)
    assert period is not None  # release_refusal said so
    last = last_approved_claim(commitment)  # there is one: something is held
    carried = {line.sov_line_id: line.materials_presently_stored for line in (last.lines if last else [])}
    number = (db.session.scalar(select(func.count(Claim.id)).where(Claim.commitment_id == commitment.id)) or 0) + 1
    claim = Claim(commitment=commitment, billing_period=period, number=number, created_by=by,
                  status=ClaimStatus.DRAFT, holdback_release=amount, holdback_release_date=released_on)
    for sov_line in commitment.sov_lines:
        claim.lines.append(ClaimLine(sov_line=sov_line, work_completed_this_period=ZERO,
                                     materials_presently_stored=carried.get(sov_line.id, ZERO)))
    db.session.add(claim)
    db.session.flush()
    refresh_snapshot(claim)
    money = format_money(amount, project.currency.value, locale_for(project))
    audit.record(actor=by, entity_type="claim", entity_id=claim.id, project_id=project.id,
                 action=f"{terms.lower('retention')} release started", field="holdback_release",
                 new=f"#{number}, {money}, {released_on.isoformat()}")
    outbox.queue_rows([claims.mail_row(HOLDBACK_RELEASED, claim, contact, by, f"{HOLDBACK_RELEASED}:{claim.id}")
                       for contact in commitment.claim_contacts if contact.active])
    db.session.commit()
    return claim
