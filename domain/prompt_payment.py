"""Prompt payment (issue 17): the payment deadlines Canadian prompt payment law sets, per jurisdiction.

One table, `RULES`, one row per jurisdiction where prompt payment is in force (checked 2026-12-02 against
published summaries of each statute, not against the official consolidations: the figures marked
"not verified" below are the usual ones but were not read in the statute itself):

- Ontario: Construction Act, R.S.O. 1990, c. C.30, Part I.1 (in force 2019-10-01).
- Alberta: Prompt Payment and Construction Lien Act, R.S.A. 2000, c. P-26.4, Part 2 (in force 2022-08-29).
- Saskatchewan: The Builders' Lien Act, S.S. 1984-85-86, c. B-7.1, Part I.1, as amended by The Builders'
  Lien (Prompt Payment) Amendment Act, 2019 (in force 2022-03-01).
- Manitoba: The Builders' Liens Act, C.C.S.M. c. B91, as amended by The Builders' Liens Amendment Act
  (Prompt Payment), S.M. 2023 (Bill 38) (in force 2025-04-01).
- Federal (Crown work): Federal Prompt Payment for Construction Work Act, S.C. 2019, c. 29, s. 387 (in force
  2023-12-09), for work on federal real property or immovables owned by His Majesty in right of Canada.

Not in the table: Nova Scotia (Bill 119, 2019, assented but not proclaimed as far as we could find), New
Brunswick and British Columbia (not in force as far as we could find), Quebec (a pilot for public bodies
only). A project there shows no prompt payment dates.

Days are calendar days. A deadline is counted from the day the proper invoice was given (or the contractor
was paid) and falls that many days later; when it falls on a day the jurisdiction's interpretation statute
treats as a holiday it moves to the next day that is not one. Only the weekly days are applied here
(`rest_days`): statutory holidays are not, and a page says so next to the dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.locales import N_

SATURDAY, SUNDAY = 5, 6
FEDERAL = "FED"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    statute: str
    in_force: date
    # The owner pays a proper invoice this many days after receiving it.
    pay_days: int
    pay_source: str
    # The owner's notice of non-payment (dispute) is given at the latest this many days after the invoice.
    notice_days: int
    notice_source: str
    # The contractor pays a subcontractor this many days after being paid by the owner.
    sub_pay_days: int
    sub_pay_source: str
    # The contractor's own notice of non-payment to a subcontractor: at the latest this many days after
    # giving the proper invoice to the owner.
    sub_notice_days: int
    sub_notice_source: str
    # Weekdays (Monday 0) on which a deadline does not fall: it moves to the next day.
    rest_days: frozenset[int]
    rest_source: str
    # What was not read in the statute itself.
    unsure: str = ""

    def moved(self, day: date) -> date:
        """`day`, or the next day on which a deadline may fall."""
        while day.weekday() in self.rest_days:
            day += timedelta(days=1)
        return day

    def payment_due(self, proper_invoice: date) -> date:
        """When the owner must pay a proper invoice given on `proper_invoice`."""
        return self.moved(proper_invoice + timedelta(days=self.pay_days))

    def notice_deadline(self, proper_invoice: date) -> date:
        """The last day for the owner's notice of non-payment of a proper invoice given on `proper_invoice`."""
        return self.moved(proper_invoice + timedelta(days=self.notice_days))

    def subcontractor_due(self, contractor_paid: date) -> date:
        """When the contractor must pay a subcontractor, having been paid on `contractor_paid`."""
        return self.moved(contractor_paid + timedelta(days=self.sub_pay_days))

    def subcontractor_notice_deadline(self, head_invoice: date) -> date:
        """The last day for the contractor's own notice of non-payment to a subcontractor, having given
        its proper invoice to the owner on `head_invoice`."""
        return self.moved(head_invoice + timedelta(days=self.sub_notice_days))


_SAT_SUN = frozenset({SATURDAY, SUNDAY})
_SUN = frozenset({SUNDAY})

RULES: dict[str, Rule] = {r.code: r for r in [
    Rule("ON", "Ontario", "Construction Act, R.S.O. 1990, c. C.30", date(2019, 10, 1),
         28, "s. 6.4(1)", 14, "s. 6.4(2)", 7, "s. 6.5(1)", 35, "s. 6.5(6)",
         _SAT_SUN, "Legislation Act, 2006, S.O. 2006, c. 21, Sch. F, ss. 87 ('holiday' includes Saturday and "
                   "Sunday) and 89 (time expiring on a holiday runs to the next day that is not one)"),
    Rule("AB", "Alberta", "Prompt Payment and Construction Lien Act, R.S.A. 2000, c. P-26.4", date(2022, 8, 29),
         28, "s. 32.2", 14, "s. 32.3", 7, "s. 32.4", 35, "s. 32.4 (not verified)",
         _SUN, "Interpretation Act, R.S.A. 2000, c. I-8, s. 22 (time expiring on a holiday) with its "
               "definition of 'holiday', which names Sunday and not Saturday",
         unsure="The section numbers, the 35-day subcontractor notice and whether a Saturday deadline moves "
                "were not read in the Act itself."),
    Rule("SK", "Saskatchewan", "The Builders' Lien Act, S.S. 1984-85-86, c. B-7.1, Part I.1", date(2022, 3, 1),
         28, "s. 12.4 (not verified)", 14, "s. 12.4 (not verified)", 7, "s. 12.5 (not verified)",
         35, "s. 12.5 (not verified)",
         _SUN, "The Legislation Act, S.S. 2019, c. L-10.2, Part II (time expiring on a holiday; 'holiday' "
               "names Sunday) (not verified)",
         unsure="The 28, 14 and 7 days are in every summary read; the section numbers, the 35-day "
                "subcontractor notice and the Saturday rule were not read in the Act itself."),
    Rule("MB", "Manitoba", "The Builders' Liens Act, C.C.S.M. c. B91, as amended by S.M. 2023 (Bill 38)",
         date(2025, 4, 1),
         28, "prompt payment part (section not verified)", 14, "prompt payment part (section not verified)",
         7, "prompt payment part (section not verified)", 35, "prompt payment part (not verified)",
         _SUN, "The Interpretation Act, C.C.S.M. c. I80 (time expiring on a holiday; 'holiday' names Sunday) "
               "(not verified)",
         unsure="The 28, 14 and 7 days are in every summary read; section numbers, the 35-day subcontractor "
                "notice and the Saturday rule were not read in the Act itself."),
    Rule(FEDERAL, "Federal (Crown work)", "Federal Prompt Payment for Construction Work Act, S.C. 2019, c. 29, "
         "s. 387", date(2023, 12, 9),
         28, "s. 7 (not verified)", 14, "s. 8 (not verified)", 7, "s. 9 (not verified)",
         35, "not verified: the Act's contractor notice may be counted otherwise",
         _SUN, "Interpretation Act, R.S.C. 1985, c. I-21, ss. 26 (time expiring on a holiday) and 35 "
               "('holiday' names Sunday, not Saturday)",
         unsure="Section numbers and the subcontractor notice period were not read in the Act itself; in "
                "a designated province (Ontario, Alberta, Saskatchewan) parts of the Act give way to the "
                "province's own rules."),
]}

# The jurisdictions a Canadian project picks from: every province and territory, and federal Crown work.
PROVINCES: dict[str, str] = {
    "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador", "NT": "Northwest Territories", "NS": "Nova Scotia", "NU": "Nunavut",
    "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Quebec", "SK": "Saskatchewan", "YT": "Yukon",
    FEDERAL: "Federal (Crown work)",
}
HOLIDAYS_NOTE = N_("Weekends are skipped as the law says; statutory holidays are not, so check a date next to "
                   "one.")  # translated where it is shown


def rule_for(jurisdiction: str | None) -> Rule | None:
    """The prompt payment rule of a project's jurisdiction, None where there is none."""
    return RULES.get(jurisdiction or "")


def jurisdiction_name(code: str | None) -> str:
    return PROVINCES.get(code or "", "")
