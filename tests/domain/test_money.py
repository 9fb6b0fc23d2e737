"""Money parsing and rounding (SPEC §6): Decimal only, half-up to cents in one place."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.money import cents, from_cents, parse_money, parse_percent, percent_of

NOT_A_NUMBER = "Enter a number, like 1250.00."
# Money typed the French way in an English form (issue 18): the same words, and which format is expected.
FRENCH_IN_ENGLISH = (f"{NOT_A_NUMBER} Amounts here are in English format: a comma between thousands, "
                     "a point before the cents.")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1,234.50", "1234.50"),
        ("$1234.5", "1234.50"),
        ("0", "0.00"),
        ("  12 ", "12.00"),
        ("$ 12", "12.00"),
        ("1,234,567.89", "1234567.89"),
        (".5", "0.50"),
        ("5.", "5.00"),
        ("0.01", "0.01"),
        # E may be a credit (SPEC §6 only forbids D + E < 0), so a sign is money.
        ("-250", "-250.00"),
        ("-$5", "-5.00"),
        ("+7", "7.00"),
        ("999999999999.99", "999999999999.99"),
    ],
)
def test_parse_money_accepts(typed: str, expected: str) -> None:
    value = parse_money(typed)
    assert type(value) is Decimal
    # str() pins the representation too: always exactly two decimals.
    assert str(value) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter an amount."),
        ("   ", "Enter an amount."),
        ("$", "Enter an amount."),
        (",", "Enter an amount."),
        ("abc", NOT_A_NUMBER),
        ("12abc", NOT_A_NUMBER),
        ("1.2.3", NOT_A_NUMBER),
        ("1 234", FRENCH_IN_ENGLISH),
        ("(5)", NOT_A_NUMBER),
        ("0x10", NOT_A_NUMBER),
        ("NaN", NOT_A_NUMBER),
        ("nan", NOT_A_NUMBER),
        ("sNaN", NOT_A_NUMBER),
        ("Infinity", NOT_A_NUMBER),
        ("-Infinity", NOT_A_NUMBER),
        ("inf", NOT_A_NUMBER),
        # Scientific notation is not how anyone types money.
        ("1e3", NOT_A_NUMBER),
        ("1E3", NOT_A_NUMBER),
        ("1.5e2", NOT_A_NUMBER),
        ("1e-2", NOT_A_NUMBER),
        # Python numeric-literal underscores and non-ASCII digits.
        ("1_000", NOT_A_NUMBER),
        ("\u0661\u0662", NOT_A_NUMBER),
        # A comma is a thousands separator, never a decimal comma: "1,5" must not become 15.00.
        ("1,5", FRENCH_IN_ENGLISH),
        ("12,34", FRENCH_IN_ENGLISH),
        ("1,23,456", NOT_A_NUMBER),
        ("1234,567", FRENCH_IN_ENGLISH),
        ("1.234", "Use at most two decimals (cents)."),
        ("0.005", "Use at most two decimals (cents)."),
        ("1000000000000", "Enter an amount below 1,000,000,000,000.00."),
        ("9" * 30, "Enter an amount below 1,000,000,000,000.00."),
    ],
)
def test_parse_money_refuses(typed: str, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_money(typed)
    assert str(refused.value) == message


@pytest.mark.parametrize("value", [1.005, 1, 0, "1.00", None])
def test_cents_refuses_anything_but_decimal(value: object) -> None:
    with pytest.raises(TypeError, match="money must be Decimal"):
        cents(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),  # half a cent rounds up
        ("0.00499", "0.00"),
        ("0.505", "0.51"),
        ("0.00525", "0.01"),
        ("2.675", "2.68"),  # a float would give 2.67 (2.67499999...)
        ("10", "10.00"),
        ("-0.005", "-0.01"),  # ROUND_HALF_UP is away from zero for a negative figure
        ("-0.004", "-0.00"),
    ],
)
def test_cents_rounds_half_up(value: str, expected: str) -> None:
    assert str(cents(Decimal(value))) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "0.00"),  # SUM over no rows
        (0, "0.00"),
        (1, "0.01"),
        (99, "0.99"),
        (123456, "1234.56"),
        (-5, "-0.05"),
        (12345.0, "123.45"),  # a driver may hand back the integer sum as a float
        (99999999999999, "999999999999.99"),
    ],
)
def test_from_cents(value: int | None, expected: str) -> None:
    result = from_cents(value)
    assert type(result) is Decimal
    assert str(result) == expected


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        ("0.00", "0.00", "0.0"),  # whole = 0: no division by zero
        ("150.00", "0.00", "0.0"),  # whole = 0 even with something billed
        ("0.00", "1000.00", "0.0"),
        ("1000.00", "1000.00", "100.0"),
        ("1.00", "3.00", "33.3"),  # 33.333...
        ("2.00", "3.00", "66.7"),  # 66.666...
        ("1.00", "8.00", "12.5"),
        ("0.01", "0.16", "6.3"),  # 6.25 -> half-up
        ("0.01", "0.32", "3.1"),  # 3.125 -> 3.1 (only the first decimal is kept)
        ("110.00", "100.00", "110.0"),  # over-billed
    ],
)
def test_percent_of(part: str, whole: str, expected: str) -> None:
    result = percent_of(Decimal(part), Decimal(whole))
    assert type(result) is Decimal
    assert str(result) == expected


PERCENT_PROBLEM = "Enter a percentage from 0 to 100. Use at most two decimals."


@pytest.mark.parametrize(("typed", "expected"), [("0", "0.00"), ("100", "100.00"), ("7.5", "7.50"), (" 8 ", "8.00"),
                                                 ("5%", "5.00"), ("7.25 %", "7.25"), (".5", "0.50"), ("50.", "50.00")])
def test_parse_percent_reads_a_plain_percentage(typed: str, expected: str) -> None:
    assert str(parse_percent(typed)) == expected


@pytest.mark.parametrize("typed", ["", "%", "-5", "-0", "+5", "100.01", "101", "33.333", "abc", "1e1", "NaN",
                                   "1,5", "$5", "٥", "5%%"])
def test_parse_percent_refuses_everything_else_with_one_message(typed: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_percent(typed)
    assert str(refused.value) == PERCENT_PROBLEM
