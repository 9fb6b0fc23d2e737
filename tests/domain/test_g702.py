"""The G702/G703 arithmetic (SPEC §6), pure: hand-computed examples and properties.

Expected values are worked out by hand in the comments, never with the code under test.
Figures are compared as strings so that "0" and "0.00" are told apart: every money figure
must come out with exactly two decimals and every percentage with one.
"""

from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.g702 import ClaimTotals, LineFigures, LineInput, claim_totals, line_figures, work_from_percent

# Percent fields are shown to one decimal; every other field is money, to the cent.
PERCENT_FIELDS = {"percent_complete"}


def line(c: str, d: str, e: str, f: str, retention: str = "10.00", stored_retention: str | None = None) -> LineInput:
    return LineInput(
        scheduled_value=Decimal(c),
        previous=Decimal(d),
        this_period=Decimal(e),
        stored=Decimal(f),
        retention_pct=Decimal(retention),
        stored_retention_pct=Decimal(stored_retention if stored_retention is not None else retention),
    )


def as_text(figures: LineFigures | ClaimTotals) -> dict[str, str]:
    return {field.name: str(getattr(figures, field.name)) for field in dataclasses.fields(figures)}


def assert_exact_decimals(figures: LineFigures | ClaimTotals) -> None:
    for field in dataclasses.fields(figures):
        value = getattr(figures, field.name)
        if field.name == "taxes":  # the sales taxes after line 8: amounts to the cent
            assert all(type(t.amount) is Decimal and t.amount.as_tuple().exponent == -2 for t in value)
            continue
        assert type(value) is Decimal, f"{field.name} is {type(value).__name__}"
        assert value.is_finite(), field.name
        places = 1 if field.name in PERCENT_FIELDS else 2
        assert value.as_tuple().exponent == -places, f"{field.name} = {value!r}"


# --- G703 lines ------------------------------------------------------------------------

LINE_CASES = {
    # Nothing billed: G = 0, H = C, no retention.
    "nothing billed (0%)": (
        line("10000.00", "0.00", "0.00", "0.00"),
        {"G": "0.00", "pct": "0.0", "H": "10000.00", "rw": "0.00", "rs": "0.00", "I": "0.00"},
    ),
    # 20000 + 5000 = 25000 = C, so H = 0; retention 10% x 25000 = 2500.00.
    "100% complete": (
        line("25000.00", "20000.00", "5000.00", "0.00"),
        {"G": "25000.00", "pct": "100.0", "H": "0.00", "rw": "2500.00", "rs": "0.00", "I": "2500.00"},
    ),
    # D + E = 3000 + 1500 = 4500; G = 4500; 4500 / 12000 = 37.5%; H = 7500;
    # retention 5% x 4500 = 225.00.
    "previous D and this period E": (
        line("12000.00", "3000.00", "1500.00", "0.00", "5.00"),
        {"G": "4500.00", "pct": "37.5", "H": "7500.00", "rw": "225.00", "rs": "0.00", "I": "225.00"},
    ),
    # D + E = 15000, F = 8000, G = 23000 = 46.0% of 50000; H = 27000;
    # work 10% x 15000 = 1500.00, stored 5% x 8000 = 400.00, I = 1900.00.
    "stored materials at a different %": (
        line("50000.00", "10000.00", "5000.00", "8000.00", "10.00", "5.00"),
        {"G": "23000.00", "pct": "46.0", "H": "27000.00", "rw": "1500.00", "rs": "400.00", "I": "1900.00"},
    ),
    # Stored materials only, retention on stored 0%: 2500 of 10000 = 25.0%.
    "stored materials without retention": (
        line("10000.00", "0.00", "0.00", "2500.00", "10.00", "0.00"),
        {"G": "2500.00", "pct": "25.0", "H": "7500.00", "rw": "0.00", "rs": "0.00", "I": "0.00"},
    ),
    # 10% x 0.05 = 0.005 -> 0.01 (half-up); G 0.05 of 1.00 = 5.0%.
    "half a cent: 10% of 0.05": (
        line("1.00", "0.00", "0.05", "0.00"),
        {"G": "0.05", "pct": "5.0", "H": "0.95", "rw": "0.01", "rs": "0.00", "I": "0.01"},
    ),
    # 10% x 0.04 = 0.004 -> 0.00 (below half a cent rounds down).
    "under half a cent: 10% of 0.04": (
        line("1.00", "0.00", "0.04", "0.00"),
        {"G": "0.04", "pct": "4.0", "H": "0.96", "rw": "0.00", "rs": "0.00", "I": "0.00"},
    ),
    # D + E = 10.00 + 0.10 = 10.10; 5% x 10.10 = 0.505 -> 0.51; 10.10 / 100 = 10.1%.
    "half a cent: 5% of 10.10": (
        line("100.00", "10.00", "0.10", "0.00", "5.00"),
        {"G": "10.10", "pct": "10.1", "H": "89.90", "rw": "0.51", "rs": "0.00", "I": "0.51"},
    ),
    # Stored at 7.5%: 7.5% x 0.07 = 0.00525 -> 0.01; work 10% x 0 = 0.
    "7.5% of 0.07 stored": (
        line("1.00", "0.00", "0.00", "0.07", "10.00", "7.50"),
        {"G": "0.07", "pct": "7.0", "H": "0.93", "rw": "0.00", "rs": "0.01", "I": "0.01"},
    ),
    # Work and stored are each rounded before they are added (so 5a + 5b = 5 on the G702):
    # 10% x 0.05 = 0.005 -> 0.01 twice, I = 0.02 (10% of the 0.10 together would be 0.01).
    "work and stored rounded separately": (
        line("1.00", "0.00", "0.05", "0.05"),
        {"G": "0.10", "pct": "10.0", "H": "0.90", "rw": "0.01", "rs": "0.01", "I": "0.02"},
    ),
    # % complete to one decimal: 1.00 / 3.00 = 33.333...% -> 33.3.
    "percent 33.3": (
        line("3.00", "1.00", "0.00", "0.00"),
        {"G": "1.00", "pct": "33.3", "H": "2.00", "rw": "0.10", "rs": "0.00", "I": "0.10"},
    ),
    # 2.00 / 3.00 = 66.666...% -> 66.7; retention 10% x 2.00 = 0.20.
    "percent 66.7": (
        line("3.00", "1.00", "1.00", "0.00"),
        {"G": "2.00", "pct": "66.7", "H": "1.00", "rw": "0.20", "rs": "0.00", "I": "0.20"},
    ),
    # 0.01 / 0.16 = 6.25% -> 6.3 (half-up); 10% x 0.01 = 0.001 -> 0.00.
    "percent at half a tenth": (
        line("0.16", "0.00", "0.01", "0.00"),
        {"G": "0.01", "pct": "6.3", "H": "0.15", "rw": "0.00", "rs": "0.00", "I": "0.00"},
    ),
    # A line whose scheduled value was deducted to 0 shows 0.0%, not a division error.
    "scheduled value 0": (
        line("0.00", "0.00", "0.00", "0.00"),
        {"G": "0.00", "pct": "0.0", "H": "0.00", "rw": "0.00", "rs": "0.00", "I": "0.00"},
    ),
    # A credit this period: 500 - 100 = 400 to date; 10% x 400 = 40.00; 400 / 1000 = 40.0%.
    "negative E (credit)": (
        line("1000.00", "500.00", "-100.00", "0.00"),
        {"G": "400.00", "pct": "40.0", "H": "600.00", "rw": "40.00", "rs": "0.00", "I": "40.00"},
    ),
    # Over-billing is refused by the claim service, not here: the arithmetic still adds up.
    # G = 110 of 100 = 110.0%; H = 100 - 110 = -10.00; 10% x 110 = 11.00.
    "over-billed": (
        line("100.00", "0.00", "110.00", "0.00"),
        {"G": "110.00", "pct": "110.0", "H": "-10.00", "rw": "11.00", "rs": "0.00", "I": "11.00"},
    ),
}


@pytest.mark.parametrize(("given_line", "expected"), LINE_CASES.values(), ids=LINE_CASES.keys())
def test_line_figures(given_line: LineInput, expected: dict[str, str]) -> None:
    figures = line_figures(given_line)

    assert as_text(figures) == {
        "scheduled_value": str(given_line.scheduled_value),
        "previous": str(given_line.previous),
        "this_period": str(given_line.this_period),
        "stored": str(given_line.stored),
        "completed_and_stored": expected["G"],
        "percent_complete": expected["pct"],
        "balance_to_finish": expected["H"],
        "retention_work": expected["rw"],
        "retention_stored": expected["rs"],
        "retention": expected["I"],
    }
    assert_exact_decimals(figures)


def test_work_completed_to_date_is_d_plus_e() -> None:
    # 3000.00 + 1500.00 = 4500.00; stored materials are not work.
    figures = line_figures(line("12000.00", "3000.00", "1500.00", "800.00"))
    assert str(figures.work_completed_to_date) == "4500.00"


# --- E from a % complete to date -------------------------------------------------------


@pytest.mark.parametrize(
    ("c", "d", "pct", "expected_e"),
    [
        # 10000 x 35% = 3500.00; 3500 - 2000 = 1500.00.
        ("10000.00", "2000.00", "35", "1500.00"),
        # 0% on a line with previous work: E takes it all back, 0 - 200 = -200.00.
        ("1000.00", "200.00", "0", "-200.00"),
        # 100%: E is what is left, 2500 - 1000 = 1500.00.
        ("2500.00", "1000.00", "100", "1500.00"),
        # Same % as already billed: E = 0.
        ("8000.00", "2000.00", "25", "0.00"),
        # 0.10 x 5% = 0.005 -> 0.01 (half-up).
        ("0.10", "0.00", "5", "0.01"),
        # 10.10 x 5% = 0.505 -> 0.51; 0.51 - 0.50 = 0.01.
        ("10.10", "0.50", "5", "0.01"),
        # 333.33 x 50% = 166.665 -> 166.67.
        ("333.33", "0.00", "50", "166.67"),
        # 100.00 x 12.345% = 12.345 -> 12.35.
        ("100.00", "0.00", "12.345", "12.35"),
        # 100.00 x 12.344% = 12.344 -> 12.34.
        ("100.00", "0.00", "12.344", "12.34"),
        # 1000.00 x 33.33% = 333.30; 333.30 - 100.00 = 233.30.
        ("1000.00", "100.00", "33.33", "233.30"),
    ],
)
def test_work_from_percent(c: str, d: str, pct: str, expected_e: str) -> None:
    e = work_from_percent(Decimal(c), Decimal(d), Decimal(pct))
    assert type(e) is Decimal
    assert str(e) == expected_e


# --- G702 lines 1-9 --------------------------------------------------------------------


# G702 lines in the order of the sheet, then two figures the pages show.
G702_FIELDS = (
    "original_contract_sum",  # 1
    "net_change_orders",  # 2
    "contract_sum_to_date",  # 3
    "total_completed_and_stored",  # 4
    "retention_work",  # 5a
    "retention_stored",  # 5b
    "retention_total",  # 5
    "earned_less_retention",  # 6
    "previous_claims",  # 7
    "current_amount_due",  # 8
    "balance_to_finish_including_retention",  # 9
    "work_completed_to_date",  # sum of D + E
    "percent_complete",  # 4 / 3
)


def totals(figures: str) -> dict[str, str]:
    """'1 2 3 4 5a 5b 5 6 7 8 9 work-to-date %' as a field -> text mapping."""
    return dict(zip(G702_FIELDS, figures.split(), strict=True))


CLAIM_CASES = {
    # Three lines with approved change orders and an earlier Approved claim.
    #   A: original 40000, no change;  C 40000, D 10000, E 6000,    F 0
    #      G 16000.00; work 10% x 16000 = 1600.00
    #   B: original 20000, +5000 CO;   C 25000, D 5000,  E 2500,    F 3000 (stored at 5%)
    #      G 10500.00; work 10% x 7500 = 750.00; stored 5% x 3000 = 150.00
    #   C: original 15000, -2500 CO;   C 12500, D 0,     E 1250.55, F 0
    #      G 1250.55; work 10% x 1250.55 = 125.055 -> 125.06
    # 1 = 40000 + 20000 + 15000 = 75000.00
    # 3 = 40000 + 25000 + 12500 = 77500.00;  2 = 3 - 1 = 2500.00
    # 4 = 16000 + 10500 + 1250.55 = 27750.55
    # 5a = 1600 + 750 + 125.06 = 2475.06;  5b = 150.00;  5 = 2625.06
    # 6 = 27750.55 - 2625.06 = 25125.49
    # 7 = the earlier claim's line 6: D then was 10000 + 5000 = 15000, less 10% = 13500.00
    # 8 = 25125.49 - 13500.00 = 11625.49
    # 9 = 77500.00 - 25125.49 = 52374.51
    # work to date = 16000 + 7500 + 1250.55 = 24750.55;  4 / 3 = 27750.55 / 77500 = 35.807...% -> 35.8
    "three lines, change orders, previous claim": (
        [
            line("40000.00", "10000.00", "6000.00", "0.00"),
            line("25000.00", "5000.00", "2500.00", "3000.00", "10.00", "5.00"),
            line("12500.00", "0.00", "1250.55", "0.00"),
        ],
        "75000.00",
        "13500.00",
        totals(
            "75000.00 2500.00 77500.00 27750.55 2475.06 150.00 2625.06"  # 1-5
            " 25125.49 13500.00 11625.49 52374.51 24750.55 35.8"  # 6-9, work to date, %
        ),
    ),
    # First claim, nothing billed: 1 = 3 = 9 = 6000.00, everything else 0.
    "first claim, nothing billed": (
        [line("5000.00", "0.00", "0.00", "0.00"), line("1000.00", "0.00", "0.00", "0.00")],
        "6000.00",
        None,
        totals("6000.00 0.00 6000.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 6000.00 0.00 0.0"),
    ),
    # First claim (no line 7): 4 = 2000 + 500 = 2500; 5 = 200 + 50 = 250; 6 = 2250.00 = 8.
    # 9 = 6000 - 2250 = 3750.00; 2500 / 6000 = 41.666...% -> 41.7.
    "first claim": (
        [line("5000.00", "0.00", "2000.00", "0.00"), line("1000.00", "0.00", "500.00", "0.00")],
        "6000.00",
        None,
        totals("6000.00 0.00 6000.00 2500.00 250.00 0.00 250.00 2250.00 0.00 2250.00 3750.00 2500.00 41.7"),
    ),
    # All complete, retention still held. G: 900 + 100 = 1000; 433.33 + 66.67 = 500.00; 4 = 1500.00.
    # 5 = 10% x 1000 + 10% x 500 = 100.00 + 50.00 = 150.00; 6 = 1350.00.
    # 7: the earlier claim had 900 + 433.33 = 1333.33 less 90.00 + 43.33 (43.333) = 1200.00.
    # 8 = 1350 - 1200 = 150.00; 9 = 1500 - 1350 = 150.00, the retention still held.
    "100% complete, retention held": (
        [line("1000.00", "900.00", "100.00", "0.00"), line("500.00", "433.33", "66.67", "0.00")],
        "1500.00",
        "1200.00",
        totals("1500.00 0.00 1500.00 1500.00 150.00 0.00 150.00 1350.00 1200.00 150.00 150.00 1500.00 100.0"),
    ),
    # A deductive change order: 1 = 10000, 3 = 8000, 2 = -2000.00. 4 = 2000; 5 = 10% = 200;
    # 6 = 1800; 7 = 3000 less 10% = 2700 (more was approved before), 8 = 1800 - 2700 = -900.00;
    # 9 = 8000 - 1800 = 6200.00; 2000 / 8000 = 25.0%.
    "deductive change order, negative amount due": (
        [line("8000.00", "3000.00", "-1000.00", "0.00")],
        "10000.00",
        "2700.00",
        totals("10000.00 -2000.00 8000.00 2000.00 200.00 0.00 200.00 1800.00 2700.00 -900.00 6200.00 2000.00 25.0"),
    ),
    # No lines at all: every figure 0, % complete 0.0 (no division by zero).
    "no lines": (
        [],
        "0.00",
        None,
        totals("0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.0"),
    ),
}


@pytest.mark.parametrize(("lines", "original", "previous", "expected"), CLAIM_CASES.values(), ids=CLAIM_CASES.keys())
def test_claim_totals(lines: list[LineInput], original: str, previous: str | None, expected: dict[str, str]) -> None:
    kwargs = {} if previous is None else {"previous_earned_less_retention": Decimal(previous)}
    result = claim_totals([line_figures(each) for each in lines], original_contract_sum=Decimal(original), **kwargs)

    # The G702 lines, by hand; the G703 column totals (this period, stored, balance) are the sums of the
    # lines, checked for any lines below.
    shown = as_text(result)
    assert set(shown) - set(expected) == {"previous", "this_period", "stored", "balance_to_finish", "taxes",
                                          "retention_released"}
    assert shown["retention_released"] == "0.00"  # nothing released: line 5 is the sum of column I
    assert {k: v for k, v in shown.items() if k in expected} == expected
    assert_exact_decimals(result)


# --- Properties over random lines ------------------------------------------------------

money = st.decimals(places=2, min_value=0, max_value=10**9, allow_nan=False, allow_infinity=False)
percent = st.decimals(places=2, min_value=0, max_value=100, allow_nan=False, allow_infinity=False)
HALF_CENT = Decimal("0.005")


@st.composite
def line_inputs(draw: st.DrawFn) -> LineInput:
    return LineInput(
        scheduled_value=draw(money),
        previous=draw(money),
        this_period=draw(money),
        stored=draw(money),
        retention_pct=draw(percent),
        stored_retention_pct=draw(percent),
    )


@given(line_inputs())
def test_line_adds_up(given_line: LineInput) -> None:
    figures = line_figures(given_line)

    assert_exact_decimals(figures)
    assert figures.completed_and_stored == given_line.previous + given_line.this_period + given_line.stored
    assert figures.balance_to_finish + figures.completed_and_stored == figures.scheduled_value
    assert figures.retention == figures.retention_work + figures.retention_stored
    # E >= 0 here, so to date never falls below what was billed before.
    assert figures.work_completed_to_date >= figures.previous
    assert figures.completed_and_stored >= figures.previous


@given(line_inputs())
def test_retention_is_within_half_a_cent(given_line: LineInput) -> None:
    figures = line_figures(given_line)
    exact_work = (given_line.previous + given_line.this_period) * given_line.retention_pct / 100
    exact_stored = given_line.stored * given_line.stored_retention_pct / 100

    assert abs(figures.retention_work - exact_work) <= HALF_CENT
    assert abs(figures.retention_stored - exact_stored) <= HALF_CENT
    # At most 100%, retention never exceeds what it is held on.
    assert Decimal(0) <= figures.retention_work <= figures.work_completed_to_date
    assert Decimal(0) <= figures.retention_stored <= figures.stored


@given(st.lists(line_inputs(), max_size=8), money, money, money)
def test_claim_totals_are_sums_of_the_shown_lines(lines: list[LineInput], original: Decimal, previous: Decimal,
                                                  released: Decimal) -> None:
    figures = [line_figures(each) for each in lines]
    released = min(released, sum((f.retention for f in figures), Decimal("0.00")))  # never more than is held
    result = claim_totals(figures, original_contract_sum=original, previous_earned_less_retention=previous,
                          retention_released=released)

    assert_exact_decimals(result)
    for each in figures:
        assert_exact_decimals(each)
    assert result.original_contract_sum == original  # 1
    assert result.contract_sum_to_date == sum(f.scheduled_value for f in figures)  # 3
    assert result.net_change_orders == result.contract_sum_to_date - original  # 2 = 3 - 1
    assert result.total_completed_and_stored == sum(f.completed_and_stored for f in figures)  # 4 = sum G
    assert result.retention_by_lines == sum(f.retention for f in figures)  # sum I
    assert result.retention_total == result.retention_by_lines - released  # 5 = sum I less the released (5c)
    assert result.this_period == sum(f.this_period for f in figures)  # sum E
    assert result.stored == sum(f.stored for f in figures)  # sum F
    assert result.balance_to_finish == sum(f.balance_to_finish for f in figures)  # sum H
    assert result.retention_work == sum(f.retention_work for f in figures)  # 5a
    assert result.retention_stored == sum(f.retention_stored for f in figures)  # 5b
    assert result.retention_total == result.retention_work + result.retention_stored - result.retention_released
    assert result.earned_less_retention == result.total_completed_and_stored - result.retention_total  # 6 = 4 - 5
    assert result.previous_claims == previous  # 7
    assert result.current_amount_due == result.earned_less_retention - result.previous_claims  # 8 = 6 - 7
    assert result.balance_to_finish_including_retention == (
        result.contract_sum_to_date - result.earned_less_retention
    )  # 9 = 3 - 6
    assert result.work_completed_to_date == sum(f.work_completed_to_date for f in figures)


@given(money, money, percent)
def test_work_from_percent_lands_on_the_rounded_to_date(c: Decimal, d: Decimal, pct: Decimal) -> None:
    e = work_from_percent(c, d, pct)
    exact_to_date = c * pct / 100

    assert type(e) is Decimal
    assert e.as_tuple().exponent == -2
    assert d + e == exact_to_date.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert abs(d + e - exact_to_date) <= HALF_CENT


@given(money, money)
def test_work_from_percent_at_100_bills_the_rest(c: Decimal, d: Decimal) -> None:
    assert d + work_from_percent(c, d, Decimal("100")) == c
