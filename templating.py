"""What every template can use: the terms dictionary, money and date formatting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from flask import Flask, current_app, g, has_app_context, has_request_context
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context

from domain import accounts, dates, locales, permissions
from domain.models import ClaimStatus, Company, Dictionary, Project
from domain.money import format_money, format_money_in, format_number
from domain.periods import period_name, rule_words
from domain.sales_taxes import tax_label
from domain.statuses import shown
from domain.terms import Terms


def current_terms(project: Project | None = None) -> Terms:
    """The own company's dictionary, looked up once per request, in the words of `project`'s country
    (None: a page about no project)."""
    if "terms" not in g:
        user = current_user if has_request_context() else None  # e-mails render outside requests
        # Staff belong to the own company, already loaded with them; contacts need a look-up.
        staff = user is not None and user.is_authenticated and user.company.is_own
        company = user.company if staff else accounts.own_company()
        g.terms = Terms(company.dictionary if company else Dictionary.SPECIALTY)
        current_app.extensions["pb_dictionary"] = g.terms.dictionary  # for use_terms_without_database
    return g.terms.for_project(project)


class PageTerms:
    """`term` in templates: the request's words (current_terms) for the page's project, as money and dates
    follow it (page_locale), so that a Canadian project's pages say "Holdback" without a template knowing."""

    @staticmethod
    def _of(context: Context) -> Terms:
        return current_terms(context.get("project"))

    @pass_context
    def __call__(self, context: Context, key: str, plural: bool = False) -> str:
        return self._of(context)(key, plural)

    @pass_context
    def lower(self, context: Context, key: str, plural: bool = False) -> str:
        return self._of(context).lower(key, plural)

    @pass_context
    def previous_claims(self, context: Context, head_contract: bool) -> str:
        return self._of(context).previous_claims(head_contract)


def use_terms_without_database() -> Terms:
    """This request's words without a query (the database is down): the own company's dictionary as
    last seen, or the default one."""
    g.terms = Terms(current_app.extensions.get("pb_dictionary", Dictionary.SPECIALTY))
    return g.terms


def money_of(project: Project) -> Callable[[Decimal | None], str]:
    """How a page (or a flash message) about `project` writes its money: its currency, its locale."""
    return format_money_in(project.currency.value, locale_of(project))


def own_company_of_request() -> Company | None:
    """The own company, for what a page about no project follows (staff have it loaded already)."""
    user = current_user if has_request_context() else None
    staff = user is not None and user.is_authenticated and user.company.is_own
    return user.company if staff else accounts.own_company()


def locale_of(project: Project | None) -> str:
    """The locale of a page about `project` (None: a page about no project, which follows the own company),
    decided by domain/locales.locale_for from the language being written and the country; the company's is
    looked up once per request."""
    if project is not None:
        return locales.locale_for(project)
    if not has_app_context():
        return locales.DEFAULT_LOCALE
    language = locales.current_language()  # a request's, or an e-mail's rendered after it
    known = g.setdefault("_locales", {})
    if language not in known:
        known[language] = locales.locale_for(None, company=own_company_of_request(), language=language)
    return known[language]


def page_locale(context: Context) -> str:
    """The locale a page writes money and dates in: its project's, else the own company's."""
    return locale_of(context.get("project"))


@pass_context
def _money_filter(context: Context, value: Decimal | None, currency: str = "USD") -> str:
    return format_money(value, currency, page_locale(context))


def number(value: Decimal | None, places: int = 1) -> str:
    if value is None:
        return ""
    if not isinstance(value, Decimal):
        raise TypeError(f"numbers shown must be Decimal, not {type(value).__name__}")
    return f"{value:,.{places}f}"


@pass_context
def _number_filter(context: Context, value: Decimal | None, places: int = 1) -> str:
    """`number` in the page's locale: French writes "12,5" (and parse_percent reads it back)."""
    if value is None or not page_locale(context).startswith("fr"):
        return number(value, places)
    if not isinstance(value, Decimal):
        raise TypeError(f"numbers shown must be Decimal, not {type(value).__name__}")
    return format_number(value, places, "fr")


@pass_context
def _as_typed_filter(context: Context, value: object) -> object:
    """An amount put back into a form field, as the reader types it: French "1234,50" (parse_money reads it);
    anything else as it is (English str(Decimal), or text as it was typed)."""
    if isinstance(value, Decimal) and page_locale(context).startswith("fr"):
        return str(value).replace(".", ",")
    return value


# --- dates and times: domain/dates.py writes them; a page reads them in its project's zone ------------


def _this_year(time_zone: str | None) -> int:
    """The year it is in that zone, worked out once per request (or app context) and zone."""
    if not has_app_context():
        return dates.this_year(dates.zone(time_zone))
    years = g.setdefault("_this_years", {})
    if time_zone not in years:
        years[time_zone] = dates.this_year(dates.zone(time_zone))
    return years[time_zone]


def day(value: date | datetime | None, time_zone: str | None = None, locale: str = "en_US") -> str:
    return dates.day(value, time_zone, year=_this_year(time_zone), locale=locale) if value else ""


def moment(value: datetime | None, time_zone: str | None = None, locale: str = "en_US") -> str:
    return dates.moment(value, time_zone, year=_this_year(time_zone), locale=locale) if value else ""


def page_time_zone(context: Context) -> str:
    """The time zone a page shows times in: its project's, else the own company's (looked up once per
    request), else UTC."""
    return time_zone_of(context.get("project"))


def time_zone_of(project: object) -> str:
    """The time zone of a page about `project` (None: a page about no project); see page_time_zone."""
    if getattr(project, "time_zone", None):
        return project.time_zone
    if "time_zone" not in g:
        company = own_company_of_request()
        g.time_zone = company.time_zone if company else "UTC"
    return g.time_zone


@pass_context
def _day_filter(context: Context, value: date | datetime | None, time_zone: str | None = None) -> str:
    return day(value, time_zone or page_time_zone(context), page_locale(context))


@pass_context
def _moment_filter(context: Context, value: datetime | None, time_zone: str | None = None) -> str:
    return moment(value, time_zone or page_time_zone(context), page_locale(context))


# One colour per invite state and per claim state, wherever its badge shows: the classes are
# static/css/app.css's `.st-*` rules (text on background at least 4.5:1, tests/web/test_board_rows.py).
INVITE_BADGE = {key: f"st-{key}" for key in ("not_invited", "invited", "accepted", "declined")}
CLAIM_BADGE = {status.name.lower(): f"st-{status.name.lower()}" for status in ClaimStatus}


PAGE_TERMS = PageTerms()


def register_templating(app: Flask) -> None:
    # Block tags leave no blank lines behind: a 1,000-row page is a third smaller.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    from domain.board import reason_text
    from domain.clock import project_today
    from domain.prompt_dates import for_claim as claim_deadlines
    from domain.prompt_payment import HOLIDAYS_NOTE
    from domain.sales_taxes import registration

    app.jinja_env.filters.update(money=_money_filter, number=_number_filter, status=shown, as_typed=_as_typed_filter,
                                 day=_day_filter, moment=_moment_filter, period_name=period_name)
    app.jinja_env.filters["zone_words"] = dates.zone_words
    app.jinja_env.filters["tax_label"] = tax_label
    app.jinja_env.globals.update(reason_text=reason_text, rule_words=rule_words, zip=zip, invite_badge=INVITE_BADGE,
                                  claim_badge=CLAIM_BADGE, tax_registration=registration,
                                  claim_deadlines=claim_deadlines, project_today=project_today,
                                  holidays_note=HOLIDAYS_NOTE)

    @app.context_processor
    def _inject() -> dict[str, object]:
        # The menu shows Directory and Settings to company admins: a flag, decided in domain/permissions.py.
        company_admin = has_request_context() and permissions.is_company_admin(current_user)
        return {"term": PAGE_TERMS, "is_company_admin": company_admin}
