"""Which language a person reads, and which locale money and dates follow: the one place that decides both.

A language (issue 18) is a person's own setting, else the own company's default, else the browser's
Accept-Language among the supported ones, else English (blueprints/language.py asks in that order; anything
unsupported or malformed along the way is skipped, never an error). The locale combines the language with the
country: French reads fr_CA wherever the project is; English reads en_CA about a Canadian project and en_US
about any other. A page about no project (a list across projects) follows the own company's country. The
company has no country field yet, so its time zone says it: a company in one of Canada's zones is Canadian.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, has_app_context
from flask_babel import force_locale, get_locale

from domain.models import Company, Country, Currency, Project, User

LOCALES = ("en_US", "en_CA", "fr_CA")  # what money.format_money and dates.day are tested in
DEFAULT_LOCALE = "en_US"
# The languages a person may choose, each in its own words (a switch offers them that way).
LANGUAGES = {"en": "English", "fr": "Français"}
DEFAULT_LANGUAGE = "en"
# The catalogue each language reads (translations/<catalogue>/LC_MESSAGES); English is the msgids themselves.
CATALOGUES = {"en": "en", "fr": "fr_CA"}
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


def N_(text: str) -> str:  # noqa: N802 - gettext's name for "mark for the catalogue, translate later"
    """A text for the catalogue (`make messages` extracts it) kept as it is, translated where it is shown
    (the terms dictionary's words, messages kept in constants)."""
    return text


def supported(language: object) -> str | None:
    """A stored or posted language as one of LANGUAGES ("fr", "FR", "fr-CA", "fr_CA" are French), else None."""
    if not isinstance(language, str):
        return None
    code = language.strip().replace("_", "-").split("-", 1)[0].lower()
    return code if code in LANGUAGES else None


def from_accept_language(header: object) -> str | None:
    """The supported language a browser's Accept-Language header prefers, else None; a malformed header
    (or a part of one) is skipped, never an error. "fr-CA,fr;q=0.9,en;q=0.5" is French, "de, en;q=0.1"
    English, "*" or "de" nothing."""
    if not isinstance(header, str) or len(header) > 2000:
        return None
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        language = supported(tag) if tag.strip() != "*" else None
        if language is None:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = -1.0
                if not 0 <= quality <= 1:  # NaN, inf and out of range: not a preference
                    quality = -1.0
        if quality <= 0:
            continue
        if best is None or (quality, -position) > (best[0], -best[1]):
            best = (quality, position, language)
    return best[2] if best else None


def language_for(user: User | None = None, company: Company | None = None, header: object = None,
                 chosen: object = None) -> str:
    """The language a person reads: `user`'s own setting, else `chosen` (what an anonymous visitor picked
    with the switch), else the own `company`'s default, else the browser's `header`, else English. E-mails
    pass no header: a contact who never chose reads the company's default."""
    for candidate in (getattr(user, "language", None), chosen, getattr(company, "default_language", None)):
        language = supported(candidate)
        if language:
            return language
    return from_accept_language(header) or DEFAULT_LANGUAGE


def current_language() -> str:
    """The language of what is being made now: the request's (Flask-Babel's locale selector), or the one an
    e-mail is rendered in (flask_babel.force_locale); English outside an application."""
    if not has_app_context() or "babel" not in current_app.extensions:
        return DEFAULT_LANGUAGE
    locale = get_locale()
    if locale is None:
        return DEFAULT_LANGUAGE
    return supported(locale.language) or DEFAULT_LANGUAGE


@contextmanager
def writing(language: str | None) -> Iterator[str]:
    """Everything made inside (gettext, Terms, the status words) in `language`'s words, whatever the request's:
    a document downloaded in the reader's language, or attached to an e-mail in its recipient's. Yields the
    language, English for anything unsupported."""
    language = supported(language) or DEFAULT_LANGUAGE
    with force_locale(CATALOGUES[language]):
        yield language


def locale_for(project: Project | None, user: User | None = None, company: Company | None = None,
               language: str | None = None) -> str:
    """The locale a page (or e-mail, or document) about `project` is read in: `language` (else `user`'s own,
    else the current one) with the project's country; `company` is the own company, for a page about no
    project. French is fr_CA; English en_CA in Canada and en_US elsewhere."""
    language = supported(language) or supported(getattr(user, "language", None)) or current_language()
    if language == "fr":
        return "fr_CA"
    country = project.country if project is not None else company_country(company)
    return _COUNTRY_LOCALE.get(country, DEFAULT_LOCALE)


def currency_for(country: Country) -> Currency:
    """The currency a project in `country` bills in unless its admin chooses another."""
    return COUNTRY_CURRENCY[country]
