"""The one exception a service raises for values it refuses: form field name -> message.

Raised before anything is written. A view hands it to `blueprints.field_errors.show_problems`,
which puts each message next to its field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Invalid(Exception):
    """Values the form accepted but the service refuses: `problems` maps form field names to messages."""

    def __init__(self, field: str, message: str, *, more: dict[str, str] | None = None) -> None:
        # A message may be lazy (flask_babel.lazy_gettext where it is raised): it is read here, in the language
        # of the request or e-mail being written, and kept as plain text, which a page escapes like any other.
        super().__init__(str(message))
        self.problems: dict[str, str] = {name: str(text) for name, text in {field: message, **(more or {})}.items()}

    @property
    def field(self) -> str:
        """The first field at fault."""
        return next(iter(self.problems))

    @property
    def message(self) -> str:
        """The first field's message."""
        return self.problems[self.field]


def check_all(*checks: Callable[[], Any]) -> list[Any]:
    """Run independent checks and refuse with every problem at once, so each field says what is wrong."""
    problems: dict[str, str] = {}
    results = []
    for check in checks:
        try:
            results.append(check())
        except Invalid as refused:
            for field_name, message in refused.problems.items():
                problems.setdefault(field_name, message)
            results.append(None)
    if problems:
        field_name, message = next(iter(problems.items()))
        raise Invalid(field_name, message, more=problems)
    return results
