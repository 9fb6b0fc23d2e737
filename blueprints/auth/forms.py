from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from blueprints.forms import AppForm
from domain.accounts import MIN_PASSWORD_LENGTH

EMAIL_RULES = [
    DataRequired("Enter your e-mail address."),
    Length(max=254, message="An e-mail address has at most 254 characters."),
    Email("Enter a valid e-mail address, like name@example.com.", check_deliverability=False),
]


def new_password_rules() -> list:
    return [
        DataRequired("Choose a password."),
        Length(
            min=MIN_PASSWORD_LENGTH,
            max=200,
            message=f"Use at least {MIN_PASSWORD_LENGTH} characters (and at most 200).",
        ),
    ]


def repeated_password(label: str = "Repeat the password") -> PasswordField:
    """The second box of a new password: it must match the field named `password`."""
    return PasswordField(label, validators=[DataRequired(f"{label}."),
                                            EqualTo("password", "The passwords do not match.")])


class SignInForm(AppForm):
    email = EmailField("E-mail", validators=EMAIL_RULES)
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=200, message="Too long.")]
    )
    remember = BooleanField("Keep me signed in on this device")


class SetupForm(AppForm):
    company_name = StringField(
        "Your company's name",
        validators=[
            DataRequired("Enter your company's name."),
            Length(max=200, message="Use at most 200 characters."),
        ],
    )
    name = StringField(
        "Your name",
        validators=[DataRequired("Enter your name."), Length(max=120, message="Use at most 120 characters.")],
    )
    email = EmailField("E-mail", validators=EMAIL_RULES)
    password = PasswordField("Password", validators=new_password_rules())
    confirm = repeated_password()


class TwoStepForm(AppForm):
    code = StringField(
        "Code",
        validators=[DataRequired("Enter the code from your authenticator app."),
                    Length(max=40, message="A code has 6 digits; a recovery code 10 letters and digits.")],
        description="The 6-digit code your authenticator app shows now, or one of your recovery codes.",
    )


class ForgotPasswordForm(AppForm):
    email = EmailField("E-mail", validators=EMAIL_RULES,
                       description="The address you sign in with. A link to choose a new password goes there.")


class ResetPasswordForm(AppForm):
    password = PasswordField("New password", validators=new_password_rules())
    confirm = repeated_password("Repeat the new password")
