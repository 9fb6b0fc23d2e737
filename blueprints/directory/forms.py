"""Forms of the company settings, the directory and account activation.

Ids chosen in selects are not checked against the choices here: the directory services
decide whether a company or a contact may be chosen, and say why not next to the field.
"""

from __future__ import annotations

from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from blueprints.auth.forms import new_password_rules, repeated_password
from blueprints.forms import CONTROL_CHARACTERS_MESSAGE, AppForm, id_or_none, strip, time_zone_choices
from blueprints.forms import lazy_gettext as _l
from domain import company_settings, directory, people, reminders, vendors
from domain.dates import known_zones
from domain.errors import Invalid
from domain.locales import LANGUAGES, N_
from domain.models import Dictionary
from domain.money import PERCENT_PROBLEM, parse_percent

# The dictionaries' names (domain.models.Dictionary's values), translated where the settings show them.
DICTIONARY_WORDS = (N_("Specialty contractor"), N_("General contractor"), N_("Owner"))



def _unix_newlines(value: object) -> object:
    # Browsers send a textarea's line breaks as CRLF; count and keep them as one character.
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def _required(missing: str, most: int) -> list:
    return [DataRequired(missing), *_at_most(most)]


def _at_most(most: int) -> list:
    return [Length(max=most, message=_l("Use at most %(limit)s characters.", limit=format(most, ",")))]


def _dictionary(value: object) -> Dictionary | None:
    if isinstance(value, Dictionary) or value is None:
        return value
    return Dictionary.__members__.get(str(value))


def _percent(form: AppForm, field: StringField) -> None:
    try:
        parse_percent(field.data or "")
    except ValueError as problem:
        raise ValidationError(str(problem)) from None


def _chosen_dictionary(form: AppForm, field: RadioField) -> None:
    if not field.raw_data or field.data is None:
        raise ValidationError(_l("Choose one of the dictionaries."))


def _known_time_zone(form: AppForm, field: SelectField) -> None:
    if not field.raw_data or field.data not in known_zones():
        raise ValidationError(_l("Choose a time zone from the list."))


class CompanySettingsForm(AppForm):
    name = StringField(_l("Company name"), filters=[strip], validators=_required(_l("Enter the company's name."),
                                                                                 directory.MAX_COMPANY_NAME))
    dictionary = RadioField(_l("Words"), coerce=_dictionary, validate_choice=False,
                            choices=[SelectChoice(d.name, _l(d.value)) for d in Dictionary],
                            validators=[_chosen_dictionary])
    default_retention_pct = StringField(_l("Default retention %"), filters=[strip],
                                        validators=[InputRequired(_l(PERCENT_PROBLEM)), _percent],
                                        render_kw={"inputmode": "decimal"})
    invite_message = TextAreaField(
        _l("Custom message for invites"), filters=[_unix_newlines],
        validators=[Length(max=directory.MAX_INVITE_MESSAGE,
                           message=_l("Keep the message to %(limit)s characters or fewer.",
                                      limit=format(directory.MAX_INVITE_MESSAGE, ",")))],
        render_kw={"rows": 4, "maxlength": directory.MAX_INVITE_MESSAGE})
    time_zone = SelectField(_l("Time zone"), validate_choice=False, validators=[_known_time_zone])
    two_step_required_for_admins = BooleanField(_l("Company admins must use two-step sign-in"))
    notary_block_on_pay_applications = BooleanField(_l("Add a notary block to pay application PDFs"))
    tax_number = StringField(_l("GST/HST registration number"), filters=[strip], validators=_at_most(40))
    # "": no default, each person's browser decides (domain/locales.language_for); the service checks the rest.
    default_language = SelectField(_l("Default language"), validate_choice=False, filters=[lambda v: v or ""],
                                   choices=[SelectChoice("", _l("Each person's browser")),
                                            *(SelectChoice(code, name, render_kw={"lang": code})
                                              for code, name in LANGUAGES.items())])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone.choices = time_zone_choices(self.time_zone.data)

    def settings(self) -> company_settings.CompanySettings:
        return company_settings.CompanySettings(
            name=self.name.data, dictionary=self.dictionary.data,
            default_retention_pct=parse_percent(self.default_retention_pct.data),
            invite_message=self.invite_message.data or "", time_zone=self.time_zone.data,
            two_step_required_for_admins=bool(self.two_step_required_for_admins.data),
            notary_block_on_pay_applications=bool(self.notary_block_on_pay_applications.data),
            tax_number=self.tax_number.data or "", default_language=self.default_language.data or None)


class ReminderPolicyForm(AppForm):
    """A reminder policy, the company's or a project's own (the project's page adds its choice to follow the
    company's). The ranges are the domain's: `policy()` reads the values and the service says what is wrong."""

    enabled = BooleanField(_l("Send reminders"))
    days_before = StringField(_l("Days before the due date"), filters=[strip], render_kw={"inputmode": "numeric"})
    on_due_date = BooleanField(_l("Remind on the due date"))
    overdue_every_days = IntegerField(_l("Overdue: remind every … days"),
                                      validators=[InputRequired(_l("Enter a number of days, like 3."))],
                                      render_kw={"inputmode": "numeric"})
    overdue_times = IntegerField(_l("Overdue: at most … times"),
                                 validators=[InputRequired(_l("Enter how many times, like 3 (0 for none)."))],
                                 render_kw={"inputmode": "numeric"})
    message = TextAreaField(_l("Custom message in reminders"), filters=[_unix_newlines],
                            render_kw={"rows": 3, "maxlength": reminders.MAX_MESSAGE})

    @staticmethod
    def initial(policy: reminders.Policy) -> dict[str, object]:
        return {"enabled": policy.enabled, "days_before": ", ".join(str(d) for d in policy.days_before),
                "on_due_date": policy.on_due_date, "overdue_every_days": policy.overdue_every_days,
                "overdue_times": policy.overdue_times, "message": policy.message}

    def policy(self) -> reminders.Policy:
        """The values as a checked policy, or Invalid naming every field at fault at once."""
        problems: dict[str, str] = {}
        try:
            days = reminders.parse_days(self.days_before.data or "")
        except Invalid as refused:
            problems.update(refused.problems)
            days = ()
        policy = reminders.Policy(enabled=bool(self.enabled.data), days_before=days,
                                  on_due_date=bool(self.on_due_date.data),
                                  overdue_every_days=self.overdue_every_days.data,
                                  overdue_times=self.overdue_times.data, message=self.message.data or "")
        try:
            policy = reminders.checked(policy)
        except Invalid as refused:
            problems.update({k: v for k, v in refused.problems.items() if k not in problems})
        if problems:
            first, message = next(iter(problems.items()))
            raise Invalid(first, message, more=problems)
        return policy


FOLLOW = N_("Choose the company's policy or this project's own.")


def _chosen_follow(form: AppForm, field: RadioField) -> None:
    if field.data not in ("company", "own"):
        raise ValidationError(_l(FOLLOW))


class ProjectReminderPolicyForm(ReminderPolicyForm):
    """A project's reminders: the company's policy, or its own (then the policy's fields count)."""

    follow = RadioField(_l("Reminders on this project"), validate_choice=False, validators=[_chosen_follow],
                        choices=[SelectChoice("company", _l("Use the company's policy")),
                                 SelectChoice("own", _l("Use this project's own policy"))])

    def validate(self, extra_validators: dict | None = None) -> bool:
        valid = super().validate(extra_validators)
        if self.follow.data == "company":  # the fields of a policy the project will not have are not read,
            for field in self:             # but invisible control characters are refused wherever they come
                if field.name not in ("follow", "csrf_token"):
                    field.errors = [e for e in field.errors if e == CONTROL_CHARACTERS_MESSAGE]
            valid = not any(field.errors for field in self)
        return valid


class VendorForm(AppForm):
    name = StringField(_l("Name"), filters=[strip], validators=_required(_l("Enter the vendor's name."),
                                                                          directory.MAX_COMPANY_NAME))
    trade = StringField(_l("Trade"), filters=[strip], validators=_at_most(directory.MAX_TRADE),
                        description=_l("Concrete, Electrical, Plumbing supply, ..."))
    address = TextAreaField(_l("Address"), filters=[strip], validators=_at_most(directory.MAX_ADDRESS),
                            render_kw={"rows": 2})
    tax_number = StringField(_l("GST/HST registration number"), filters=[strip], validators=_at_most(40),
                             description=_l("Canada: 9 digits, RT and 4 digits, like 123456789RT0001. "
                                            "Printed on its claims' PDFs. Leave empty if it has none."))

    def details(self) -> vendors.VendorDetails:
        return vendors.VendorDetails(name=self.name.data, address=self.address.data or "",
                                       trade=self.trade.data or "", tax_number=self.tax_number.data or "")


class VendorEditForm(VendorForm):
    default_claim_contact_id = SelectField(_l("Default contact"), coerce=id_or_none, validate_choice=False)

    def details(self) -> vendors.VendorDetails:
        return vendors.VendorDetails(name=self.name.data, address=self.address.data or "",
                                       trade=self.trade.data or "", tax_number=self.tax_number.data or "",
                                       default_claim_contact_id=self.default_claim_contact_id.data)


class PersonForm(AppForm):
    name = StringField(_l("Name"), filters=[strip], validators=_required(_l("Enter their name."),
                                                                          directory.MAX_PERSON_NAME))
    email = EmailField(_l("E-mail"), filters=[strip], validators=[
        DataRequired(_l("Enter their e-mail address.")),
        Length(max=directory.MAX_EMAIL, message=_l("An e-mail address has at most %(limit)s characters.",
                                                         limit=directory.MAX_EMAIL)),
        Email(_l("Enter a valid e-mail address, like name@example.com."), check_deliverability=False),
    ])
    company_id = SelectField(_l("Company"), coerce=id_or_none, validate_choice=False)
    is_company_admin = BooleanField(_l("Company admin"))

    def details(self) -> people.PersonDetails:
        return people.PersonDetails(name=self.name.data, email=self.email.data,
                                       company_id=self.company_id.data,
                                       is_company_admin=bool(self.is_company_admin.data))


class PersonEditForm(PersonForm):
    active = BooleanField(_l("Active (can sign in and gets e-mail)"))

    def details(self) -> people.PersonDetails:
        return people.PersonDetails(name=self.name.data, email=self.email.data,
                                       company_id=self.company_id.data,
                                       is_company_admin=bool(self.is_company_admin.data),
                                       active=bool(self.active.data))


class ActivateAccountForm(AppForm):
    password = PasswordField(_l("Choose a password"), validators=new_password_rules())
    confirm = repeated_password()
