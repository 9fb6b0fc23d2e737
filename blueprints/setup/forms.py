"""Forms for projects, commitments and schedules of values.

Money and percentages are typed as text and parsed into `Decimal` (domain.money,
domain.money.parse_percent); the typed text stays on the form when it is wrong.
"""

from __future__ import annotations

import re
from decimal import Decimal

from flask import request
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, StopValidation

from blueprints.forms import AppForm, DayField, LazyText, lazy_pgettext, strip, time_zone_choices
from blueprints.forms import lazy_gettext as _l
from blueprints.setup.common import commitment_status_word
from domain import sales_taxes
from domain.commitments import COST_CODE_MAX, DESCRIPTION_MAX, NUMBER_MAX, TITLE_MAX
from domain.g702 import Tax
from domain.head_contract import CLIENT_NAME_MAX, CONTACT_NAME_MAX, EMAIL_MAX, EMAIL_PROBLEM
from domain.models import SUBCONTRACT_KINDS, CommitmentStatus, Country, Currency
from domain.money import parse_money, parse_percent
from domain.projects import ADDRESS_MAX, JURISDICTION_CHOICE, NAME_MAX
from domain.projects import NUMBER_MAX as PROJECT_NUMBER_MAX
from domain.prompt_payment import PROVINCES, RULES

try:  # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice
    from wtforms.fields.choices import SelectChoice as _SelectChoice
except ImportError:  # pragma: no cover - WTForms before 3.3
    _SelectChoice = None


def choice(value: str, label: str):  # type: ignore[no-untyped-def]
    """One option of a select, in the form the installed WTForms prefers."""
    return _SelectChoice(value, label) if _SelectChoice else (value, label)



def _text(label: str, required: str | None, limit: int, **kw) -> StringField:  # type: ignore[no-untyped-def]
    rules = [DataRequired(required)] if required else []
    rules.append(Length(max=limit, message=_l("Use at most %(limit)s characters.", limit=limit)))
    return StringField(label, validators=rules, filters=[strip], render_kw={"maxlength": limit}, **kw)


class Choice(SelectField):
    """A select whose "not in the list" message says what to do."""

    def __init__(self, *args, invalid: str = _l("Choose one from the list."), **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.invalid = invalid

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:  # not even of the right type (coerce failed): the same "choose" message
            self.data = None

    def pre_validate(self, form) -> None:  # type: ignore[no-untyped-def]
        if self.data in (None, ""):
            raise StopValidation(self.invalid)
        try:
            super().pre_validate(form)
        except ValueError:
            raise StopValidation(self.invalid) from None


class MoneyField(StringField):
    """An amount typed as text; `amount` holds the Decimal once the field validated."""

    amount: Decimal | None = None

    def __init__(self, *args, required: str = _l("Enter an amount."), allow_negative: bool = False,  # type: ignore[no-untyped-def]
                 **kwargs) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, filters=[strip], **kwargs)
        self.required, self.allow_negative = required, allow_negative

    def pre_validate(self, form) -> None:  # type: ignore[no-untyped-def]
        self.amount = None
        if not self.data:
            raise StopValidation(self.required)
        try:
            amount = parse_money(self.data)
        except ValueError as problem:
            raise StopValidation(str(problem)) from None
        if amount < 0 and not self.allow_negative:
            raise StopValidation(_l("Enter an amount of zero or more."))
        self.amount = amount


class PercentField(StringField):
    """A percentage from 0 to 100 typed as text; `percent` holds the Decimal (None when optional and empty)."""

    percent: Decimal | None = None

    def __init__(self, *args, optional: bool = False, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, filters=[strip], **kwargs)
        self.optional = optional

    def pre_validate(self, form) -> None:  # type: ignore[no-untyped-def]
        self.percent = None
        if not self.data and self.optional:
            return
        try:
            self.percent = parse_percent(self.data or "")
        except ValueError as problem:
            raise StopValidation(str(problem)) from None


class ChoiceOrBlank(Choice):
    """A select whose blank option is a choice too; anything else must be in the list."""

    def pre_validate(self, form) -> None:  # type: ignore[no-untyped-def]
        if self.data in (None, ""):
            self.data = ""
            return
        super().pre_validate(form)


class CountryCurrency(ChoiceOrBlank):
    """The project's currency: a code from the list, or blank ("the country's"), which the domain turns into
    the country's currency (domain/locales.currency_for), so the form works the same without JavaScript."""


STATUS_CHOICES = [choice(s.name, LazyText(commitment_status_word, s)) for s in CommitmentStatus]


class ProjectForm(AppForm):
    number = _text(_l("Project number"), _l("Enter the project number."), PROJECT_NUMBER_MAX)
    name = _text(_l("Name"), _l("Enter the project name."), NAME_MAX)
    address = TextAreaField(_l("Address"), filters=[strip],
                            validators=[Length(max=ADDRESS_MAX,
                                               message=_l("Use at most %(limit)s characters.", limit=ADDRESS_MAX))],
                            render_kw={"rows": 2, "maxlength": ADDRESS_MAX})
    country = Choice(_l("Country"), choices=[choice(c.name, _l(c.value)) for c in Country],
                     invalid=_l("Choose United States or Canada."))
    currency = CountryCurrency(_l("Currency"), choices=[choice("", _l("The country's (USD or CAD)")),
                                                    *(choice(c.name, c.value) for c in Currency)],
                               invalid=_l("Choose USD or CAD."),
                               description=_l("Left to the country: USD in the United States, CAD in Canada."))
    time_zone = Choice(_l("Time zone"), invalid=_l("Choose a time zone from the list."),
                       description=_l("Due dates pass at midnight in this time zone."))
    allow_overbilling = BooleanField(_l("Allow overbilling"),
                                     description=_l("A claim line may then go above its scheduled value."))
    jurisdiction = ChoiceOrBlank(
        _l("Prompt payment law"), invalid=_l(JURISDICTION_CHOICE),
        choices=[choice("", lazy_pgettext("prompt payment law", "None")),
                 *(choice(code, _l("%(name)s (prompt payment in force)", name=name) if code in RULES else name)
                   for code, name in PROVINCES.items())],
        description=_l("Canadian projects: where the work is, or Federal for Crown work. Claims then show their "
                    "payment due date and notice of non-payment deadline."))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        country = Country[self.country.data] if self.country.data in Country.__members__ else Country.US
        first = country.value  # that country's zones first
        self.time_zone.choices = time_zone_choices(self.time_zone.data, first)


class CommitmentForm(AppForm):
    kind = Choice(_l("Type"), choices=[choice(k.name, _l(k.value)) for k in SUBCONTRACT_KINDS],
                  invalid=_l("Choose Subcontract or Purchase Order."))
    number = _text(_l("Number"), _l("Enter the number."), NUMBER_MAX)
    title = _text(_l("Title"), _l("Enter the title."), TITLE_MAX)
    vendor_id = Choice(_l("Vendor"), choices=[], invalid=_l("Choose a vendor."))
    status = Choice(_l("Status"), choices=STATUS_CHOICES, invalid=_l("Choose a status."))
    retention_pct = PercentField(_l("Retention %"))
    stored_materials_retention_pct = PercentField(
        _l("Stored materials retention %"), optional=True,
        description=_l("Leave empty to retain stored materials at the same % as work."))
    is_private = BooleanField(
        _l("Private"), description=_l("Only admins and the people on the Private list see a private commitment."))


class HeadContractForm(AppForm):
    """The head contract's own fields; the service (domain/head_contract.py) checks the client and the e-mail."""

    number = _text(_l("Number"), _l("Enter the number."), NUMBER_MAX)
    title = _text(_l("Title"), _l("Enter the title."), TITLE_MAX)
    status = Choice(_l("Status"), choices=STATUS_CHOICES, invalid=_l("Choose a status."))
    client_name = _text(
        _l("Client company"), _l("Enter the client company's name."), CLIENT_NAME_MAX,
        description=_l("The company you bill. One from the directory, or a new one, added as you save."))
    client_contact_name = _text(_l("Client contact"), _l("Enter the client contact's name."), CONTACT_NAME_MAX)
    client_contact_email = EmailField(
        _l("Client contact's e-mail"), filters=[strip],
        validators=[DataRequired(_l("Enter the client contact's e-mail: the claims are sent to it.")),
                    Length(max=EMAIL_MAX, message=_l("Use at most %(limit)s characters.", limit=EMAIL_MAX)),
                    Email(_l(EMAIL_PROBLEM))],  # so it shows with the other fields' messages, not after them
        render_kw={"maxlength": EMAIL_MAX, "autocomplete": "off"})
    contract_date = DayField(_l("Contract date"), validators=[InputRequired(_l("Enter the contract date."))],
                              render_kw={"type": "date"})
    retention_pct = PercentField(_l("Retention %"))
    stored_materials_retention_pct = PercentField(
        _l("Stored materials retention %"), optional=True,
        description=_l("Leave empty to retain stored materials at the same % as work."))


class SovLineForm(AppForm):
    """A line of a Draft SOV, or a line an approved change order adds (prefix keeps ids apart)."""

    class Meta:
        csrf = False  # several of these share one page; the CSRF token rides in the header or a hidden field

    cost_code = _text(_l("Cost code"), _l("Enter the cost code."), COST_CODE_MAX)
    description = _text(_l("Description"), _l("Enter the description."), DESCRIPTION_MAX)
    scheduled_value = MoneyField(_l("Scheduled value"), required=_l("Enter the scheduled value."))


class ChangeValueForm(AppForm):
    class Meta:
        csrf = False

    scheduled_value = MoneyField(_l("New scheduled value"), required=_l("Enter the new scheduled value."))


class ProjectTaxesForm(AppForm):
    """A project's sales taxes: up to four rows of name and rate, and the picker that fills them in."""

    ROWS = 4
    jurisdiction = SelectField(_l("Province or territory"), validate_choice=False, choices=[
        choice("", _l("Choose one to fill in its rates")),
        *(choice(code, j.name if code == "US" else f"{j.name}: {sales_taxes.describe(j.taxes)}")
          for code, j in sales_taxes.JURISDICTIONS.items())])
    taxes = HiddenField()  # carries the message for the taxes as a whole (too many)

    def entries(self) -> list[sales_taxes.TaxEntry]:
        """Every row posted, the four shown and any more sent, so that too many is refused, not dropped."""
        form = request.form
        numbers = sorted({int(k.split("_", 1)[1]) for k in form if re.fullmatch(r"(?:name|rate)_\d{1,2}", k)})
        return [sales_taxes.TaxEntry(form.get(f"name_{n}", ""), form.get(f"rate_{n}", "")) for n in numbers]

    def fill(self, taxes: tuple[Tax, ...] | list[Tax]) -> None:
        for n in range(1, self.ROWS + 1):
            tax = taxes[n - 1] if n <= len(taxes) else None
            getattr(self, f"name_{n}").data = tax.name if tax else ""
            getattr(self, f"rate_{n}").data = _rate_text(tax.rate) if tax else ""

    def rows(self) -> list[tuple[StringField, StringField]]:
        return [(getattr(self, f"name_{n}"), getattr(self, f"rate_{n}")) for n in range(1, self.ROWS + 1)]


def _rate_text(rate: Decimal) -> str:
    return Tax("", rate).label.strip().removesuffix("%")


for _n in range(1, ProjectTaxesForm.ROWS + 1):
    setattr(ProjectTaxesForm, f"name_{_n}", StringField(_l("Tax %(n)s name", n=_n), filters=[strip],
                                                         render_kw={"maxlength": sales_taxes.MAX_NAME}))
    setattr(ProjectTaxesForm, f"rate_{_n}", StringField(_l("Tax %(n)s rate (%%)", n=_n), filters=[strip],
                                                         render_kw={"inputmode": "decimal"}))
