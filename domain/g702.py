"""The AIA G702/G703 arithmetic of a progress claim (SPEC §6), as pure functions.

Inputs are Decimal cents; every figure that needs rounding is rounded once, here, with
`money.cents`, before anything is summed, so claim totals equal the sums of the shown lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from domain.money import HUNDRED, ZERO, cents, percent_of


@dataclass(frozen=True)
class LineInput:
    scheduled_value: Decimal  # C: original value plus approved changes
    previous: Decimal  # D: work completed in the last Approved claim (its D + E)
    this_period: Decimal  # E
    stored: Decimal  # F: materials presently stored (to date, not in D or E)
    retention_pct: Decimal  # on work, D + E
    stored_retention_pct: Decimal  # on stored materials, F


@dataclass(frozen=True)
class LineFigures:
    scheduled_value: Decimal  # C
    previous: Decimal  # D
    this_period: Decimal  # E
    stored: Decimal  # F
    completed_and_stored: Decimal  # G = D + E + F
    percent_complete: Decimal  # G / C, one decimal
    balance_to_finish: Decimal  # H = C - G
    retention_work: Decimal
    retention_stored: Decimal
    retention: Decimal  # I

    @property
    def work_completed_to_date(self) -> Decimal:
        return self.previous + self.this_period


def work_from_percent(scheduled_value: Decimal, previous: Decimal, percent_to_date: Decimal) -> Decimal:
    """E derived from a % complete to date: round(C x pct) - D."""
    return cents(scheduled_value * percent_to_date / HUNDRED) - previous


def line_figures(line: LineInput) -> LineFigures:
    g = line.previous + line.this_period + line.stored
    retention_work = cents((line.previous + line.this_period) * line.retention_pct / HUNDRED)
    retention_stored = cents(line.stored * line.stored_retention_pct / HUNDRED)
    return LineFigures(
        scheduled_value=line.scheduled_value,
        previous=line.previous,
        this_period=line.this_period,
        stored=line.stored,
        completed_and_stored=g,
        percent_complete=percent_of(g, line.scheduled_value),
        balance_to_finish=line.scheduled_value - g,
        retention_work=retention_work,
        retention_stored=retention_stored,
        retention=retention_work + retention_stored,
    )


@dataclass(frozen=True)
class Tax:
    """A sales tax billed on line 8: its name and rate in percent (HST 13, QST 9.975)."""

    name: str
    rate: Decimal

    @property
    def label(self) -> str:
        text = f"{self.rate:f}"
        return f"{self.name} {text.rstrip('0').rstrip('.') if '.' in text else text}%"


@dataclass(frozen=True)
class TaxFigure:
    tax: Tax
    amount: Decimal

    @property
    def label(self) -> str:
        return self.tax.label


def tax_figures(base: Decimal, taxes: Iterable[Tax]) -> tuple[TaxFigure, ...]:
    """Each tax on line 8 (the work of the period less its retention: tax on retention is billed when it is
    released), rounded half-up to the cent once, each on its own."""
    return tuple(TaxFigure(tax, cents(base * tax.rate / HUNDRED)) for tax in taxes)


@dataclass(frozen=True)
class ClaimTotals:
    original_contract_sum: Decimal  # 1
    net_change_orders: Decimal  # 2
    contract_sum_to_date: Decimal  # 3
    total_completed_and_stored: Decimal  # 4
    retention_work: Decimal  # 5a
    retention_stored: Decimal  # 5b
    retention_total: Decimal  # 5 = 5a + 5b - 5c
    earned_less_retention: Decimal  # 6
    previous_claims: Decimal  # 7
    current_amount_due: Decimal  # 8
    balance_to_finish_including_retention: Decimal  # 9
    work_completed_to_date: Decimal  # sum of D + E
    percent_complete: Decimal  # 4 / 3
    # The G703 column totals that G702 does not name: sums of D, E, F and H.
    previous: Decimal = ZERO
    this_period: Decimal = ZERO
    stored: Decimal = ZERO
    balance_to_finish: Decimal = ZERO
    taxes: tuple[TaxFigure, ...] = ()  # after line 8, on line 8
    retention_released: Decimal = ZERO  # 5c: retention (holdback) released to date, this claim's release included

    @property
    def retention_by_lines(self) -> Decimal:
        """The G703 column I total: retention by % on the lines, before any release."""
        return self.retention_work + self.retention_stored

    @property
    def sales_tax(self) -> Decimal:
        return sum((t.amount for t in self.taxes), ZERO)

    @property
    def current_amount_due_with_tax(self) -> Decimal:
        """Line 8 and its taxes: what the claim asks to be paid."""
        return self.current_amount_due + self.sales_tax


def claim_totals(
    lines: Iterable[LineFigures],
    *,
    original_contract_sum: Decimal,
    previous_earned_less_retention: Decimal = ZERO,
    taxes: Iterable[Tax] = (),
    retention_released: Decimal = ZERO,
) -> ClaimTotals:
    """G702 lines 1-9 from the G703 line figures and the last Approved claim's line 6, and the taxes on 8.
    Retention released to date lowers line 5, so a release raises line 6 and bills itself on line 8, where its
    tax falls due (tax on retention is billed when it is released)."""
    lines = list(lines)
    contract_sum = sum((f.scheduled_value for f in lines), ZERO)
    completed = sum((f.completed_and_stored for f in lines), ZERO)
    retention_work = sum((f.retention_work for f in lines), ZERO)
    retention_stored = sum((f.retention_stored for f in lines), ZERO)
    retention = retention_work + retention_stored - retention_released
    earned = completed - retention
    current_amount_due = earned - previous_earned_less_retention
    return ClaimTotals(
        original_contract_sum=original_contract_sum,
        net_change_orders=contract_sum - original_contract_sum,
        contract_sum_to_date=contract_sum,
        total_completed_and_stored=completed,
        retention_work=retention_work,
        retention_stored=retention_stored,
        retention_total=retention,
        earned_less_retention=earned,
        previous_claims=previous_earned_less_retention,
        current_amount_due=current_amount_due,
        balance_to_finish_including_retention=contract_sum - earned,
        work_completed_to_date=sum((f.work_completed_to_date for f in lines), ZERO),
        percent_complete=percent_of(completed, contract_sum),
        previous=sum((f.previous for f in lines), ZERO),
        this_period=sum((f.this_period for f in lines), ZERO),
        stored=sum((f.stored for f in lines), ZERO),
        balance_to_finish=sum((f.balance_to_finish for f in lines), ZERO),
        taxes=tax_figures(current_amount_due, taxes),
        retention_released=retention_released,
    )
