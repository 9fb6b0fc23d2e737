"""The pay application as a document: what a claim says, gathered once, then drawn as a PDF.

`from_claim` turns a subcontractor's claim into a plain `PayApplication`; `render_pdf` draws any
`PayApplication` (a head contract claim feeds the same builder), page 1 the application summary
(lines 1 to 9 of SPEC §6), then the continuation sheet, one row per line of the schedule of values.
Every figure comes from `claims.figures(claim)` and is written with `money.format_money`, so the
PDF says exactly what the claim page says.

A document is in one language (issue 18), given to `from_claim`: the reader's for a download, the recipient's
for an e-mail's attachment. Its words go through gettext inside `locales.writing(language)`, its money and dates
follow the locale; the figures are the same in every language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from domain import dates, g702, sales_taxes
from domain.locales import DEFAULT_LANGUAGE, N_, current_language, locale_for, supported, writing
from domain.money import ZERO, format_money
from domain.terms import Terms

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor" / "dejavu-fonts-ttf-2.37.3"
FONTS = {"PB": "DejaVuSans.ttf", "PB-Bold": "DejaVuSans-Bold.ttf",
         "PB-Narrow": "DejaVuSansCondensed.ttf", "PB-Narrow-Bold": "DejaVuSansCondensed-Bold.ttf"}


@dataclass(frozen=True)
class Party:
    name: str
    address: str = ""


@dataclass(frozen=True)
class Line:
    """One row of the continuation sheet: column A, B and the line's figures (C to I)."""

    item: str
    cost_code: str
    description: str
    figures: g702.LineFigures
    from_change_order: bool = False


@dataclass(frozen=True)
class ChangeOrders:
    """Additions and deductions by approved change orders, before this period and in it.

    `undated` is the part of line 2 that the change history does not date (changes recorded
    before the history kept them, say); it is shown as its own row so the summary still adds up."""

    previous_additions: Decimal = ZERO
    previous_deductions: Decimal = ZERO
    this_period_additions: Decimal = ZERO
    this_period_deductions: Decimal = ZERO
    undated: Decimal = ZERO

    @property
    def additions(self) -> Decimal:
        return self.previous_additions + self.this_period_additions + max(self.undated, ZERO)

    @property
    def deductions(self) -> Decimal:
        return self.previous_deductions + self.this_period_deductions + max(-self.undated, ZERO)

    @property
    def net(self) -> Decimal:
        return self.additions - self.deductions


@dataclass(frozen=True)
class Certification:
    """The contact's signed statement; an empty name leaves a blank signature line."""

    signed_name: str = ""
    signed_at: str = ""  # already in the project's time zone
    on_behalf_note: str = ""


@dataclass(frozen=True)
class PayApplication:
    """Everything the document shows, in words and Decimals; no database rows."""

    to: Party  # the contractor
    vendor: Party  # from
    project: str
    project_address: str
    contract: str  # "Subcontract SC-001"
    contract_title: str
    application_number: int
    period_from: date
    period_to: date
    application_date: date | None
    due_date: date | None
    currency: str
    status: str
    lines: list[Line]
    totals: g702.ClaimTotals
    change_orders: ChangeOrders
    certification: Certification
    terms: Terms
    retention_pct: Decimal = ZERO
    stored_retention_pct: Decimal = ZERO
    decision: str = ""  # "Approved on Nov 5, 2026 by Avery Admin" once reviewed
    locale: str = "en_US"  # how its money and dates are written (domain/locales.py)
    notary_block: bool = False
    notes: list[str] = field(default_factory=list)
    # Who bills whom: a head contract claim goes from the contractor to its client.
    to_label: str = "To (contractor)"
    from_label: str = "From (vendor)"
    # "GST/HST no. ...", or that none is on file when the claim bills tax (domain/sales_taxes.registration).
    tax_registration: str = ""
    head_contract: bool = False  # the contractor's own claim: its words are not the subcontractors'
    # A holdback (retention) release claim: what it releases and the day the lien period ended or the notice
    # of release was published (domain/holdback.py); None on a progress claim.
    holdback_release: Decimal | None = None
    holdback_release_date: date | None = None
    # On a project under a prompt payment law (domain/prompt_payment.py): what a proper invoice must also say
    # (e.g. Ontario Construction Act s. 6.1), as (label, text) rows; empty elsewhere.
    proper_invoice: list[tuple[str, str]] = field(default_factory=list)
    language: str = DEFAULT_LANGUAGE  # the words it is drawn in (domain/locales.py: LANGUAGES)

    def money(self, value: Decimal) -> str:
        return format_money(value, self.currency, self.locale)

    def day(self, value: date | None) -> str:
        return dates.day(value, full=True, locale=self.locale)


# --- from a claim -----------------------------------------------------------------------------------


# The status words a document shows, for the catalogue (domain/statuses.py keeps them stable in English).
def from_claim(claim, language: str | None = None) -> PayApplication:  # type: ignore[no-untyped-def]
    """The pay application of a subcontractor's claim, or of the head contract's claim to the client, with the
    figures `claims.figures` gives, in `language` (None: the language being written now)."""
    with writing(supported(language) or current_language()) as chosen:
        return _from_claim(claim, chosen)


def _from_claim(claim, language: str) -> PayApplication:  # type: ignore[no-untyped-def]
    from domain import accounts, claims
    from domain.models import ClaimStatus, Dictionary, User, db
    from domain.statuses import claim_status_words

    commitment, period = claim.commitment, claim.billing_period
    project = commitment.project
    zone = dates.zone(project.time_zone)
    locale = locale_for(project, language=language)

    def moment(value):  # type: ignore[no-untyped-def]
        return dates.moment(value, project.time_zone, full=True, locale=locale)

    own = accounts.own_company()
    figures, totals = claims.figures(claim)
    contract = claims.contract(claim)  # the SOV lines and retention % the figures were made with
    lines = [Line(item=str(n), cost_code=s.cost_code, description=s.description, figures=f,
                  from_change_order=s.from_change_order)
             for n, (s, f) in enumerate(zip(contract.sov_lines, figures, strict=True), start=1)]
    certification = Certification()
    if claim.signed_name:
        signed_by = claim.signed_by
        certification = Certification(
            signed_name=claim.signed_name, signed_at=moment(claim.signed_at),
            on_behalf_note=(_("Submitted by %(person)s on behalf of %(vendor)s.", person=signed_by.name,
                              vendor=commitment.vendor.name) if claim.signed_on_behalf and signed_by else ""))
    decision = ""
    reviewed = claim.status not in (ClaimStatus.DRAFT, ClaimStatus.UNDER_REVIEW)
    if claim.status is ClaimStatus.WITHDRAWN:
        withdrawn_by = db.session.get(User, claim.withdrawn_by_id) if claim.withdrawn_by_id else None
        when = moment(claim.withdrawn_at)
        decision = (_("Withdrawn on %(when)s by %(person)s:", when=when, person=withdrawn_by.name) if withdrawn_by
                    else _("Withdrawn on %(when)s:", when=when))
        decision += f" {claim.withdrawal_reason or ''} " + _("This application is not for payment.")
    elif reviewed and claim.decided_at:
        reviewer = db.session.get(User, claim.decided_by_id) if claim.decided_by_id else None
        status = _(claim.status.value)
        when = moment(claim.decided_at)
        decision = (_("%(status)s on %(when)s by %(person)s", status=status, when=when, person=reviewer.name)
                    if reviewer else _("%(status)s on %(when)s", status=status, when=when))
        if claim.client_decision_date is not None:  # a head contract claim: the client decided
            decided = dates.day(claim.client_decision_date, full=True, locale=locale)
            decision = _("%(status)s by the client on %(day)s", status=status, day=decided)
            if claim.client_approved_amount is not None:
                decision += ", " + _("%(amount)s approved", amount=format_money(
                    claim.client_approved_amount, project.currency.value, locale))
            decision += f": {claim.client_decision_note}" if claim.client_decision_note else ""
    submitted = claim.signed_at or claim.submitted_at
    contractor = Party(own.name if own else "", own.address if own else "")
    other = Party(commitment.vendor.name, commitment.vendor.address)
    head_contract = not commitment.is_subcontract
    proper = _proper_invoice(claim, contractor if head_contract else other, project)
    return PayApplication(
        to=other if head_contract else contractor,
        vendor=contractor if head_contract else other,
        to_label=_("To (client)") if head_contract else _("To (contractor)"),
        from_label=_("From (contractor)") if head_contract else _("From (vendor)"), head_contract=head_contract,
        project=f"{project.number} {project.name}", project_address=project.address,
        contract=f"{_(commitment.kind.value)} {commitment.number}", contract_title=commitment.title,
        application_number=claim.number, period_from=period.start_date, period_to=period.end_date,
        application_date=dates.local(submitted, zone).date() if submitted else None, due_date=period.due_date,
        currency=project.currency.value, locale=locale, language=language, status=_(claim_status_words(claim)),
        lines=lines, totals=totals,
        change_orders=change_orders(claim, totals.net_change_orders, zone), certification=certification,
        terms=Terms(own.dictionary if own else Dictionary.SPECIALTY).for_project(project), decision=decision,
        retention_pct=contract.retention_pct, stored_retention_pct=contract.stored_retention_pct,
        notary_block=bool(own and own.notary_block_on_pay_applications),
        tax_registration=sales_taxes.registration(claim, totals.taxes), proper_invoice=proper,
        holdback_release=claim.holdback_release, holdback_release_date=claim.holdback_release_date,
    )


def _proper_invoice(claim, payee: Party, project) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """What a proper invoice must carry besides what page 1 shows already (the parties, date, period, contract,
    the lines and the amount payable, line 8): that it is one, the payment terms of the project's prompt
    payment law, and whom to pay and how to reach them. Empty on a project under no such law."""
    from domain.prompt_payment import rule_for

    rule = rule_for(project.jurisdiction)
    if rule is None:
        return []
    commitment = claim.commitment
    # Who receives the payment: the subcontractor's contact who signed (else its claim contact); for the
    # contractor's own claim to the client, whoever made it.
    person = (claim.created_by if not commitment.is_subcontract
              else claim.signed_by or commitment.vendor.default_claim_contact)
    # The payee's address is above, where it is the party the application is from: name it, not again.
    who = [_("%(payee)s (address above)", payee=payee.name) if payee.address else payee.name]
    who += [part for part in ((_("attention %(person)s", person=person.name), person.email, person.phone)
                              if person else ()) if part]
    return [
        (_("Payment terms"), _("A proper invoice under the %(statute)s (%(name)s): payable within %(pay_days)s days "
                               "after it is received (%(pay_source)s); a notice of non-payment within "
                               "%(notice_days)s days (%(notice_source)s).", statute=rule.statute, name=rule.name,
                               pay_days=rule.pay_days, pay_source=rule.pay_source, notice_days=rule.notice_days,
                               notice_source=rule.notice_source)),
        (_("Pay to"), "; ".join(who)),
    ]


_ADDED = re.compile(r":\s*(-?[\d,]+(?:\.\d+)?)\s*$")


def change_orders(claim, net_change: Decimal, zone: ZoneInfo) -> ChangeOrders:  # type: ignore[no-untyped-def]
    """Line 2 split by when each change order was approved, as the commitment's change history dates
    them: before the period, or from its start until the claim was signed (or now, for a draft)."""
    from domain.clock import utcnow
    from domain.models import AuditEvent, db

    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "commitment",
                                 AuditEvent.entity_id == claim.commitment_id,
                                 AuditEvent.action.like("change order:%"))
        .order_by(AuditEvent.occurred_at, AuditEvent.id))
    cutoff = claim.signed_at or claim.submitted_at or utcnow()
    amounts = {"pa": ZERO, "pd": ZERO, "ta": ZERO, "td": ZERO}
    for event in events:
        delta = _change(event)
        if delta is None or event.occurred_at > cutoff:
            continue
        before = dates.local(event.occurred_at, zone).date() < claim.billing_period.start_date
        key = ("p" if before else "t") + ("a" if delta >= 0 else "d")
        amounts[key] += abs(delta)
    dated = amounts["pa"] - amounts["pd"] + amounts["ta"] - amounts["td"]
    return ChangeOrders(previous_additions=amounts["pa"], previous_deductions=amounts["pd"],
                        this_period_additions=amounts["ta"], this_period_deductions=amounts["td"],
                        undated=net_change - dated)


def _change(event) -> Decimal | None:  # type: ignore[no-untyped-def]
    """What one change-order event did to the contract sum, read from its recorded values."""
    try:
        if event.action.endswith("line added"):
            found = _ADDED.search(event.new_value)
            return Decimal(found.group(1).replace(",", "")) if found else None
        return Decimal(event.new_value.replace(",", "")) - Decimal(event.old_value.replace(",", ""))
    except (InvalidOperation, ValueError):
        return None


def filename(claim, kind: str = "") -> str:  # type: ignore[no-untyped-def]
    """P-1001_SC-001_claim-3_2026-11.pdf (or ..._package.pdf): only letters, digits, dot, dash, underscore."""
    commitment, period = claim.commitment, claim.billing_period
    parts = [commitment.project.number, commitment.number, f"claim-{claim.number}", f"{period.start_date:%Y-%m}"]
    if kind:
        parts.append(kind)
    ascii_parts = [unicodedata.normalize("NFKD", p).encode("ascii", "ignore").decode() for p in parts]
    name = "_".join(re.sub(r"[^A-Za-z0-9.]+", "-", p).strip("-.") or "x" for p in ascii_parts)
    return f"{name}.pdf"


# --- the PDF -------------------------------------------------------------------------------------


@cache
def _fonts() -> None:
    from reportlab import rl_config
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    # Images go in as binary streams: ASCII85 text (ReportLab's default) is 25% larger and, without
    # ReportLab's optional C accelerator, takes seconds per photo to encode.
    rl_config.useA85 = 0
    for name, file in FONTS.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    for family, bold in (("PB", "PB-Bold"), ("PB-Narrow", "PB-Narrow-Bold")):
        addMapping(family, 0, 0, family)
        addMapping(family, 1, 0, bold)
        addMapping(family, 0, 1, family)
        addMapping(family, 1, 1, bold)


def text(value: str) -> str:
    """Text a person typed, safe inside a ReportLab paragraph (which reads markup)."""
    return escape(value or "").replace("\n", "<br/>")


def bold(value: str) -> str:
    """Words in bold inside a ReportLab paragraph, escaped as `text` does."""
    return f"<b>{text(value)}</b>"


def render_pdf(application: PayApplication) -> bytes:
    """The application summary, then the continuation sheet; every page numbered "Page n of m"; in the
    application's language."""
    with writing(application.language):
        return _render_pdf(application)


def _render_pdf(application: PayApplication) -> bytes:
    import io

    from reportlab.lib.pagesizes import landscape, letter
    from reportlab.platypus import BaseDocTemplate, Frame, NextPageTemplate, PageBreak, PageTemplate

    _fonts()
    buffer = io.BytesIO()
    margin = 36
    doc = BaseDocTemplate(buffer, pagesize=letter, leftMargin=margin, rightMargin=margin, topMargin=margin,
                          bottomMargin=margin + 12, title=_("Pay application %(number)s - %(contract)s",
                                                            number=application.application_number,
                                                            contract=application.contract),
                          author=application.vendor.name, creator="Progress Billings")
    portrait_frame = Frame(margin, margin + 12, letter[0] - 2 * margin, letter[1] - 2 * margin - 12, id="summary")
    wide = landscape(letter)
    wide_frame = Frame(margin, margin + 12, wide[0] - 2 * margin, wide[1] - 2 * margin - 12, id="lines")
    doc.addPageTemplates([PageTemplate("summary", [portrait_frame], pagesize=letter),
                          PageTemplate("lines", [wide_frame], pagesize=wide)])
    story = [*_summary(application), NextPageTemplate("lines"), PageBreak(), *_continuation(application, wide_frame)]
    footer = (f"{application.vendor.name} · {application.contract} · "
              + _("Application no. %(number)s", number=application.application_number)
              + f" · {application.day(application.period_to)}")
    doc.build(story, canvasmaker=_numbered_canvas(footer))
    return buffer.getvalue()


def _numbered_canvas(footer: str):  # type: ignore[no-untyped-def]
    """A canvas that holds its pages back until the end, to write "Page n of m" on each."""
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 - ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, page in enumerate(self._pages, start=1):
                self.__dict__.update(page)
                width = self._pagesize[0]
                self.setFont("PB", 7.5)
                self.setFillGray(0.35)
                self.drawString(36, 30, _fit(footer, "PB", 7.5, width - 72 - 70))
                self.drawRightString(width - 36, 30, _("Page %(number)s of %(total)s", number=number, total=total))
                super().showPage()
            super().save()

    return NumberedCanvas


def _fit(value: str, font: str, size: float, width: float) -> str:
    """The text, shortened with an ellipsis to fit the width."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(value, font, size) <= width:
        return value
    while value and stringWidth(value + "…", font, size) > width:
        value = value[:-1]
    return value + "…"


def _styles() -> dict:
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("base", fontName="PB", fontSize=8.5, leading=11)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, textColor="#444444"),
        "label": ParagraphStyle("label", parent=base, fontSize=7, leading=9, textColor="#555555"),
        "title": ParagraphStyle("title", parent=base, fontName="PB-Bold", fontSize=15, leading=19, spaceAfter=2),
        "h2": ParagraphStyle("h2", parent=base, fontName="PB-Bold", fontSize=10, leading=13, spaceBefore=8,
                             spaceAfter=4),
        "cell": ParagraphStyle("cell", parent=base, fontName="PB-Narrow", fontSize=7, leading=8.5),
        "head": ParagraphStyle("head", parent=base, fontName="PB-Narrow-Bold", fontSize=7, leading=8.5),
        "head_r": ParagraphStyle("head_r", parent=base, fontName="PB-Narrow-Bold", fontSize=7, leading=8.5,
                                 alignment=2),
    }


def writers(s: dict) -> tuple:
    """A paragraph in one of the styles `s`, and a label-and-value pair of cells: how page 1 of every document
    here is written (the pay application and the notice of non-payment)."""
    from reportlab.platypus import Paragraph

    def p(value: str, style: str = "base") -> Paragraph:
        return Paragraph(value, s[style])

    def labelled(label: str, value: str) -> list:
        return [p(text(label), "label"), p(value)]

    return p, labelled


def _summary(a: PayApplication) -> list:
    from reportlab.lib import colors
    from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

    s = _styles()
    term = a.terms
    t = a.totals
    rule = colors.HexColor("#9aa3ad")
    p, labelled = writers(s)

    claim_title = (_("Claim #%(number)s to the client", number=a.application_number) if a.head_contract
                   else _("%(claim)s #%(number)s", claim=term("claim"), number=a.application_number))
    previous_claims = _("claims to the client") if a.head_contract else term.previous_claims(False)
    story: list = [p(text(_("Pay application · %(claim)s", claim=claim_title)), "title"),
                   p(text(_("Application summary · %(status)s", status=a.status)), "small"), Spacer(1, 8)]
    if a.status == _("Withdrawn"):  # a withdrawn claim counts for nothing: say so before any figure
        story[-1:-1] = [p(text(_("WITHDRAWN: not for payment")), "title")]
    if a.holdback_release is not None:  # what this application is, before any figure
        # English heads it with the word ("Holdback release"), French puts it inside ("Libération de la retenue").
        released = term("retention") if a.language == DEFAULT_LANGUAGE else term.lower("retention")
        story[-1:-1] = [p(text(_("%(retention)s release: %(amount)s released", retention=released,
                                 amount=a.money(a.holdback_release))), "h2"),
                        p(text(_("Lien period ended or release notice published on %(day)s. Bills only the "
                                 "%(retention)s released and its tax; no work.", day=a.day(a.holdback_release_date),
                                 retention=term.lower("retention"))), "small")]
    # The labels' column is as wide as the language's longest label needs (French's are longer), never less.
    label_width = max(70, *(_label_width(label) for label in (a.to_label, a.from_label, _("Application no."),
                                                             _("Application date"))))
    right_width = max(60, *(_label_width(label) for label in (_("Project"), _("Contract"), _("Period"),
                                                             _("Due date"))))
    widths = [label_width, 270 - label_width, right_width, 270 - right_width]
    parties = Table([
        [*labelled(a.to_label, f"<b>{text(a.to.name)}</b><br/>{text(a.to.address)}"),
         *labelled(_("Project"), f"<b>{text(a.project)}</b><br/>{text(a.project_address)}")],
        [*labelled(a.from_label, f"<b>{text(a.vendor.name)}</b><br/>{text(a.vendor.address)}"
                   + (f"<br/>{text(a.tax_registration)}" if a.tax_registration else "")),
         *labelled(_("Contract"), f"<b>{text(a.contract)}</b><br/>{text(a.contract_title)}")],
        [*labelled(_("Application no."), f"<b>{a.application_number}</b>"),
         *labelled(_("Period"), _("%(start)s to %(end)s", start=a.day(a.period_from), end=a.day(a.period_to)))],
        [*labelled(_("Application date"), a.day(a.application_date) or _("Not submitted yet")),
         *labelled(_("Due date"), a.day(a.due_date))],
    ], colWidths=widths)
    parties.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.4, rule),
                                 ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    story += [parties]
    if a.proper_invoice:  # what a proper invoice must say besides the above (domain/prompt_payment.py)
        # One row each, the text across the width: in two narrow columns the terms took five lines.
        proper = Table([[*labelled(label, text(value)), "", ""] for label, value in a.proper_invoice],
                       colWidths=widths)
        proper.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("SPAN", (1, 0), (3, 0)),
                                    ("SPAN", (1, 1), (3, 1)),
                                    ("LINEBELOW", (0, 0), (-1, -1), 0.4, rule),
                                    ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
        story.append(proper)
    story += [p(text(_("Summary of this application")), "h2")]

    retention = term("retention")
    lower = retention.lower()
    rows = [
        ("1", _("Original contract sum"), t.original_contract_sum),
        ("2", _("Net change by approved change orders"), t.net_change_orders),
        ("3", _("Contract sum to date (1 + 2)"), t.contract_sum_to_date),
        ("4", _("Total completed and stored to date (column G)"), t.total_completed_and_stored),
        ("5", _("%(retention)s (column I, less what is released)", retention=retention) if t.retention_released
         else _("%(retention)s (column I)", retention=retention), None),
        ("", _("a. %(pct)s of completed work", pct=_pct(a.retention_pct, a.language)), t.retention_work),
        ("", _("b. %(pct)s of stored materials", pct=_pct(a.stored_retention_pct, a.language)), t.retention_stored),
        *([("", _("c. Less %(retention)s released to date", retention=lower), -t.retention_released)]
          if t.retention_released else []),
        ("", _("Total %(retention)s", retention=lower), t.retention_total),
        ("6", _("Total earned less %(retention)s (4 - 5)", retention=lower), t.earned_less_retention),
        ("7", _("Less previous %(claims)s (line 6 of the last approved one)", claims=previous_claims),
         t.previous_claims),
        ("8", _("Current amount due (6 - 7)"), t.current_amount_due),
    ]
    before_tax = ("8", _("Current amount due before tax (6 - 7)"), t.current_amount_due)
    if t.taxes:  # each tax on line 8, then what the application asks to be paid
        rows[-1] = before_tax
        rows += [("", sales_taxes.tax_label(tax), tax.amount) for tax in t.taxes]
        rows.append(("", _("Current amount due (with tax)"), t.current_amount_due_with_tax))
    rows.append(("9", _("Balance to finish, including %(retention)s (3 - 6)", retention=lower),
                 t.balance_to_finish_including_retention))
    money_rows = [[p(n), p(text(label)), p(a.money(v) if v is not None else "", "base")] for n, label, v in rows]
    summary = Table(money_rows, colWidths=[22, 388, 130])
    due = len(rows) - 2
    summary.setStyle(TableStyle([
        ("ALIGN", (2, 0), (2, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, rule), ("LEFTPADDING", (1, 5), (1, 8 if t.retention_released else 7), 14),
        ("BACKGROUND", (0, due), (-1, due), colors.HexColor("#e9eef5")),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]))
    if t.taxes:  # the tax rows sit under line 8, as 5a and 5b sit under line 5
        first_tax = rows.index(before_tax) + 1
        summary.setStyle(TableStyle([("LEFTPADDING", (1, first_tax), (1, first_tax + len(t.taxes) - 1), 14)]))
    _right_align(summary, 2, s["base"])
    for cell in summary._cellvalues[due]:
        cell.style = _bold(cell.style)
    story += [summary, p(text(_("Change orders")), "h2")]

    co = a.change_orders
    co_rows = [[p("", "label"), p(bold(_("Additions")), "base"),
                p(bold(_("Deductions")), "base")],
               [p(text(_("Approved in previous periods"))), p(a.money(co.previous_additions)),
                p(a.money(co.previous_deductions))],
               [p(text(_("Approved this period"))), p(a.money(co.this_period_additions)),
                p(a.money(co.this_period_deductions))]]
    if co.undated:
        co_rows.append([p(text(_("Approved, date not in the change history"))), p(a.money(max(co.undated, ZERO))),
                        p(a.money(max(-co.undated, ZERO)))])
    co_rows += [[p(bold(_("Totals"))), p(f"<b>{a.money(co.additions)}</b>"),
                 p(f"<b>{a.money(co.deductions)}</b>")],
                [p(text(_("Net change by change orders"))), p(""), p(a.money(co.net))]]
    change_table = Table(co_rows, colWidths=[280, 130, 130])
    change_table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.3, rule),
                                      ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                                      ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5)]))
    _right_align(change_table, 1, s["base"])
    _right_align(change_table, 2, s["base"])
    certification = [
        p(text(_("Contractor's certification") if a.head_contract else _("Vendor's certification")), "h2"),
        # A release bills no work: it certifies what its contact signed (claims/partials/_sign.html).
        p(text(_("%(vendor)s certifies that, to the best of its knowledge, the %(retention)s released by this "
                 "application was held on work that is done as earlier applications said, that what earlier "
                 "applications were paid for has been paid on to those who did the work, and that the current "
                 "amount due is now payable.", vendor=a.vendor.name, retention=term.lower("retention"))
               if a.holdback_release is not None else
               _("%(vendor)s certifies that, to the best of its knowledge, the work covered by this application has "
                 "been completed as the contract requires, that every amount shown was earned in the period, that "
                 "what earlier applications were paid for has been paid on to those who did the work, and that the "
                 "current amount due is now payable.", vendor=a.vendor.name)), "small"),
        Spacer(1, 6)]
    cert = a.certification
    if cert.signed_name:
        certification.append(p(text(_("Signed (typed signature):")) + f" <b>{text(cert.signed_name)}</b> · "
                               f"{text(cert.signed_at)}"))
        if cert.on_behalf_note:
            certification.append(p(text(cert.on_behalf_note), "small"))
    else:
        certification.append(_blank_lines([(_("Signature"), 230), (_("Name"), 150), (_("Date"), 90)]))
    story += [change_table, KeepTogether(certification)]  # the statement never parts from its signature
    if a.notary_block:
        story += [p(text(_("Notary")), "h2"),
                  _blank_lines([(_("State of"), 250), (_("County of"), 250)]),
                  Spacer(1, 8),
                  _blank_lines([(_("Subscribed and sworn to before me on"), 250), (_("Notary public"), 250)]),
                  Spacer(1, 8), _blank_lines([(_("My commission expires"), 250), (_("Seal"), 250)])]
    # The review is a lead-in, not a section: with a heading it no longer fitted on page 1 of a release claim.
    review, lead = a.decision or _("Not reviewed yet (%(status)s).", status=a.status), _("Review:")
    story += [Spacer(1, 6), KeepTogether([p(f"<b>{text(lead)}</b> {text(review)}"),
                                          *[p(text(note), "small") for note in a.notes]])]
    return story


def _pct(value: Decimal, language: str = DEFAULT_LANGUAGE) -> str:
    """A rate as the language writes it: "10%", in French "10 %" (and "2,5 %")."""
    written = f"{value.normalize():f}"
    return f"{written}%" if language == DEFAULT_LANGUAGE else f"{written.replace('.', ',')}\u00a0%"


def _label_width(label: str) -> float:
    """The width a label of the parties' table needs on one line of its longest word run (7 pt), with padding."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return min(stringWidth(label, "PB", 7) + 12, 120)


def _bold(style):  # type: ignore[no-untyped-def]
    from reportlab.lib.styles import ParagraphStyle

    return ParagraphStyle(f"{style.name}-bold", parent=style, fontName="PB-Bold")


def _right_align(table, column: int, base) -> None:  # type: ignore[no-untyped-def]
    from reportlab.lib.styles import ParagraphStyle

    right = ParagraphStyle(f"{base.name}-right", parent=base, alignment=2)
    for row in table._cellvalues:
        row[column].style = right


def _blank_lines(fields: list[tuple[str, int]]):  # type: ignore[no-untyped-def]
    """Labelled lines to fill in by hand: each field is a label and the width of label and line."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph, Table, TableStyle

    s = _styles()
    cells, widths = [], []
    for label, width in fields:
        label_width = stringWidth(label, "PB", 7) + 10
        cells += [Paragraph(text(label), s["label"]), ""]
        widths += [label_width, max(width - label_width, 40)]
    table = Table([cells], colWidths=widths, rowHeights=[22])
    style = [("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LEFTPADDING", (0, 0), (-1, -1), 2)]
    for i in range(1, len(cells), 2):
        style.append(("LINEBELOW", (i, 0), (i, 0), 0.6, "#333333"))
    table.setStyle(TableStyle(style))
    table.hAlign = "LEFT"
    return table


COLUMNS = [("A", N_("Item")), ("B", N_("Description of work")), ("C", N_("Scheduled value")),
           ("D", N_("From previous applications")), ("E", N_("This period")), ("F", N_("Materials presently stored")),
           ("G", N_("Completed and stored to date")), ("G / C", "%"), ("H", N_("Balance to finish")),
           ("I", "")]  # I: the dictionary's retention


def _longest_word(markup: str) -> float:
    """The width a continuation sheet heading's longest word takes in its font, with the cell's padding."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    words = re.sub(r"<[^>]+>", " ", markup).split()
    return max((stringWidth(word, "PB-Narrow-Bold", 7) for word in words), default=0) + 7


def format_decimal_pct(value: Decimal, locale: str) -> str:
    """A percent complete to one decimal as `locale` writes it ("42,5 %" in fr_CA)."""
    from babel.numbers import format_decimal

    return f"{format_decimal(value, format='#,##0.0', locale=locale)}\u00a0%"


def _continuation(a: PayApplication, frame) -> list:  # type: ignore[no-untyped-def]
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    s = _styles()
    words = {"%": "%", "": a.terms("retention")}
    head = [Paragraph(text(f"{letter}\n{words.get(column) or _(column)}"), s["head_r" if i > 1 else "head"])
            for i, (letter, column) in enumerate(COLUMNS)]
    m = a.money

    def pct(value: Decimal) -> str:  # "42.5%", in French "42,5 %"
        written = f"{value:,.1f}%"
        return written if a.language == DEFAULT_LANGUAGE else format_decimal_pct(value, a.locale)

    rows = [head]
    for line in a.lines:
        f = line.figures
        marker = bold(_("Change order")) + " · " if line.from_change_order else ""
        code = f"{text(line.cost_code)} · " if line.cost_code else ""
        rows.append([line.item, Paragraph(f"{marker}{code}{text(line.description)}", s["cell"]),
                     m(f.scheduled_value), m(f.previous), m(f.this_period), m(f.stored), m(f.completed_and_stored),
                     pct(f.percent_complete), m(f.balance_to_finish), m(f.retention)])
    t = a.totals
    rows.append(["", Paragraph(bold(_("Grand totals")), s["cell"]), m(t.contract_sum_to_date),
                 m(t.work_completed_to_date - t.this_period), m(t.this_period), m(t.stored),
                 m(t.total_completed_and_stored), pct(t.percent_complete), m(t.balance_to_finish),
                 m(t.retention_by_lines)])
    money_width = 74
    widths = [26, 0, *[money_width] * 5, 38, money_width, money_width]
    # A narrow column is widened to its heading's longest word (French's "Article" in A), never split inside it;
    # the description (B) takes what is left.
    widths = [width if i == 1 else max(width, _longest_word(head[i].text)) for i, width in enumerate(widths)]
    widths[1] = frame._aW - sum(widths) - 1
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 1), (-1, -1), "PB-Narrow", 7), ("LEADING", (0, 1), (-1, -1), 8.5),
        ("ALIGN", (2, 1), (-1, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9eef5")),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor("#333333")),
        ("LINEBELOW", (0, 1), (-1, -2), 0.25, colors.HexColor("#c5ccd3")),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.HexColor("#333333")),
        ("FONT", (0, -1), (-1, -1), "PB-Narrow-Bold", 7),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for i, line in enumerate(a.lines, start=1):
        if line.from_change_order:
            style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#fff6dd")))
    table.setStyle(TableStyle(style))
    story = [Paragraph(text(_("Continuation sheet · Application no. %(number)s", number=a.application_number)),
                       s["h2"]),
             Paragraph(text(f"{a.vendor.name} · {a.contract} {a.contract_title} · " + _(
                 "period %(start)s to %(end)s", start=a.day(a.period_from), end=a.day(a.period_to))), s["small"]),
             Spacer(1, 6), table]
    if not a.lines:
        story.append(Paragraph(text(_("This schedule of values has no lines.")), s["small"]))
    elif any(line.from_change_order for line in a.lines):
        story.append(Paragraph(text(_("Shaded rows were added by approved change orders.")), s["small"]))
    return story
