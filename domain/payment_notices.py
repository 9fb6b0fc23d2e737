"""Notices of non-payment (issue 17, prompt payment): given by a project Admin from a subcontractor's claim,
saying how much of it is not being paid and why. Recorded, kept in the claim's history, made into a PDF
with the pay application's builder (domain/pay_application.py: its fonts, styles and page footer) and
e-mailed to the claim's contacts with that PDF attached (made at delivery, as the head contract claim's is).
The PDF is in its reader's language: a download the person's, an attachment its recipient's (issue 18).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from domain import audit, dates, outbox, pay_application
from domain.claims import amount_due_with_tax
from domain.clock import utcnow
from domain.emails import PAYMENT_NOTICE
from domain.errors import Invalid, check_all
from domain.locales import DEFAULT_LANGUAGE, N_, current_language, locale_for, supported, writing
from domain.models import Claim, ClaimStatus, Dictionary, OutboxMessage, PaymentNotice, User, db
from domain.money import ZERO, format_money
from domain.permissions import can_give_payment_notice, require
from domain.prompt_dates import for_claim
from domain.prompt_payment import rule_for
from domain.statuses import EDITABLE
from domain.terms import Terms

MAX_REASONS = 2000
NO_AMOUNT = "Enter the amount not being paid."
AMOUNT_NOT_POSITIVE = "Enter an amount above zero."
NO_REASONS = "Say why this amount is not being paid."
REASONS_TOO_LONG = N_("Use at most %(count)s characters.")  # count: MAX_REASONS


class NoticeRefused(Exception):
    """The claim cannot take a notice now (not submitted, withdrawn, no prompt payment law); nothing written."""


def refusal(claim: Claim) -> str:
    """Why no notice can be given from this claim, or "" when one can."""
    if not claim.commitment.is_subcontract:
        return _("A notice of non-payment is given to a subcontractor: the head contract's claim cannot take one.")
    if rule_for(claim.commitment.project.jurisdiction) is None:
        return _("This project has no prompt payment law: choose its province on the project's page first.")
    if claim.status is ClaimStatus.WITHDRAWN:
        return _("This claim is withdrawn: it counts for nothing and needs no notice.")
    if claim.status in EDITABLE or claim.submitted_at is None:
        return _("This claim is not submitted yet: a notice answers a submitted claim.")
    return ""


def give(claim: Claim, amount: Decimal | None, reasons: str, by: User) -> PaymentNotice:
    """Record a notice of non-payment and queue it to the claim's contacts with its PDF. Invalid (by the field)
    for a bad amount or reasons, NoticeRefused for a claim that cannot take one, PermissionDenied for anyone
    but a project Admin: nothing written in each case."""
    require(can_give_payment_notice(by, claim.commitment.project),
            "Only an Admin on this project's Commitments tool may give a notice of non-payment.")
    refused = refusal(claim)
    if refused:
        raise NoticeRefused(refused)
    reasons = (reasons or "").strip()
    ceiling = amount_due_with_tax(claim)
    currency, locale = claim.commitment.project.currency.value, locale_for(claim.commitment.project)

    def check_amount() -> None:
        if amount is None:
            raise Invalid("amount", _(NO_AMOUNT))
        if amount <= ZERO:
            raise Invalid("amount", _(AMOUNT_NOT_POSITIVE))
        if amount > ceiling:
            raise Invalid("amount", _("Enter at most the claim's amount due with tax, %(amount)s.",
                                      amount=format_money(ceiling, currency, locale)))

    def check_reasons() -> None:
        if not reasons:
            raise Invalid("reasons", _(NO_REASONS))
        if len(reasons) > MAX_REASONS:
            raise Invalid("reasons", _(REASONS_TOO_LONG, count=MAX_REASONS))

    check_all(check_amount, check_reasons)
    contacts = [c for c in claim.commitment.claim_contacts if c.active]
    notice = PaymentNotice(claim_id=claim.id, amount=amount, reasons=reasons, given_at=utcnow(), given_by_id=by.id,
                           to_address=", ".join(c.email for c in contacts))
    db.session.add(notice)
    db.session.flush()
    audit.record(actor=by, entity_type="claim", entity_id=claim.id, project_id=claim.commitment.project_id,
                 action="notice of non-payment given", field="amount",
                 new=f"{format_money(amount, currency, locale)}: {reasons}")
    outbox.queue_rows([{"dedupe_key": f"{PAYMENT_NOTICE}:{notice.id}:to:{c.id}", "kind": PAYMENT_NOTICE,
                        "to_address": c.email, "to_user_id": c.id, "actor_id": by.id, "claim_id": claim.id}
                       for c in contacts])
    db.session.commit()
    return notice


def notices_of(claim: Claim) -> list[PaymentNotice]:
    return list(db.session.scalars(select(PaymentNotice).where(PaymentNotice.claim_id == claim.id)
                                   .order_by(PaymentNotice.id)))


def notice_on(claim: Claim, notice_id: int) -> PaymentNotice | None:
    """The claim's notice with that id; None for another claim's (or none), so a guard on the claim guards it."""
    notice = db.session.get(PaymentNotice, notice_id)
    return notice if notice is not None and notice.claim_id == claim.id else None


def notice_of(message: OutboxMessage) -> PaymentNotice:
    """The notice an e-mail is about: its id is the second part of the e-mail's dedupe key."""
    return db.session.get(PaymentNotice, int(message.dedupe_key.split(":")[1]))


def filename(notice: PaymentNotice) -> str:
    return pay_application.filename(notice.claim, f"notice-of-non-payment-{notice.id}")


def email_attachments(message: OutboxMessage) -> list[tuple[str, str, bytes]]:
    """The notice's PDF in the language of the contact it goes to (their own, else the company default)."""
    from domain.emails import recipient_language

    notice = notice_of(message)
    return [(filename(notice), "application/pdf", render_pdf(notice, recipient_language(message)))]


# --- the PDF ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeDocument:
    """What the notice says, in words: no database rows."""

    payer: pay_application.Party  # the contractor
    payee: pay_application.Party  # the subcontractor
    project: str
    project_address: str
    contract: str
    claim: str
    period: str
    given_on: str
    given_by: str
    claimed: str
    not_paid: str
    to_be_paid: str
    reasons: str
    statute: str
    due: str
    language: str = DEFAULT_LANGUAGE  # the words it is drawn in


def document(notice: PaymentNotice, language: str | None = None) -> NoticeDocument:
    """What the notice says in `language` (None: the language being written now)."""
    with writing(supported(language) or current_language()) as chosen:
        return _document(notice, chosen)


def _document(notice: PaymentNotice, language: str) -> NoticeDocument:
    from domain import accounts

    claim = notice.claim
    commitment, period, project = claim.commitment, claim.billing_period, claim.commitment.project
    locale = locale_for(project, language=language)
    own = accounts.own_company()
    term = Terms(own.dictionary if own else Dictionary.SPECIALTY).for_project(project)
    rule = rule_for(project.jurisdiction)
    deadlines = for_claim(claim)

    def money(value: Decimal) -> str:
        return format_money(value, project.currency.value, locale)

    def day(value) -> str:  # type: ignore[no-untyped-def]
        return dates.day(value, project.time_zone, full=True, locale=locale)

    claimed = amount_due_with_tax(claim)
    return NoticeDocument(
        payer=pay_application.Party(own.name if own else "", own.address if own else ""),
        payee=pay_application.Party(commitment.vendor.name, commitment.vendor.address),
        project=f"{project.number} {project.name}", project_address=project.address,
        contract=f"{_(commitment.kind.value)} {commitment.number} {commitment.title}",
        claim=_("%(claim)s #%(number)s, submitted %(day)s", claim=term("claim"), number=claim.number,
                day=day(claim.submitted_at)),
        period=_("%(start)s to %(end)s", start=day(period.start_date), end=day(period.end_date)),
        given_on=day(notice.given_at), given_by=notice.given_by.name if notice.given_by else "",
        claimed=money(claimed), not_paid=money(notice.amount), to_be_paid=money(claimed - notice.amount),
        reasons=notice.reasons,
        statute=_("%(name)s: %(statute)s", name=rule.name, statute=rule.statute) if rule else "",
        due=(_("Payment due %(due)s; notice of non-payment by %(deadline)s", due=day(deadlines.payment_due),
               deadline=day(deadlines.notice_deadline)) if deadlines else ""), language=language)


def render_pdf(notice: PaymentNotice, language: str | None = None) -> bytes:
    """The notice as a PDF in `language` (None: the language being written now)."""
    return render_document(document(notice, language))


def render_document(d: NoticeDocument) -> bytes:
    with writing(d.language):
        return _render_document(d)


def _render_document(d: NoticeDocument) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import letter
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    pay_application._fonts()
    s = pay_application._styles()
    text = pay_application.text
    rule = colors.HexColor("#9aa3ad")
    p, labelled = pay_application.writers(s)

    buffer = io.BytesIO()
    margin = 36
    doc = SimpleDocTemplate(buffer, pagesize=letter, leftMargin=margin, rightMargin=margin, topMargin=margin,
                            bottomMargin=margin + 12, title=_("Notice of non-payment - %(contract)s",
                                                              contract=d.contract),
                            author=d.payer.name, creator="Progress Billings")
    # The labels' columns as wide as the language's labels need (French's are longer), never narrower.
    label_width = max(70, *(pay_application._label_width(label) for label in (
        _("From (payer)"), _("To (payee)"), _("Invoice"), _("Date of notice"))))
    right_width = max(60, *(pay_application._label_width(label) for label in (
        _("Project"), _("Contract"), _("Period"), _("Given by"))))
    parties = Table([
        [*labelled(_("From (payer)"), f"<b>{text(d.payer.name)}</b><br/>{text(d.payer.address)}"),
         *labelled(_("Project"), f"<b>{text(d.project)}</b><br/>{text(d.project_address)}")],
        [*labelled(_("To (payee)"), f"<b>{text(d.payee.name)}</b><br/>{text(d.payee.address)}"),
         *labelled(_("Contract"), text(d.contract))],
        [*labelled(_("Invoice"), text(d.claim)), *labelled(_("Period"), text(d.period))],
        [*labelled(_("Date of notice"), text(d.given_on)), *labelled(_("Given by"), text(d.given_by))],
    ], colWidths=[label_width, 270 - label_width, right_width, 270 - right_width])
    parties.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.4, rule),
                                 ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    amounts = Table([[p(text(_("Amount claimed (with tax)"))), p(text(d.claimed))],
                     [p(pay_application.bold(_("Amount not being paid"))), p(f"<b>{text(d.not_paid)}</b>")],
                     [p(text(_("Amount to be paid"))), p(text(d.to_be_paid))]], colWidths=[410, 130])
    amounts.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.3, rule), ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                                 ("BACKGROUND", (0, 1), (-1, 1), colors.HexColor("#e9eef5")),
                                 ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
    pay_application._right_align(amounts, 1, s["base"])
    story = [p(text(_("Notice of non-payment")), "title"),
             p(text(_("Given under %(statute)s", statute=d.statute) if d.statute else _("Notice of non-payment")),
               "small"),
             Spacer(1, 8), parties, p(text(_("Amounts")), "h2"), amounts, p(text(_("Reasons for non-payment")), "h2"),
             p(text(d.reasons))]
    if d.due:
        story += [Spacer(1, 8), p(text(d.due + "."), "small")]
    footer = " · ".join((d.payer.name, _("Notice of non-payment"), d.contract, d.given_on))
    doc.build(story, canvasmaker=pay_application._numbered_canvas(footer))
    return buffer.getvalue()
