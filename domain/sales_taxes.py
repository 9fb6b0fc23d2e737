"""Sales taxes: the rates a province or territory bills, a project's own taxes, a vendor's GST/HST number.

The rates a picker fills in (`JURISDICTIONS`) are the combined rates a supply of construction services
bears in each province and territory of Canada, as the Canada Revenue Agency lists them ("GST/HST
rates", canada.ca, "Charge and collect the tax - Which rate to charge") and each province's own sales
tax act for BC, Manitoba, Saskatchewan and Quebec. Checked 2026-12-02. Nova Scotia's HST went from 15%
to 14% on 1 April 2025 (CRA GST/HST Notice 342, March 2025). A rate filled in is only a starting
point: an admin edits it before saving, and a claim keeps the rates it was submitted with.
In the United States no tax is filled in: a contract that bills a state sales tax has it typed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext, lazy_gettext

from domain import audit
from domain.errors import Invalid, check_all
from domain.g702 import Tax, TaxFigure
from domain.locales import DEFAULT_LANGUAGE, N_, current_language
from domain.models import Project, ProjectTax, User, db
from domain.permissions import can_admin_project, require

RATES_CHECKED = "2026-12-02"
MAX_TAXES = 4
MAX_RATE = Decimal("30")
MAX_NAME = 40


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    name: str
    taxes: tuple[Tax, ...]


def _gst_and(name: str, rate: str) -> tuple[Tax, ...]:
    return (Tax("GST", Decimal("5")), Tax(name, Decimal(rate)))


_GST = (Tax("GST", Decimal("5")),)
JURISDICTIONS: dict[str, Jurisdiction] = {j.code: j for j in [
    Jurisdiction("AB", "Alberta", _GST),
    Jurisdiction("BC", "British Columbia", _gst_and("PST", "7")),
    Jurisdiction("MB", "Manitoba", _gst_and("RST", "7")),
    Jurisdiction("NB", "New Brunswick", (Tax("HST", Decimal("15")),)),
    Jurisdiction("NL", "Newfoundland and Labrador", (Tax("HST", Decimal("15")),)),
    Jurisdiction("NT", "Northwest Territories", _GST),
    Jurisdiction("NS", "Nova Scotia", (Tax("HST", Decimal("14")),)),
    Jurisdiction("NU", "Nunavut", _GST),
    Jurisdiction("ON", "Ontario", (Tax("HST", Decimal("13")),)),
    Jurisdiction("PE", "Prince Edward Island", (Tax("HST", Decimal("15")),)),
    Jurisdiction("QC", "Quebec", _gst_and("QST", "9.975")),
    Jurisdiction("SK", "Saskatchewan", _gst_and("PST", "6")),
    Jurisdiction("YT", "Yukon", _GST),
    Jurisdiction("US", "United States: no tax (type a state sales tax in if the contract bills one)", ()),
]}


@dataclass(frozen=True)
class TaxEntry:
    """One row of the taxes form, as typed."""

    name: str = ""
    rate: str = ""


def _read_rate(text: str, field: str) -> Decimal:
    cleaned = text.strip().removesuffix("%").strip()
    problem = Invalid(field, lazy_gettext("Enter a rate from 0 to %(most)s%%, with at most three decimals, like 9.975.",
                                          most=MAX_RATE))
    if not re.fullmatch(r"(?:\d+(?:\.\d*)?|\.\d+)", cleaned, re.ASCII):
        raise problem
    try:
        rate = Decimal(cleaned)
    except InvalidOperation:
        raise problem from None
    if rate > MAX_RATE or rate.as_tuple().exponent < -3:  # type: ignore[operator]
        raise problem
    return rate


def read_taxes(entries: list[TaxEntry]) -> list[Tax]:
    """The taxes typed in, rows left blank skipped; Invalid with a message per field (name_N, rate_N)."""
    if sum(1 for e in entries if e.name.strip() or e.rate.strip()) > MAX_TAXES:
        raise Invalid("taxes", lazy_gettext("A project has at most %(most)s taxes.", most=MAX_TAXES))
    seen: set[str] = set()
    checks = []
    for n, entry in enumerate(entries, start=1):
        name, rate = " ".join(entry.name.split()), entry.rate.strip()
        if not name and not rate:
            continue

        def check(n: int = n, name: str = name, rate: str = rate) -> Tax:
            problems: dict[str, str] = {}
            if not name:
                problems[f"name_{n}"] = gettext("Name the tax, like HST.")
            elif len(name) > MAX_NAME:
                problems[f"name_{n}"] = gettext("Name the tax in at most %(most)s characters.", most=MAX_NAME)
            elif name.lower() in seen:
                problems[f"name_{n}"] = gettext("Another tax is already called %(name)s: give each tax its own name.",
                                                 name=name)
            seen.add(name.lower())
            value = None
            try:
                value = _read_rate(rate, f"rate_{n}")
            except Invalid as refused:
                problems.update(refused.problems)
            if problems:
                first = next(iter(problems))
                raise Invalid(first, problems[first], more=problems)
            return Tax(name, value)  # type: ignore[arg-type]

        checks.append(check)
    return list(check_all(*checks))


def save_project_taxes(project: Project, taxes: list[Tax], by: User) -> bool:
    """Replace the project's taxes (admins only); audited. Claims already submitted keep their own."""
    require(can_admin_project(by, project), "Only an Admin on this project may change its taxes.")
    old = describe(project_taxes(project))
    new = describe(taxes)
    if old == new:
        return False
    project.taxes.clear()
    db.session.flush()  # the old rows go before the new take their positions
    project.taxes.extend(ProjectTax(position=n, name=t.name, rate=t.rate) for n, t in enumerate(taxes, start=1))
    audit.record(actor=by, entity_type="project", entity_id=project.id, project_id=project.id,
                 action="changed", field="taxes", old=old, new=new)
    db.session.commit()
    return True


def project_taxes(project: Project) -> tuple[Tax, ...]:
    return tuple(Tax(t.name, t.rate) for t in project.taxes)


def describe(taxes: tuple[Tax, ...] | list[Tax]) -> str:
    return ", ".join(t.label for t in taxes) or "none"


# --- GST/HST registration numbers ------------------------------------------------------------------

TAX_NUMBER_PROBLEM = N_("Enter the GST/HST number as 9 digits, RT and 4 digits, like 123456789RT0001.")
NO_TAX_NUMBER = N_("No GST/HST registration number on file")


def normalise_tax_number(text: str) -> str:
    """A GST/HST registration number as typed ("123 456 789 rt 0001") in its one form, or "" for none."""
    cleaned = re.sub(r"[\s-]+", "", text).upper()
    if not cleaned:
        return ""
    if not re.fullmatch(r"\d{9}RT\d{4}", cleaned, re.ASCII):
        raise Invalid("tax_number", lazy_gettext(TAX_NUMBER_PROBLEM))
    return cleaned


def billing_company(claim):  # type: ignore[no-untyped-def]
    """Who bills the claim, and so whose GST/HST number it carries: the vendor, or on a head contract
    claim the own company."""
    from domain import accounts

    return accounts.own_company() if claim.commitment.is_head_contract else claim.commitment.vendor


def registration(claim, taxes) -> str:  # type: ignore[no-untyped-def]
    """"GST/HST no. 123456789RT0001"; without a number on file, the note that says so when the claim bills
    tax; otherwise nothing."""
    company = billing_company(claim)
    if company is not None and company.tax_number:
        return gettext("GST/HST no. %(number)s", number=company.tax_number)
    return gettext(NO_TAX_NUMBER) if taxes else ""


# Sales taxes by their usual names: Canada's in French are TPS, TVH, TVQ and TVP; any other name as typed.
TAX_NAMES = {"GST": N_("GST"), "HST": N_("HST"), "QST": N_("QST"), "PST": N_("PST")}


def tax_label(tax: Tax | TaxFigure) -> str:
    """A tax's name and rate in the language being written: "HST 13%", in French "TVH 13 %" (the claim page,
    its PDF, exports and e-mails alike; the `tax_label` filter in templates)."""
    if current_language() == DEFAULT_LANGUAGE:
        return tax.label
    tax = tax.tax if isinstance(tax, TaxFigure) else tax
    name = gettext(TAX_NAMES[tax.name]) if tax.name in TAX_NAMES else tax.name
    rate = f"{tax.rate:f}"
    rate = rate.rstrip("0").rstrip(".") if "." in rate else rate
    return f"{name} {rate.replace('.', ',')}\u00a0%"
