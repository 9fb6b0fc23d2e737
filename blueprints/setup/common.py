"""What the setup views share: messages next to form fields, form status codes."""

from __future__ import annotations

from flask import request
from wtforms import Form

from blueprints.field_errors import show_problems


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
