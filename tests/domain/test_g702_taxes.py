"""Properties of a whole G702/G703 with sales taxes (issue 17): for random schedules of values, retention
(holdback) percentages, previous claims and zero to four taxes, every total is the sum (or difference) of the
figures shown for it, each tax is line 8 times its rate rounded half-up to the cent once, and the amount due
with tax is line 8 plus each shown tax.

The expected figures are worked out here from the shown figures alone (Decimal arithmetic, one
quantize per tax), never with the code under test.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from domain.g702 import ClaimTotals, LineFigures, LineInput, Tax, claim_totals, line_figures

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The rates Canadian projects bill (GST, PST, QST, HST in Ontario, GST + QST together), and any other rate a
# project may type: 0 to 30% with at most three decimals.
KNOWN_RATES = [Decimal(r) for r in ("5", "7", "9.975", "13", "14.975", "15", "6", "0")]
rates = st.one_of(st.sampled_from(KNOWN_RATES),
                  st.decimals(min_value=0, max_value=30, places=3, allow_nan=False, allow_infinity=False))
taxes = st.lists(rates, max_size=4).map(lambda rs: tuple(Tax(f"Tax {n}", r) for n, r in enumerate(rs, start=1)))

money = st.decimals(min_value=0, max_value=10**8, places=2, allow_nan=False, allow_infinity=False)
# E may be negative (a deductive change, a correction of an earlier claim), never below -D.
percent = st.one_of(st.sampled_from([Decimal(p) for p in ("0", "5", "10", "10.00", "7.5", "100")]),
                    st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False))


@st.composite
def sov_line(draw: st.DrawFn, retention: Decimal) -> LineInput:
    scheduled = draw(money)
    previous = draw(st.decimals(min_value=0, max_value=scheduled, places=2))
    this_period = draw(st.decimals(min_value=-previous, max_value=scheduled - previous, places=2))
    stored = draw(st.decimals(min_value=0, max_value=scheduled - previous - this_period, places=2))
    # most lines keep the commitment's %, some have their own for stored materials
    stored_retention = draw(st.one_of(st.just(retention), percent))
    return LineInput(scheduled_value=scheduled, previous=previous, this_period=this_period, stored=stored,
                     retention_pct=retention, stored_retention_pct=stored_retention)


@st.composite
def claims(draw: st.DrawFn) -> tuple[list[LineInput], Decimal, Decimal, tuple[Tax, ...]]:
    """A claim: its SOV (0 to 10 lines), the original contract sum, line 7 and its taxes."""
    retention = draw(percent)
    lines = draw(st.lists(sov_line(retention), max_size=10))
    contract_sum = sum((line.scheduled_value for line in lines), ZERO)
    original = draw(st.one_of(st.just(contract_sum), money))  # line 2 is what change orders made of it
    # line 7: the last Approved claim's line 6, at most what was completed before
    previous_work = sum((line.previous for line in lines), ZERO)
    previous_claims = draw(st.one_of(st.just(ZERO), st.decimals(min_value=0, max_value=previous_work, places=2)))
    return lines, original, previous_claims, draw(taxes)


def _total(claim: tuple[list[LineInput], Decimal, Decimal, tuple[Tax, ...]]) -> tuple[list[LineFigures],
                                                                                       ClaimTotals]:
    lines, original, previous_claims, project_taxes = claim
    shown = [line_figures(line) for line in lines]
    return shown, claim_totals(shown, original_contract_sum=original, previous_earned_less_retention=previous_claims,
                               taxes=project_taxes)


def _sum(values: list[Decimal]) -> Decimal:
    return sum(values, ZERO)


def _is_cents(value: Decimal) -> bool:
    return type(value) is Decimal and value.as_tuple().exponent == -2


# Ontario, HST 13%, 10% holdback: 12,345.67 of work less 1,234.57 = 11,111.10; HST 1,444.443 -> 1,444.44.
ONTARIO = ([LineInput(Decimal("100000.00"), ZERO, Decimal("12345.67"), ZERO, Decimal("10"), Decimal("10"))],
           Decimal("100000.00"), ZERO, (Tax("HST", Decimal("13")),))
# Quebec, a half cent on both taxes: 8 = 100.10; GST 5.005 -> 5.01; QST 9.984975 -> 9.98.
QUEBEC = ([LineInput(Decimal("1000.00"), ZERO, Decimal("100.10"), ZERO, Decimal("0"), Decimal("0"))],
          Decimal("1000.00"), ZERO, (Tax("GST", Decimal("5")), Tax("QST", Decimal("9.975"))))


@given(claims())
@example(ONTARIO)
@example(QUEBEC)
def test_each_g702_line_is_the_sum_of_the_figures_shown_for_it(claim) -> None:  # type: ignore[no-untyped-def]
    shown, t = _total(claim)
    _, original, previous_claims, _ = claim
    assert t.original_contract_sum == original
    assert t.contract_sum_to_date == _sum([f.scheduled_value for f in shown])  # 3
    assert t.net_change_orders == t.contract_sum_to_date - t.original_contract_sum  # 2 = 3 - 1
    assert t.total_completed_and_stored == _sum([f.completed_and_stored for f in shown])  # 4 = sum of G
    assert t.retention_work == _sum([f.retention_work for f in shown])  # 5a
    assert t.retention_stored == _sum([f.retention_stored for f in shown])  # 5b
    assert t.retention_total == t.retention_work + t.retention_stored == _sum([f.retention for f in shown])  # 5
    assert t.earned_less_retention == t.total_completed_and_stored - t.retention_total  # 6 = 4 - 5
    assert t.previous_claims == previous_claims  # 7
    assert t.current_amount_due == t.earned_less_retention - t.previous_claims  # 8 = 6 - 7
    assert t.balance_to_finish_including_retention == t.contract_sum_to_date - t.earned_less_retention  # 9 = 3 - 6


@given(claims())
@example(ONTARIO)
@example(QUEBEC)
def test_the_g703_column_totals_are_the_sums_of_the_rows(claim) -> None:  # type: ignore[no-untyped-def]
    shown, t = _total(claim)
    assert t.previous == _sum([f.previous for f in shown])  # D
    assert t.this_period == _sum([f.this_period for f in shown])  # E
    assert t.stored == _sum([f.stored for f in shown])  # F
    assert t.total_completed_and_stored == _sum([f.previous + f.this_period + f.stored for f in shown])  # G
    assert t.balance_to_finish == _sum([f.balance_to_finish for f in shown])  # H
    assert t.retention_total == _sum([f.retention for f in shown])  # I
    assert t.work_completed_to_date == _sum([f.previous + f.this_period for f in shown])
    for f in shown:  # each row: G = D + E + F, H = C - G, I = its two parts
        assert f.completed_and_stored == f.previous + f.this_period + f.stored
        assert f.balance_to_finish == f.scheduled_value - f.completed_and_stored
        assert f.retention == f.retention_work + f.retention_stored


@given(claims())
@example(ONTARIO)
@example(QUEBEC)
def test_each_tax_is_line_8_times_its_rate_rounded_half_up_once(claim) -> None:  # type: ignore[no-untyped-def]
    _, t = _total(claim)
    project_taxes = claim[3]
    assert [figure.tax for figure in t.taxes] == list(project_taxes)  # each tax, in the project's order
    for figure in t.taxes:
        exact = t.current_amount_due * figure.tax.rate / Decimal(100)  # exact: Decimal's 28 digits are plenty
        assert figure.amount == exact.quantize(CENT, rounding=ROUND_HALF_UP)
        assert _is_cents(figure.amount)
        assert abs(figure.amount - exact) <= Decimal("0.005")
        assert figure.label.startswith(f"{figure.tax.name} ") and figure.label.endswith("%")


@given(claims())
@example(ONTARIO)
@example(QUEBEC)
def test_the_amount_due_with_tax_is_line_8_plus_each_shown_tax(claim) -> None:  # type: ignore[no-untyped-def]
    _, t = _total(claim)
    assert t.sales_tax == _sum([figure.amount for figure in t.taxes])
    assert t.current_amount_due_with_tax == t.current_amount_due + _sum([figure.amount for figure in t.taxes])
    if not t.taxes:
        assert t.current_amount_due_with_tax == t.current_amount_due
    for name in ("current_amount_due", "sales_tax", "current_amount_due_with_tax", "retention_total",
                 "earned_less_retention", "balance_to_finish_including_retention"):
        assert _is_cents(getattr(t, name)), name


def test_the_examples_by_hand() -> None:
    _, ontario = _total(ONTARIO)
    assert (ontario.current_amount_due, ontario.sales_tax, ontario.current_amount_due_with_tax) == (
        Decimal("11111.10"), Decimal("1444.44"), Decimal("12555.54"))
    _, quebec = _total(QUEBEC)
    assert [f.amount for f in quebec.taxes] == [Decimal("5.01"), Decimal("9.98")]
    assert quebec.current_amount_due_with_tax == Decimal("115.09")
