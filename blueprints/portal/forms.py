from decimal import Decimal

from flask_babel import LazyString
from wtforms import PasswordField

from blueprints.auth.forms import new_password_rules, repeated_password
from blueprints.forms import AppForm, reason_field
from blueprints.forms import lazy_gettext as _l
from domain.money import format_number
from domain.portal import MAX_REASON

# "1,000" or "1 000": the form is made once, at import, so the number is written for each reader when shown.
REASON_LIMIT = LazyString(format_number, Decimal(MAX_REASON), 0)


class ActivateForm(AppForm):
    password = PasswordField(_l("Choose a password"), validators=new_password_rules())
    confirm = repeated_password()


class DeclineForm(AppForm):
    reason = reason_field(_l("Reason (optional)"), MAX_REASON,
                          _l("Keep the reason to %(count)s characters or fewer.", count=REASON_LIMIT))


class AnswerForm(AppForm):
    """Accept: no fields, only the CSRF token."""


class MuteForm(AppForm):
    """Mute reminders: no fields, only the CSRF token (the link's token is the proof)."""
