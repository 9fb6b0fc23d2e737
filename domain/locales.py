"""Which locale a person reads money and dates in: the one place that decides it.

Until people choose a language of their own, a page about a Canadian project reads en_CA and every other
page en_US; a page about no project (a list across projects) follows the own company's country. The
company has no country field yet, so its time zone says it: a company in one of Canada's zones is Canadian.
"""

from __future__ import annotations

from domain.models import Company, Country, Currency, Project, User

LOCALES = ("en_US", "en_CA", "fr_CA")  # what money.format_money and dates.day are tested in
DEFAULT_LOCALE = "en_US"
# The currency a new project bills in when the admin leaves it to the country.
COUNTRY_CURRENCY = {Country.US: Currency.USD, Country.CA: Currency.CAD}
_COUNTRY_LOCALE = {Country.US: "en_US", Country.CA: "en_CA"}
# Canada's zones in the zone database (zone1970.tab, CA), for a company that has only a time zone.
CANADIAN_ZONES = frozenset({
    "America/St_Johns", "America/Halifax", "America/Glace_Bay", "America/Moncton", "America/Goose_Bay",
    "America/Toronto", "America/Montreal", "America/Nipigon", "America/Thunder_Bay", "America/Iqaluit",
    "America/Pangnirtung", "America/Atikokan", "America/Winnipeg", "America/Rainy_River",
    "America/Resolute", "America/Rankin_Inlet", "America/Regina", "America/Swift_Current",
    "America/Edmonton", "America/Cambridge_Bay", "America/Yellowknife", "America/Inuvik",
    "America/Creston", "America/Dawson_Creek", "America/Fort_Nelson", "America/Whitehorse",
    "America/Dawson", "America/Vancouver", "America/Blanc-Sablon",
    "Canada/Atlantic", "Canada/Central", "Canada/Eastern", "Canada/Mountain", "Canada/Newfoundland",
    "Canada/Pacific", "Canada/Saskatchewan", "Canada/Yukon",
})


def company_country(company: Company | None) -> Country:
    """The own company's country, read from its time zone (United States when there is none)."""
    return Country.CA if company is not None and company.time_zone in CANADIAN_ZONES else Country.US


def locale_for(project: Project | None, user: User | None = None, company: Company | None = None) -> str:
    """The locale `user` reads a page (or e-mail, or document) about `project` in; `company` is the own
    company, for a page about no project. `user` is not consulted yet: it is where a person's own language
    will come in."""
    country = project.country if project is not None else company_country(company)
    return _COUNTRY_LOCALE.get(country, DEFAULT_LOCALE)


def currency_for(country: Country) -> Currency:
    """The currency a project in `country` bills in unless its admin chooses another."""
    return COUNTRY_CURRENCY[country]
