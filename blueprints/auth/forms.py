from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from blueprints.forms import AppForm
from blueprints.forms import lazy_gettext as _l
from domain.accounts import MIN_PASSWORD_LENGTH

# Labels and messages are lazy: each form reads them in the language of the request that shows it.
EMAIL_RULES = [
    DataRequired(_l("Enter your e-mail address.")),
    Length(max=254, message=_l("An e-mail address has at most 254 characters.")),
    Email(_l("Enter a valid e-mail address, like name@example.com."), check_deliverability=False),
]


def new_password_rules() -> list:
    return [
        DataRequired(_l("Choose a password.")),
        # WTForms fills in %(min)d and %(max)d.
        Length(min=MIN_PASSWORD_LENGTH, max=200, message=_l("Use at least %(min)d characters (and at most %(max)d).")),
    ]


def repeated_password(label: object = None, missing: object = None) -> PasswordField:
    """The second box of a new password: it must match the field named `password`."""
    return PasswordField(label or _l("Repeat the password"),
                         validators=[DataRequired(missing or _l("Repeat the password.")),
                                     EqualTo("password", _l("The passwords do not match."))])


class SignInForm(AppForm):
    email = EmailField(_l("E-mail"), validators=EMAIL_RULES)
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=200, message=_l("Too long."))]
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class SetupForm(AppForm):
    company_name = StringField(
        _l("Your company's name"),
        validators=[
            DataRequired(_l("Enter your company's name.")),
            Length(max=200, message=_l("Use at most 200 characters.")),
        ],
    )
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Enter your name.")), Length(max=120, message=_l("Use at most 120 characters."))],
    )
    email = EmailField(_l("E-mail"), validators=EMAIL_RULES)
    password = PasswordField(_l("Password"), validators=new_password_rules())
    confirm = repeated_password()


class TwoStepForm(AppForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(_l("Enter the code from your authenticator app.")),
                    Length(max=40, message=_l("A code has 6 digits; a recovery code 10 letters and digits."))],
        description=_l("The 6-digit code your authenticator app shows now, or one of your recovery codes."),
    )


class ForgotPasswordForm(AppForm):
    email = EmailField(_l("E-mail"), validators=EMAIL_RULES,
                       description=_l("The address you sign in with. A link to choose a new password goes there."))


class ResetPasswordForm(AppForm):
    password = PasswordField(_l("New password"), validators=new_password_rules())
    confirm = repeated_password(_l("Repeat the new password"), _l("Repeat the new password."))
