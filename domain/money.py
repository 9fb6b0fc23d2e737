"""Money is `Decimal`, rounded half-up to cents here and nowhere else (SPEC §6)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency
from flask_babel import gettext

from domain.locales import N_

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")
TENTH = Decimal("0.1")
MAX_AMOUNT = Decimal("999999999999.99")  # what a MONEY column, Numeric(14, 2), holds

# Plain decimal notation, ASCII digits, commas only as thousands separators.
_PLAIN_AMOUNT = re.compile(r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)", re.ASCII)
# French notation (fr_CA): a space between thousands, a comma before the cents. Spaces typed or pasted as no-break
# (U+00A0) or narrow no-break (U+202F, what Babel writes) are read as spaces first.
_FRENCH_AMOUNT = re.compile(r"[+-]?(?:(?:\d{1,3}(?: \d{3})+|\d+)(?:,\d*)?|,\d+)", re.ASCII)
_FRENCH_SPACES = re.compile("[ \u00a0\u202f]+")
# A percentage is unsigned plain decimal notation, ASCII digits, no thousands separators.
_PLAIN_PERCENT = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
PERCENT_PROBLEM = N_("Enter a percentage from 0 to 100. Use at most two decimals.")  # translated where raised


def cents(value: Decimal) -> Decimal:
    """Round half-up to whole cents."""
    if not isinstance(value, Decimal):
        raise TypeError(f"money must be Decimal, not {type(value).__name__}")
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(text: str, language: str | None = None) -> Decimal:
    """Parse what a person typed into Decimal, in the way of their `language` (None: the language of the
    request or e-mail being made, domain/locales.current_language): English "1,234.50", "$1234.5"; French
    "1 234,50", "1234,5 $" (spaces, no-break or narrow no-break spaces between thousands). Never through a
    float. ValueError if it is not money, saying which format is expected when it is money in the other one."""
    if language is None:
        from domain.locales import current_language

        language = current_language()
    french = language == "fr"
    cleaned = text.replace("$", "").strip()
    if french:
        cleaned = _FRENCH_SPACES.sub(" ", cleaned).strip()
    if not cleaned.replace(",", "").replace(" ", ""):
        raise ValueError(gettext("Enter an amount."))
    # Decimal() alone would also take "1e3", "1_000", "NaN" and non-ASCII digits, and
    # stripping every comma would read "1,5" as 15.00.
    plain, other = (_FRENCH_AMOUNT, _PLAIN_AMOUNT) if french else (_PLAIN_AMOUNT, _FRENCH_AMOUNT)
    if not plain.fullmatch(cleaned):
        if other.fullmatch(_FRENCH_SPACES.sub(" ", cleaned)):  # the other language's way: say which is expected
            raise ValueError(gettext("Enter a number, like 1 250,00. Amounts here are in French format: a space "
                                     "between thousands, a comma before the cents.") if french
                             else gettext("Enter a number, like 1250.00. Amounts here are in English format: a "
                                          "comma between thousands, a point before the cents."))
        raise ValueError(gettext("Enter a number, like 1 250,00.") if french
                         else gettext("Enter a number, like 1250.00."))
    value = Decimal(cleaned.replace(" ", "").replace(",", ".") if french else cleaned.replace(",", ""))
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(gettext("Use at most two decimals (cents)."))
    if abs(value) > MAX_AMOUNT:
        raise ValueError(gettext("Enter an amount below 1,000,000,000,000.00."))
    return value.quantize(CENT) + 0  # + 0 turns a typed "-0" into 0.00


def parse_percent(text: str) -> Decimal:
    """What a person typed ("10", "7.5 %") as a percentage from 0 to 100 with at most two decimals.

    Every percentage anywhere (retention, % complete, an imported file) is read here, with one
    rule and one message: no sign, no exponent, no separators; ValueError(PERCENT_PROBLEM) otherwise.
    """
    cleaned = text.strip().removesuffix("%").strip()
    if not _PLAIN_PERCENT.fullmatch(cleaned):
        raise ValueError(gettext(PERCENT_PROBLEM))
    value = Decimal(cleaned)
    if value.as_tuple().exponent < -2 or value > HUNDRED:  # type: ignore[operator]
        raise ValueError(gettext(PERCENT_PROBLEM))
    return value.quantize(CENT)


def percent_of(part: Decimal, whole: Decimal) -> Decimal:
    """part / whole as a percentage to one decimal; 0 when whole is 0."""
    if whole == 0:
        return Decimal("0.0")
    return (part * HUNDRED / whole).quantize(TENTH, rounding=ROUND_HALF_UP)


def sum_cents(column):  # type: ignore[no-untyped-def]
    """SQL: the sum of a money column as whole cents (an integer), exact on SQLite and PostgreSQL.

    SQLite keeps NUMERIC as floating point; summing integer cents keeps the total exact.
    Turn the result back into money with `from_cents`.
    """
    from sqlalchemy import BigInteger, cast, func

    return func.sum(cast(func.round(column * 100), BigInteger))


def as_cents(column):  # type: ignore[no-untyped-def]
    """SQL: one money value as whole cents (an integer)."""
    from sqlalchemy import BigInteger, cast, func

    return cast(func.round(column * 100), BigInteger)


def from_cents(value: int | None) -> Decimal:
    """Whole cents back into money: exact (a shift of the exponent), so no rounding."""
    return Decimal(int(value or 0)).scaleb(-2)


_SHAPE = re.compile(r"(\D*)1(?P<group>\D)234(?P=group)567(\D)89(\D*)")


@functools.lru_cache(maxsize=32)
def _shape(currency: str, locale: str) -> tuple[str, str, str, str, str, str] | None:
    """How Babel writes `currency` in `locale`, read once off two probes: (prefix, suffix, negative prefix,
    negative suffix, group separator, decimal separator); None when it is not "1,234,567.89"-shaped (then
    Babel itself writes every amount)."""
    shapes = [_SHAPE.fullmatch(format_currency(Decimal(probe), currency, locale=locale))
              for probe in ("1234567.89", "-1234567.89")]
    plus, minus = shapes
    if plus is None or minus is None or plus.group(2, 3) != minus.group(2, 3):
        return None
    return plus[1], plus[4], minus[1], minus[4], plus[2], plus[3]


def format_money(value: Decimal | None, currency: str = "USD", locale: str = "en_US") -> str:
    """An amount as Babel writes it in `locale` ("$1,234.50", "-$1,234.50"; en_CA "US$1,234.50"; fr_CA
    "1 234,50 $"), rounded half-up to cents first, without Babel's cost on a 1,000-row page. Pages (the
    `money` filter), e-mails, documents and exports write money with this one function (or, for many amounts
    in one currency, with `format_money_in`, which writes the same). The locale comes from
    domain/locales.locale_for."""
    if value is None:
        return ""
    if not isinstance(value, Decimal):
        raise TypeError(f"money must be Decimal, not {type(value).__name__}")
    shape = _shape(currency, locale)
    if shape is None:
        return format_currency(cents(value), currency, locale=locale)
    prefix, suffix, minus_prefix, minus_suffix, group, point = shape
    if value < 0:
        prefix, suffix = minus_prefix, minus_suffix
    digits = f"{cents(abs(value)):,.2f}"  # abs: -0.00 is $0.00
    if group != "," or point != ".":
        digits = digits.translate({44: group, 46: point})
    return f"{prefix}{digits}{suffix}"


def format_money_in(currency: str = "USD", locale: str = "en_US") -> Callable[[Decimal | None], str]:
    """format_money for one currency and locale, its shape looked up once: a 1,000-row board writes 3,000
    amounts."""
    shape = _shape(currency, locale)
    if shape is None:
        return lambda value: format_money(value, currency, locale)
    prefix, suffix, minus_prefix, minus_suffix, group, point = shape
    if group != "," or point != ".":  # fr_CA's "1 234,50 $": the general path, its shape cached
        return lambda value: format_money(value, currency, locale)

    def write(value: Decimal | None) -> str:
        if value.__class__ is not Decimal:  # None, a float, a subclass: the general path decides
            return format_money(value, currency, locale)
        if value < 0:
            return f"{minus_prefix}{(-value).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}{minus_suffix}"
        return f"{prefix}{abs(value).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}{suffix}"  # abs: -0.00 is $0.00

    return write
