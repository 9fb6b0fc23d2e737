"""Money and dates in each locale a person may read them in (en_US, en_CA, fr_CA), and which locale and
currency a project gets: domain/money.py, domain/dates.py and domain/locales.py."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from babel.numbers import format_currency

from domain import dates
from domain.locales import LOCALES, company_country, currency_for, locale_for
from domain.models import Company, Country, Currency, Project
from domain.money import format_money, format_money_in

NB = "\xa0"  # Babel's no-break space, between digit groups and before the symbol in fr_CA

# (locale, currency, amount) -> what a person reads
WRITTEN = [
    ("en_US", "USD", "40837.5", "$40,837.50"),
    ("en_US", "USD", "-40837.5", "-$40,837.50"),
    ("en_US", "USD", "0", "$0.00"),
    ("en_US", "USD", "999999999999.99", "$999,999,999,999.99"),
    ("en_US", "CAD", "40837.5", "CA$40,837.50"),
    ("en_US", "CAD", "-0.01", "-CA$0.01"),
    ("en_US", "CAD", "0", "CA$0.00"),
    ("en_US", "CAD", "999999999999.99", "CA$999,999,999,999.99"),
    ("en_CA", "CAD", "40837.5", "$40,837.50"),
    ("en_CA", "CAD", "-40837.5", "-$40,837.50"),
    ("en_CA", "CAD", "0", "$0.00"),
    ("en_CA", "CAD", "999999999999.99", "$999,999,999,999.99"),
    ("en_CA", "USD", "40837.5", "US$40,837.50"),
    ("en_CA", "USD", "-2000", "-US$2,000.00"),
    ("en_CA", "USD", "0", "US$0.00"),
    ("en_CA", "USD", "999999999999.99", "US$999,999,999,999.99"),
    ("fr_CA", "CAD", "40837.5", f"40{NB}837,50{NB}$"),
    ("fr_CA", "CAD", "-40837.5", f"-40{NB}837,50{NB}$"),
    ("fr_CA", "CAD", "0", f"0,00{NB}$"),
    ("fr_CA", "CAD", "999999999999.99", f"999{NB}999{NB}999{NB}999,99{NB}$"),
    ("fr_CA", "USD", "40837.5", f"40{NB}837,50{NB}${NB}US"),
    ("fr_CA", "USD", "-0.5", f"-0,50{NB}${NB}US"),
    ("fr_CA", "USD", "0", f"0,00{NB}${NB}US"),
    ("fr_CA", "USD", "999999999999.99", f"999{NB}999{NB}999{NB}999,99{NB}${NB}US"),
]


@pytest.mark.parametrize(("locale", "currency", "amount", "expected"), WRITTEN)
def test_money_is_written_as_babel_writes_it_for_the_locale(locale: str, currency: str, amount: str,
                                                           expected: str) -> None:
    value = Decimal(amount)
    assert format_money(value, currency, locale) == expected
    assert format_money_in(currency, locale)(value) == expected  # the board's fast path writes the same
    assert expected == format_currency(value, currency, locale=locale)  # and it is Babel's own writing


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("currency", [c.value for c in Currency])
def test_the_fast_path_agrees_with_the_one_formatter_to_the_cent(locale: str, currency: str) -> None:
    fast = format_money_in(currency, locale)
    for amount in ("0.005", "-0.005", "1.005", "-1.005", "2.675", "-0.00", "0.004", "-0.004", "1234567.891",
                   "-1000000", "12.3"):
        assert fast(Decimal(amount)) == format_money(Decimal(amount), currency, locale), amount
    assert fast(None) == format_money(None, currency, locale) == ""


@pytest.mark.parametrize("locale", LOCALES)
def test_money_is_rounded_half_up_here_not_half_even_as_babel_would(locale: str) -> None:
    assert format_money(Decimal("2.125"), "CAD", locale) == format_money(Decimal("2.13"), "CAD", locale)
    assert format_money(Decimal("-0.00"), "CAD", locale) == format_money(Decimal("0"), "CAD", locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_money_is_decimal_only(locale: str) -> None:
    with pytest.raises(TypeError):
        format_money(1.5, "USD", locale)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_money_in("USD", locale)(1.5)  # type: ignore[arg-type]


# --- dates --------------------------------------------------------------------------------------------

DAY, AT = date(2025, 12, 3), datetime(2025, 12, 3, 19, 5)  # 19:05 UTC is 2:05 PM in Toronto


@pytest.mark.parametrize(("locale", "this_year", "other_year", "at"), [
    ("en_US", "Dec 3", "Dec 3, 2025", "Dec 3, 2025, 2:05 PM EST"),
    ("en_CA", "Dec 3", "Dec 3, 2025", "Dec 3, 2025, 2:05\u202fp.m. EST"),
    ("fr_CA", "3 déc.", "3 déc. 2025", "3 déc. 2025, 14 h 05 EST"),
])
def test_dates_are_written_for_the_locale(locale: str, this_year: str, other_year: str, at: str) -> None:
    assert dates.day(DAY, year=2025, locale=locale) == this_year
    assert dates.day(DAY, year=2026, locale=locale) == other_year
    assert dates.day(DAY, year=2025, full=True, locale=locale) == other_year  # a document always shows the year
    assert dates.moment(AT, "America/Toronto", year=2024, locale=locale) == at
    assert dates.day(None, locale=locale) == dates.moment(None, locale=locale) == ""


def test_en_us_dates_are_what_they_were_before_locales() -> None:
    assert dates.day(DAY, year=2025) == "Dec 3"
    assert dates.day(datetime(2025, 11, 30, 22, 5), "America/Los_Angeles", year=2025) == "Nov 30"
    assert dates.moment(datetime(2025, 11, 30, 22, 5), "America/Los_Angeles", year=2025) == "Nov 30, 2:05 PM PST"
    assert dates.moment(datetime(2025, 1, 9, 14, 0), "America/New_York", year=2026) == "Jan 9, 2025, 9:00 AM EST"


# --- which locale, which currency ---------------------------------------------------------------------


def test_the_locale_follows_the_project_s_country() -> None:
    assert locale_for(Project(country=Country.CA)) == "en_CA"
    assert locale_for(Project(country=Country.US)) == "en_US"


@pytest.mark.parametrize(("time_zone", "country", "locale"), [
    ("America/Toronto", Country.CA, "en_CA"), ("America/Vancouver", Country.CA, "en_CA"),
    ("America/St_Johns", Country.CA, "en_CA"), ("America/New_York", Country.US, "en_US"),
    ("America/Detroit", Country.US, "en_US"), ("Europe/Paris", Country.US, "en_US"),
])
def test_a_page_about_no_project_follows_the_company_s_country(time_zone: str, country: Country,
                                                              locale: str) -> None:
    company = Company(name="Own", is_own=True, time_zone=time_zone)
    assert company_country(company) is country
    assert locale_for(None, company=company) == locale


def test_every_canadian_zone_the_picker_offers_makes_a_canadian_company() -> None:
    for zone, _words in dates.NORTH_AMERICA["Canada"]:
        assert company_country(Company(name="Own", time_zone=zone)) is Country.CA, zone


def test_without_a_company_the_locale_is_en_us() -> None:
    assert locale_for(None) == "en_US" and company_country(None) is Country.US


def test_a_project_s_currency_follows_its_country() -> None:
    assert currency_for(Country.CA) is Currency.CAD
    assert currency_for(Country.US) is Currency.USD
