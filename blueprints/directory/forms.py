"""Forms of the company settings, the directory and account activation.

Ids chosen in selects are not checked against the choices here: the directory services
decide whether a company or a contact may be chosen, and say why not next to the field.
"""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from blueprints.auth.forms import new_password_rules, repeated_password
from blueprints.forms import AppForm, id_or_none, time_zone_choices
from domain import company_settings, directory, people, vendors
from domain.dates import known_zones
from domain.models import Dictionary
from domain.money import PERCENT_PROBLEM, parse_percent


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _unix_newlines(value: object) -> object:
    # Browsers send a textarea's line breaks as CRLF; count and keep them as one character.
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def _required(what: str, most: int) -> list:
    return [DataRequired(f"Enter {what}."), Length(max=most, message=f"Use at most {most:,} characters.")]


def _at_most(most: int) -> list:
    return [Length(max=most, message=f"Use at most {most:,} characters.")]


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
        raise ValidationError("Choose one of the dictionaries.")


def _known_time_zone(form: AppForm, field: SelectField) -> None:
    if not field.raw_data or field.data not in known_zones():
        raise ValidationError("Choose a time zone from the list.")


class CompanySettingsForm(AppForm):
    name = StringField("Company name", filters=[_strip], validators=_required("the company's name",
                                                                              directory.MAX_COMPANY_NAME))
    dictionary = RadioField("Words", coerce=_dictionary, validate_choice=False,
                            choices=[SelectChoice(d.name, d.value) for d in Dictionary],
                            validators=[_chosen_dictionary])
    default_retention_pct = StringField("Default retention %", filters=[_strip],
                                        validators=[InputRequired(PERCENT_PROBLEM), _percent],
                                        render_kw={"inputmode": "decimal"})
    invite_message = TextAreaField(
        "Custom message for invites", filters=[_unix_newlines],
        validators=[Length(max=directory.MAX_INVITE_MESSAGE,
                           message=f"Keep the message to {directory.MAX_INVITE_MESSAGE:,} characters or fewer.")],
        render_kw={"rows": 4, "maxlength": directory.MAX_INVITE_MESSAGE})
    time_zone = SelectField("Time zone", validate_choice=False, validators=[_known_time_zone])
    two_step_required_for_admins = BooleanField("Company admins must use two-step sign-in")
    notary_block_on_pay_applications = BooleanField("Add a notary block to pay application PDFs")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone.choices = time_zone_choices(self.time_zone.data)

    def settings(self) -> company_settings.CompanySettings:
        return company_settings.CompanySettings(
            name=self.name.data, dictionary=self.dictionary.data,
            default_retention_pct=parse_percent(self.default_retention_pct.data),
            invite_message=self.invite_message.data or "", time_zone=self.time_zone.data,
            two_step_required_for_admins=bool(self.two_step_required_for_admins.data),
            notary_block_on_pay_applications=bool(self.notary_block_on_pay_applications.data))


class VendorForm(AppForm):
    name = StringField("Name", filters=[_strip], validators=_required("the vendor's name",
                                                                      directory.MAX_COMPANY_NAME))
    trade = StringField("Trade", filters=[_strip], validators=_at_most(directory.MAX_TRADE),
                        description="Concrete, Electrical, Plumbing supply, ...")
    address = TextAreaField("Address", filters=[_strip], validators=_at_most(directory.MAX_ADDRESS),
                            render_kw={"rows": 2})

    def details(self) -> vendors.VendorDetails:
        return vendors.VendorDetails(name=self.name.data, address=self.address.data or "",
                                       trade=self.trade.data or "")


class VendorEditForm(VendorForm):
    default_claim_contact_id = SelectField("Default contact", coerce=id_or_none, validate_choice=False)

    def details(self) -> vendors.VendorDetails:
        return vendors.VendorDetails(name=self.name.data, address=self.address.data or "",
                                       trade=self.trade.data or "",
                                       default_claim_contact_id=self.default_claim_contact_id.data)


class PersonForm(AppForm):
    name = StringField("Name", filters=[_strip], validators=_required("their name", directory.MAX_PERSON_NAME))
    email = EmailField("E-mail", filters=[_strip], validators=[
        DataRequired("Enter their e-mail address."),
        Length(max=directory.MAX_EMAIL, message=f"An e-mail address has at most {directory.MAX_EMAIL} characters."),
        Email("Enter a valid e-mail address, like name@example.com.", check_deliverability=False),
    ])
    company_id = SelectField("Company", coerce=id_or_none, validate_choice=False)
    is_company_admin = BooleanField("Company admin")

    def details(self) -> people.PersonDetails:
        return people.PersonDetails(name=self.name.data, email=self.email.data,
                                       company_id=self.company_id.data,
                                       is_company_admin=bool(self.is_company_admin.data))


class PersonEditForm(PersonForm):
    active = BooleanField("Active (can sign in and gets e-mail)")

    def details(self) -> people.PersonDetails:
        return people.PersonDetails(name=self.name.data, email=self.email.data,
                                       company_id=self.company_id.data,
                                       is_company_admin=bool(self.is_company_admin.data),
                                       active=bool(self.active.data))


class ActivateAccountForm(AppForm):
    password = PasswordField("Choose a password", validators=new_password_rules())
    confirm = repeated_password()
