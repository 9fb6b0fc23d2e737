"""How a billing period is named in e-mail subjects and on My invites."""

from __future__ import annotations

from datetime import date

import pytest

from domain.models import BillingPeriod
from domain.periods import period_name


@pytest.mark.parametrize(("start", "end", "name"), [
    (date(2026, 11, 1), date(2026, 11, 30), "November 2026"),
    (date(2024, 2, 1), date(2024, 2, 29), "February 2024"),
    (date(2026, 11, 1), date(2026, 11, 15), "Nov 1 to Nov 15, 2026"),
    (date(2026, 10, 26), date(2026, 11, 25), "Oct 26 to Nov 25, 2026"),
    (date(2026, 12, 15), date(2027, 1, 14), "Dec 15, 2026 to Jan 14, 2027"),
    (date(2026, 11, 2), date(2026, 11, 30), "Nov 2 to Nov 30, 2026"),
])
def test_a_whole_calendar_month_is_named_by_its_month_and_any_other_period_by_its_dates(start: date, end: date,
                                                                                         name: str):
    assert period_name(BillingPeriod(start_date=start, end_date=end, due_date=end)) == name
