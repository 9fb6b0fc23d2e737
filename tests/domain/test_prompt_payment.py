"""The prompt payment rule table: each jurisdiction's deadlines, hand-counted on a calendar.

Weekdays checked by hand: 2026-01-31 Sat, 2026-02-14 Sat, 2026-02-28 Sat, 2026-03-01 Sun, 2026-12-10 Thu,
2026-12-24 Thu, 2026-12-26 Sat, 2027-01-02 Sat, 2027-01-07 Thu, 2026-11-29 Sun, 2026-12-13 Sun,
2026-12-27 Sun, 2024-02-29 Thu.
"""

from __future__ import annotations

from datetime import date

import pytest

from domain import prompt_payment
from domain.prompt_payment import RULES, rule_for

D = date.fromisoformat


def test_the_table_holds_each_jurisdiction_in_force_with_its_source():
    assert set(RULES) == {"ON", "AB", "SK", "MB", "FED"}
    for rule in RULES.values():
        assert (rule.pay_days, rule.notice_days, rule.sub_pay_days) == (28, 14, 7)
        assert rule.statute and rule.pay_source and rule.notice_source and rule.sub_pay_source
        assert rule.rest_source
        assert rule.in_force <= D("2026-12-01")
    assert rule_for(None) is None and rule_for("BC") is None and rule_for("NS") is None
    assert prompt_payment.jurisdiction_name("FED") == "Federal (Crown work)"


def test_ontario_across_month_end_year_end_and_weekends():
    on = RULES["ON"]
    # Jan 31 + 28 = Feb 28, a Saturday: Saturday and Sunday are holidays in Ontario, so Monday Mar 2.
    assert on.payment_due(D("2026-01-31")) == D("2026-03-02")
    # Jan 31 + 14 = Feb 14, a Saturday: Monday Feb 16.
    assert on.notice_deadline(D("2026-01-31")) == D("2026-02-16")
    # Across the year end, on a Thursday: Dec 10 + 28 = Jan 7, 2027; + 14 = Dec 24.
    assert on.payment_due(D("2026-12-10")) == D("2027-01-07")
    assert on.notice_deadline(D("2026-12-10")) == D("2026-12-24")
    # Paid Saturday Dec 26 + 7 = Saturday Jan 2, 2027: Monday Jan 4.
    assert on.subcontractor_due(D("2026-12-26")) == D("2027-01-04")
    # The contractor's own notice to a subcontractor: 35 days after its invoice. Dec 10 + 35 = Jan 14, 2027.
    assert on.subcontractor_notice_deadline(D("2026-12-10")) == D("2027-01-14")
    # A leap year: Feb 1, 2024 + 28 = Feb 29, a Thursday.
    assert on.payment_due(D("2024-02-01")) == D("2024-02-29")


@pytest.mark.parametrize("code", ["AB", "SK", "MB", "FED"])
def test_sunday_only_jurisdictions(code):
    rule = RULES[code]
    # Jan 31 + 28 = Feb 28, a Saturday: Saturday is no holiday there, the date stays.
    assert rule.payment_due(D("2026-01-31")) == D("2026-02-28")
    assert rule.notice_deadline(D("2026-01-31")) == D("2026-02-14")
    # Feb 1 + 28 = Mar 1, a Sunday: Monday Mar 2.
    assert rule.payment_due(D("2026-02-01")) == D("2026-03-02")
    # Nov 29 + 14 = Dec 13, a Sunday: Monday Dec 14.
    assert rule.notice_deadline(D("2026-11-29")) == D("2026-12-14")
    # Paid Sunday Dec 20 + 7 = Sunday Dec 27: Monday Dec 28. Year end: Dec 26 + 7 = Jan 2, 2027, a Saturday.
    assert rule.subcontractor_due(D("2026-12-20")) == D("2026-12-28")
    assert rule.subcontractor_due(D("2026-12-26")) == D("2027-01-02")
    # Across the year end: Dec 10 + 28 = Jan 7, 2027.
    assert rule.payment_due(D("2026-12-10")) == D("2027-01-07")
