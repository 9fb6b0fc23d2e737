"""Holdback release (issue 17) in the G702 arithmetic, hand-computed to the cent: a release lowers line 5 by
what is released, so line 6 rises and line 8 is the release, and the tax on line 8 is the tax on the release
(tax on holdback falls due when it is released, Excise Tax Act s.168(7)). Ontario: 10% holdback, HST 13%."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.g702 import LineInput, Tax, claim_totals, line_figures

D = Decimal
HST = (Tax("HST", D("13")),)


def totals(c: str, d: str, e: str, *, previous_line_6: str = "0.00", released: str = "0.00", f: str = "0.00"):  # type: ignore[no-untyped-def]
    line = line_figures(LineInput(D(c), D(d), D(e), D(f), D("10.00"), D("10.00")))
    return claim_totals([line], original_contract_sum=D(c), previous_earned_less_retention=D(previous_line_6),
                        taxes=HST, retention_released=D(released))


def test_the_progress_claim_taxes_only_the_work_less_the_holdback():
    t = totals("100000.00", "0.00", "100000.00")
    # 100,000.00 of work, 10% held: 10,000.00; line 8 = 90,000.00; HST 13% of it = 11,700.00
    assert (t.retention_total, t.earned_less_retention, t.current_amount_due) == (D("10000.00"), D("90000.00"),
                                                                                 D("90000.00"))
    assert t.sales_tax == D("11700.00") and t.current_amount_due_with_tax == D("101700.00")


def test_a_release_of_all_the_holdback_a_year_later_bills_it_with_its_tax():
    t = totals("100000.00", "100000.00", "0.00", previous_line_6="90000.00", released="10000.00")
    # line 5 = 10,000.00 by % less 10,000.00 released = 0.00; line 6 = 100,000.00; line 8 = 100,000 - 90,000
    assert (t.retention_work, t.retention_released, t.retention_total) == (D("10000.00"), D("10000.00"), D("0.00"))
    assert t.earned_less_retention == D("100000.00") and t.current_amount_due == D("10000.00")
    assert [(x.label, x.amount) for x in t.taxes] == [("HST 13%", D("1300.00"))]
    assert t.current_amount_due_with_tax == D("11300.00")
    assert t.balance_to_finish_including_retention == D("0.00")
    assert t.retention_by_lines == D("10000.00")  # the G703 column I: the lines unchanged


def test_a_partial_release():
    t = totals("100000.00", "100000.00", "0.00", previous_line_6="90000.00", released="4000.00")
    # line 5 = 10,000.00 - 4,000.00 = 6,000.00; line 6 = 94,000.00; line 8 = 4,000.00; HST 520.00
    assert (t.retention_total, t.earned_less_retention, t.current_amount_due) == (D("6000.00"), D("94000.00"),
                                                                                 D("4000.00"))
    assert t.sales_tax == D("520.00") and t.current_amount_due_with_tax == D("4520.00")


def test_a_progress_claim_after_a_partial_release_holds_only_its_own_work_more():
    # a change order took the contract to 150,000.00; 20,000.00 more work after 4,000.00 was released
    t = totals("150000.00", "100000.00", "20000.00", previous_line_6="94000.00", released="4000.00")
    # line 5 = 12,000.00 by % less 4,000.00 released = 8,000.00; line 6 = 112,000.00; line 8 = 18,000.00
    assert (t.retention_total, t.earned_less_retention, t.current_amount_due) == (D("8000.00"), D("112000.00"),
                                                                                 D("18000.00"))
    # 20,000.00 of work less its 2,000.00 holdback, taxed: HST 2,340.00
    assert t.sales_tax == D("2340.00") and t.current_amount_due_with_tax == D("20340.00")


@pytest.mark.parametrize("released, due, tax", [("0.01", "0.01", "0.00"), ("0.04", "0.04", "0.01"),
                                                ("1234.56", "1234.56", "160.49")])
def test_the_tax_on_a_release_is_rounded_once_half_up(released, due, tax):
    # 13% of 0.04 = 0.0052 -> 0.01; of 1,234.56 = 160.4928 -> 160.49
    t = totals("100000.00", "100000.00", "0.00", previous_line_6="90000.00", released=released)
    assert t.current_amount_due == D(due) and t.sales_tax == D(tax)
