"""The company's own settings: name, dictionary of words, default retention, invite message, time zone, default
language."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext

from domain import audit
from domain.dates import known_zones
from domain.directory import (
    MAX_INVITE_MESSAGE,
)
from domain.errors import Invalid
from domain.locales import supported
from domain.models import Company, Dictionary, User, db
from domain.money import PERCENT_PROBLEM
from domain.permissions import PermissionDenied, require_company_admin
from domain.sales_taxes import normalise_tax_number


@dataclass(frozen=True)
class CompanySettings:
    name: str
    dictionary: Dictionary
    default_retention_pct: Decimal
    invite_message: str
    time_zone: str
    two_step_required_for_admins: bool = False
    notary_block_on_pay_applications: bool = False
    tax_number: str = ""  # GST/HST registration number as typed (domain/sales_taxes.normalise_tax_number)
    default_language: str | None = None  # "en", "fr" (domain/locales.LANGUAGES); None: each browser's


def update_company_settings(company: Company, settings: CompanySettings, by: User) -> list[str]:
    """Save the own company's settings; returns the fields that changed, each recorded in the audit."""
    require_company_admin(by)
    if not company.is_own:
        raise PermissionDenied("Only the own company has settings.")
    if settings.time_zone not in known_zones():
        raise Invalid("time_zone", lazy_gettext("Choose a time zone from the list."))
    if not Decimal(0) <= settings.default_retention_pct <= Decimal(100):
        raise Invalid("default_retention_pct", lazy_gettext(PERCENT_PROBLEM))
    if len(settings.invite_message) > MAX_INVITE_MESSAGE:
        raise Invalid("invite_message", lazy_gettext("Keep the message to %(limit)s characters or fewer.",
                                                     limit=format(MAX_INVITE_MESSAGE, ",")))
    tax_number = normalise_tax_number(settings.tax_number)
    if settings.default_language is not None and supported(settings.default_language) != settings.default_language:
        raise Invalid("default_language", lazy_gettext("Choose a language from the list."))
    changed = audit.record_changes(company, {
        "name": settings.name.strip(),
        "dictionary": settings.dictionary,
        "default_retention_pct": settings.default_retention_pct,
        "invite_message": settings.invite_message,
        "time_zone": settings.time_zone,
        "two_step_required_for_admins": settings.two_step_required_for_admins,
        "notary_block_on_pay_applications": settings.notary_block_on_pay_applications,
        "tax_number": tax_number,
        "default_language": settings.default_language,
    }, by)
    db.session.commit()
    return changed


