"""Putting a service's refusal (`domain.errors.Invalid`) on the form, each message next to its field."""

from __future__ import annotations

from wtforms import Form

from domain.errors import Invalid


def show_problems(form: Form, refused: Invalid | dict[str, str]) -> None:
    """Each message replaces the errors of the field it names, so the field says only what the service said.
    A message may be lazy (translated where raised, domain/errors.py): it is read now, in the request's
    language, and kept as text, which the page escapes."""
    problems = refused.problems if isinstance(refused, Invalid) else refused
    for field, message in problems.items():
        getattr(form, field).errors = [str(message)]
