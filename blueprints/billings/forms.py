from wtforms import BooleanField, DateField, IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional

from blueprints.forms import AppForm


def _date(label: str) -> DateField:
    return DateField(label, validators=[InputRequired(f"Enter the {label.lower()}.")],
                     render_kw={"type": "date"})


class PeriodForm(AppForm):
    start_date = _date("Start date")
    end_date = _date("End date")
    due_date = _date("Due date")

    def process_formdata_errors(self) -> None:
        # WTForms says "Not a valid date value." for a non-date; say what to type instead.
        for field in (self.start_date, self.end_date, self.due_date):
            field.errors = ["Enter a date like 2026-11-30." if "Not a valid date" in e else e
                            for e in field.errors]


class RuleForm(AppForm):
    auto_periods = BooleanField("Open a new period every month automatically")
    period_start_day = IntegerField(
        "Start day", validators=[InputRequired("Enter a day from 1 to 28."),
                                 NumberRange(1, 28, "Enter a day from 1 to 28.")])
    period_end_day = IntegerField(
        "End day", validators=[Optional(), NumberRange(1, 31, "Enter a day from 1 to 31, or leave it empty.")],
        description="Empty: the last day of the month.")
    period_due_day = IntegerField(
        "Due day", validators=[InputRequired("Enter a day from 1 to 31."),
                               NumberRange(1, 31, "Enter a day from 1 to 31.")])
