"""How a billing period is named in e-mail subjects and on My invites."""

from __future__ import annotations

from datetime import date

import pytest

from domain.models import BillingPeriod, Project
from domain.periods import dates_from_rule, period_name, rule_words


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


@pytest.mark.parametrize(("auto", "start", "end", "due", "words"), [
    (True, 1, None, 25, "On: a new period opens by itself on the 1st of each month and runs to the month's last "
                        "day; claims are due on the 25th. Opening it closes the one before."),
    (True, 21, 22, 3, "on the 21st of each month and runs to the 22nd; claims are due on the period's last day."),
    (True, 2, 13, 11, "on the 2nd of each month and runs to the 13th; claims are due on the 11th."),
    (False, 23, None, 25, "Off: a period opens only when an admin opens one. On, a new period opens by itself on "
                          "the 23rd of each month."),
])
def test_the_monthly_rule_in_words(auto, start, end, due, words):
    project = Project(auto_periods=auto, period_start_day=start, period_end_day=end, period_due_day=due)
    assert words in rule_words(project)
    if "period's last day" in words:  # what the words promise is what the rule does
        dates = dates_from_rule(project, date(2026, 12, 21))
        assert dates.due == dates.end
