from wtforms import PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from blueprints.auth.forms import new_password_rules, repeated_password
from blueprints.forms import AppForm

CURRENT_PASSWORD_RULES = [DataRequired("Enter your current password."), Length(max=200, message="Too long.")]


class PasswordChangeForm(AppForm):
    current_password = PasswordField("Current password", validators=CURRENT_PASSWORD_RULES)
    password = PasswordField("New password", validators=new_password_rules())
    confirm = repeated_password("Repeat the new password")


class TwoStepSetupForm(AppForm):
    code = StringField("Code from the app", validators=[
        DataRequired("Enter the 6-digit code your app shows."),
        Length(max=20, message="A code has 6 digits."),
    ])


class CurrentPasswordForm(AppForm):
    current_password = PasswordField("Current password", validators=CURRENT_PASSWORD_RULES)


class WeeklyDigestForm(AppForm):
    weekly_digest = RadioField("Weekly digest", validate_choice=False,
                               choices=[SelectChoice("on", "On"), SelectChoice("off", "Off")])

    def validate_weekly_digest(self, field: RadioField) -> None:
        if field.data not in ("on", "off"):
            raise ValidationError("Choose on or off.")
