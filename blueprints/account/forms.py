from wtforms import PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from blueprints.auth.forms import new_password_rules, repeated_password
from blueprints.forms import AppForm
from blueprints.forms import lazy_gettext as _l
from domain.locales import LANGUAGES, supported

CURRENT_PASSWORD_RULES = [DataRequired(_l("Enter your current password.")), Length(max=200, message=_l("Too long."))]


class PasswordChangeForm(AppForm):
    current_password = PasswordField(_l("Current password"), validators=CURRENT_PASSWORD_RULES)
    password = PasswordField(_l("New password"), validators=new_password_rules())
    confirm = repeated_password(_l("Repeat the new password"), _l("Repeat the new password."))


class TwoStepSetupForm(AppForm):
    code = StringField(_l("Code from the app"), validators=[
        DataRequired(_l("Enter the 6-digit code your app shows.")),
        Length(max=20, message=_l("A code has 6 digits.")),
    ])


class CurrentPasswordForm(AppForm):
    current_password = PasswordField(_l("Current password"), validators=CURRENT_PASSWORD_RULES)


class WeeklyDigestForm(AppForm):
    weekly_digest = RadioField(_l("Weekly digest"), validate_choice=False,
                               choices=[SelectChoice("on", _l("On")), SelectChoice("off", _l("Off"))])

    def validate_weekly_digest(self, field: RadioField) -> None:
        if field.data not in ("on", "off"):
            raise ValidationError(_l("Choose on or off."))


COMPANY_DEFAULT = ""  # the language choice that follows the company's default


class LanguageForm(AppForm):
    """A person's own language, or the company's default. Each language is named in its own words."""

    language = SelectField(_l("Your language"), validate_choice=False)

    def __init__(self, *args: object, company_default: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = [
            SelectChoice(COMPANY_DEFAULT, _l("The company's default (%(language)s)",
                                             language=LANGUAGES[company_default])),
            *(SelectChoice(code, name, render_kw={"lang": "fr-CA" if code == "fr" else code})
              for code, name in LANGUAGES.items()),
        ]

    def validate_language(self, field: SelectField) -> None:
        if field.data != COMPANY_DEFAULT and supported(field.data) != field.data:
            raise ValidationError(_l("Choose a language from the list."))

    def chosen(self) -> str | None:
        return self.language.data or None
