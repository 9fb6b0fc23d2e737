"""Sales taxes on line 8 (issue 17), worked out by hand to the cent, and the checks on what is typed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import Invalid
from domain.g702 import LineInput, Tax, claim_totals, line_figures
from domain.sales_taxes import JURISDICTIONS, TaxEntry, normalise_tax_number, read_taxes

D = Decimal
HST = Tax("HST", D("13"))
GST = Tax("GST", D("5"))
QST = Tax("QST", D("9.975"))


def _totals(this_period: str, retention: str, *taxes: Tax, previous_claims: str = "0.00", previous: str = "0.00"):
    line = line_figures(LineInput(scheduled_value=D("100000.00"), previous=D(previous), this_period=D(this_period),
                                  stored=D("0.00"), retention_pct=D(retention), stored_retention_pct=D(retention)))
    return claim_totals([line], original_contract_sum=D("100000.00"),
                        previous_earned_less_retention=D(previous_claims), taxes=taxes)


def test_hst_13_on_a_claim_with_10_percent_retention_taxes_the_work_less_the_retention():
    # 4 = 12,345.67; 5 = 10% = 1,234.567 -> 1,234.57; 6 = 8 = 11,111.10
    # HST = 13% x 11,111.10 = 1,444.443 -> 1,444.44; due with tax 11,111.10 + 1,444.44 = 12,555.54
    t = _totals("12345.67", "10", HST)
    assert (t.retention_total, t.current_amount_due) == (D("1234.57"), D("11111.10"))
    assert [(x.label, x.amount) for x in t.taxes] == [("HST 13%", D("1444.44"))]
    assert t.current_amount_due_with_tax == D("12555.54")


def test_gst_and_qst_each_rounded_once_half_up_on_its_own():
    # base 11,111.10: GST 5% = 555.555 -> 555.56 (half up at .005); QST 9.975% = 1,108.332225 -> 1,108.33
    # due with tax 11,111.10 + 555.56 + 1,108.33 = 12,774.99 (the combined 14.975% would give 1,663.89 either way)
    t = _totals("12345.67", "10", GST, QST)
    assert [(x.label, x.amount) for x in t.taxes] == [("GST 5%", D("555.56")), ("QST 9.975%", D("1108.33"))]
    assert t.sales_tax == D("1663.89")
    assert t.current_amount_due_with_tax == D("12774.99")


def test_a_rate_with_three_decimals_and_half_a_cent_rounds_up():
    # 0.10 x 5% = 0.005 -> 0.01; 20.00 x 9.975% = 1.995 -> 2.00; 20.05 x 9.975% = 1.9999875 -> 2.00
    assert _totals("0.10", "0", GST).taxes[0].amount == D("0.01")
    assert _totals("20.00", "0", QST).taxes[0].amount == D("2.00")
    assert _totals("20.05", "0", QST).taxes[0].amount == D("2.00")
    # a credit (a negative line 8) is taxed as a credit, half away from zero: -0.10 x 5% = -0.005 -> -0.01
    assert _totals("-0.10", "0", GST, previous="10.00", previous_claims="10.00").taxes[0].amount == D("-0.01")


def test_the_second_claim_taxes_only_its_own_line_8():
    # to date 30,000.00, retention 10% = 3,000.00, line 6 = 27,000.00; line 7 = 9,000.00; 8 = 18,000.00
    # HST 13% = 2,340.00
    t = _totals("20000.00", "10", HST, previous="10000.00", previous_claims="9000.00")
    assert (t.current_amount_due, t.taxes[0].amount, t.current_amount_due_with_tax) == (
        D("18000.00"), D("2340.00"), D("20340.00"))


def test_no_taxes_no_tax_lines():
    t = _totals("1000.00", "10")
    assert t.taxes == () and t.current_amount_due_with_tax == t.current_amount_due == D("900.00")


money = st.decimals(min_value=D("-1000000"), max_value=D("1000000"), places=2, allow_nan=False, allow_infinity=False)
rate = st.decimals(min_value=D("0"), max_value=D("30"), places=3, allow_nan=False, allow_infinity=False)


@given(money, st.decimals(min_value=D("0"), max_value=D("100"), places=2), st.lists(rate, max_size=4))
def test_the_amount_due_with_tax_is_line_8_plus_each_shown_tax(this_period, retention, rates):
    taxes = [Tax(f"T{n}", r) for n, r in enumerate(rates)]
    t = _totals(str(this_period), str(retention), *taxes, previous="1000000.00")
    assert t.current_amount_due_with_tax == t.current_amount_due + sum((x.amount for x in t.taxes), D("0"))
    for tax, figure in zip(taxes, t.taxes, strict=True):
        exact = t.current_amount_due * tax.rate / 100
        assert figure.amount.as_tuple().exponent == -2
        assert abs(figure.amount - exact) <= D("0.005")


def test_the_picker_knows_every_province_and_territory():
    assert {c for c in JURISDICTIONS} == {"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK",
                                          "YT", "US"}
    assert [t.label for t in JURISDICTIONS["ON"].taxes] == ["HST 13%"]
    assert [t.label for t in JURISDICTIONS["NS"].taxes] == ["HST 14%"]
    assert [t.label for t in JURISDICTIONS["QC"].taxes] == ["GST 5%", "QST 9.975%"]
    assert [t.label for t in JURISDICTIONS["BC"].taxes] == ["GST 5%", "PST 7%"]
    assert JURISDICTIONS["US"].taxes == ()


def test_read_taxes_skips_empty_rows_and_tidies_names():
    assert read_taxes([TaxEntry(" GST ", "5"), TaxEntry(), TaxEntry("QST", "9.975 %")]) == [GST, QST]


@pytest.mark.parametrize(("entries", "field", "message"), [
    ([TaxEntry("GST", "-1")], "rate_1", "Enter a rate from 0 to 30%"),
    ([TaxEntry("GST", "30.001")], "rate_1", "Enter a rate from 0 to 30%"),
    ([TaxEntry("GST", "5.0001")], "rate_1", "at most three decimals"),
    ([TaxEntry("GST", "five")], "rate_1", "Enter a rate"),
    ([TaxEntry("GST", "")], "rate_1", "Enter a rate"),
    ([TaxEntry("", "5")], "name_1", "Name the tax"),
    ([TaxEntry("GST", "5"), TaxEntry("gst", "7")], "name_2", "Another tax is already called gst"),
    ([TaxEntry(f"T{n}", "1") for n in range(5)], "taxes", "at most 4 taxes"),
])
def test_bad_taxes_are_refused_with_a_message_for_the_field(entries, field, message):
    with pytest.raises(Invalid) as refused:
        read_taxes(entries)
    assert message in refused.value.problems[field]


@pytest.mark.parametrize(("typed", "stored"), [("123456789RT0001", "123456789RT0001"),
                                               (" 123 456 789 rt 0001 ", "123456789RT0001"), ("", "")])
def test_a_tax_number_is_stored_in_one_form(typed, stored):
    assert normalise_tax_number(typed) == stored


@pytest.mark.parametrize("typed", ["12345678RT0001", "123456789RC0001", "123456789RT001", "123456789", "ABC"])
def test_a_tax_number_of_the_wrong_shape_is_refused(typed):
    with pytest.raises(Invalid) as refused:
        normalise_tax_number(typed)
    assert refused.value.problems == {"tax_number": "Enter the GST/HST number as 9 digits, RT and 4 digits, "
                                                    "like 123456789RT0001."}
