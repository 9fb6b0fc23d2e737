"""Money is `Decimal`, rounded half-up to cents here and nowhere else (SPEC §6)."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")
TENTH = Decimal("0.1")
MAX_AMOUNT = Decimal("999999999999.99")  # what a MONEY column, Numeric(14, 2), holds

# Plain decimal notation, ASCII digits, commas only as thousands separators.
_PLAIN_AMOUNT = re.compile(r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)", re.ASCII)
# A percentage is unsigned plain decimal notation, ASCII digits, no thousands separators.
_PLAIN_PERCENT = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
PERCENT_PROBLEM = "Enter a percentage from 0 to 100. Use at most two decimals."


def cents(value: Decimal) -> Decimal:
    """Round half-up to whole cents."""
    if not isinstance(value, Decimal):
        raise TypeError(f"money must be Decimal, not {type(value).__name__}")
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(text: str) -> Decimal:
    """Parse what a person typed ("1,234.50", "$1234.5") into Decimal; ValueError if it is not money."""
    cleaned = text.replace("$", "").strip()
    if not cleaned.replace(",", ""):
        raise ValueError("Enter an amount.")
    # Decimal() alone would also take "1e3", "1_000", "NaN" and non-ASCII digits, and
    # stripping every comma would read "1,5" as 15.00.
    if not _PLAIN_AMOUNT.fullmatch(cleaned):
        raise ValueError("Enter a number, like 1250.00.")
    value = Decimal(cleaned.replace(",", ""))
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError("Use at most two decimals (cents).")
    if abs(value) > MAX_AMOUNT:
        raise ValueError("Enter an amount below 1,000,000,000,000.00.")
    return value.quantize(CENT) + 0  # + 0 turns a typed "-0" into 0.00


def parse_percent(text: str) -> Decimal:
    """What a person typed ("10", "7.5 %") as a percentage from 0 to 100 with at most two decimals.

    Every percentage anywhere (retention, % complete, an imported file) is read here, with one
    rule and one message: no sign, no exponent, no separators; ValueError(PERCENT_PROBLEM) otherwise.
    """
    cleaned = text.strip().removesuffix("%").strip()
    if not _PLAIN_PERCENT.fullmatch(cleaned):
        raise ValueError(PERCENT_PROBLEM)
    value = Decimal(cleaned)
    if value.as_tuple().exponent < -2 or value > HUNDRED:  # type: ignore[operator]
        raise ValueError(PERCENT_PROBLEM)
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


# Babel's en_US symbols for the currencies a project can use; others go through Babel itself.
SYMBOLS = {"USD": "$", "CAD": "CA$"}


def format_money(value: Decimal | None, currency: str = "USD") -> str:
    """$1,234.50 or -$1,234.50, as Babel's en_US says it, without its cost on a 1,000-row page.
    Pages (the `money` filter) and e-mails write money with this one function (or, for many amounts
    in one currency, with `format_money_in`, which writes the same)."""
    if value is None:
        return ""
    if not isinstance(value, Decimal):
        raise TypeError(f"money must be Decimal, not {type(value).__name__}")
    symbol = SYMBOLS.get(currency)
    if symbol is None:
        return format_currency(value, currency, locale="en_US")
    return f"{'-' if value < 0 else ''}{symbol}{cents(abs(value)):,.2f}"


def format_money_in(currency: str = "USD") -> Callable[[Decimal | None], str]:
    """format_money for one currency, its symbol looked up once: a 1,000-row board writes 3,000 amounts."""
    symbol = SYMBOLS.get(currency)
    if symbol is None:
        return lambda value: format_money(value, currency)
    minus = f"-{symbol}"

    def write(value: Decimal | None) -> str:
        if value.__class__ is not Decimal:  # None, a float, a subclass: the general path decides
            return format_money(value, currency)
        if value < 0:
            return f"{minus}{(-value).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"
        return f"{symbol}{abs(value).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"  # abs: -0.00 is $0.00

    return write
