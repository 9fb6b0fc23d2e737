"""What the setup views share: messages next to form fields, form status codes."""

from __future__ import annotations

from flask import request
from flask_babel import pgettext
from wtforms import Form

from blueprints.field_errors import show_problems
from domain.locales import N_
from domain.models import CommitmentStatus

COUNTRY_WORDS = (N_("United States"), N_("Canada"))  # domain.models.Country's values, translated where shown
# AccessLevel.label's words, translated where shown (None is in the catalogue already).
LEVEL_WORDS = (N_("Read Only"), N_("Standard"), N_("Admin"))


def commitment_status_word(status: CommitmentStatus) -> str:
    """A commitment's status in the reader's language (a contract's words: French agrees them in the masculine,
    unlike a claim's); English is the status's own value."""
    words = {
        CommitmentStatus.DRAFT: pgettext("commitment", "Draft"),
        CommitmentStatus.OUT_FOR_SIGNATURE: pgettext("commitment", "Out for Signature"),
        CommitmentStatus.APPROVED: pgettext("commitment", "Approved"),
        CommitmentStatus.COMPLETE: pgettext("commitment", "Complete"),
        CommitmentStatus.TERMINATED: pgettext("commitment", "Terminated"),
        CommitmentStatus.VOID: pgettext("commitment", "Void"),
    }
    return words[status]


def validate_with_number(form: Form, clash) -> bool:  # type: ignore[no-untyped-def]
    """The form's own checks, plus "number taken" next to the number even when other fields are wrong too.

    `clash(number)` answers why the number cannot be used, or None.
    """
    valid = form.validate_on_submit()
    if request.method == "POST" and not form.number.errors and form.number.data:
        problem = clash(form.number.data)
        if problem:
            show_problems(form, {"number": problem})
            return False
    return valid


def status_of(form: Form) -> int:
    """422 when some field carries a message (the form was sent and is wrong), else 200."""
    return 422 if any(f.errors for f in form) else 200
