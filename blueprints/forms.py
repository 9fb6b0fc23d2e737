"""What every form and every number read from a request share: one rule for text, one for ids.

Text: every text field of every form (`AppForm`, the base of all forms here) takes out control
characters (domain/text.py says which), which cannot be stored (PostgreSQL refuses NUL) or seen,
and refuses the form with a message next to the field, showing the text without them to check
and send again. A text box (TextArea widget) keeps its line breaks and tabs; any other field tabs only.

Numbers: an id or count from the path, a query string or a form names a row only if the database
could hold it: 0 to 2**31-1, PostgreSQL's INTEGER. Beyond that SQLite raises OverflowError and
PostgreSQL "integer out of range"; here it is simply a number that names nothing (404 in a path,
a message next to a field, a filter ignored).
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext, pgettext
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from markupsafe import escape
from werkzeug.routing import IntegerConverter
from wtforms import DateField, Field, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import TextArea

from domain.dates import zone_choices
from domain.locales import N_
from domain.text import has_control_characters, without_control_characters

DB_INT_MAX = 2**31 - 1


def strip(value: object) -> object:
    """A field filter: text without the spaces around it."""
    return value.strip() if isinstance(value, str) else value


def reason_field(label: object, limit: int, too_long: object, required: object = None,
                 description: object = "") -> TextAreaField:
    """A box for why (a withdrawal, a notice of non-payment, a decline): at most `limit` characters, required
    when `required` says what to write, the browser stopping at the limit too."""
    rules = [DataRequired(required)] if required else []
    return TextAreaField(label, validators=[*rules, Length(max=limit, message=too_long)], filters=[strip],
                         render_kw={"rows": 3, "maxlength": limit}, description=description)


class LazyText(LazyString):
    """A form's label or message, read in the language of the request that shows it. Unlike Flask-Babel's
    LazyString it is text, not markup: a page escapes it like any other text (`Your company's name`)."""

    def __html__(self) -> str:
        return str(escape(str(self)))


def lazy_gettext(text: str, **variables: object) -> LazyText:
    """gettext, when the text is shown (labels and messages are made once, at import); `make messages`
    extracts it as `_l`."""
    return LazyText(gettext, text, **variables)


def lazy_pgettext(context: str, text: str, **variables: object) -> LazyText:
    """lazy_gettext for a word whose translation depends on what it is about (French "Aucune" for a law, "Aucun"
    for an access level); `make messages` extracts it as `lazy_pgettext`."""
    return LazyText(pgettext, context, text, **variables)


CONTROL_CHARACTERS_MESSAGE = N_("This had invisible control characters, which cannot be saved. They are taken "
                                "out now: check it and send it again.")  # shown through gettext


def db_int(value: object) -> int:
    """A whole number typed in ASCII digits, 0 to DB_INT_MAX; ValueError otherwise.

    Use it as werkzeug's `type=` (`request.args.get("period", type=db_int)`), which then answers
    the default: a filter or an optional value is ignored rather than a 500.
    """
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"not a whole number: {value!r}")
    number = int(text)
    if number > DB_INT_MAX:
        raise ValueError(f"{number} is larger than the database holds")
    return number


def id_or_none(value: object) -> int | None:
    """The coerce of a select of rows: "" is no choice; anything that names no row becomes -1, which
    matches nothing, so the service says next to the field to choose from the list."""
    if value in (None, ""):
        return None
    try:
        return db_int(value)
    except ValueError:
        return -1


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits up to DB_INT_MAX, so a larger id is a 404 like any
    unknown one. Registered in place of werkzeug's `int` in create_app, before the blueprints."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,  # type: ignore[no-untyped-def]  # noqa: A002
                 signed: bool = False) -> None:
        bounded = DB_INT_MAX if max is None or max > DB_INT_MAX else max
        super().__init__(map, fixed_digits, min, bounded, signed)


class AppForm(FlaskForm):
    """The base of every form: its text fields go through the one rule on control characters."""

    class Meta:
        def wrap_formdata(self, form: FlaskForm, formdata: Any) -> Any:
            # Pages post forms (plain or through htmx), never JSON: a JSON body would be read by the
            # form but not by the rate limits, which key on the posted form's fields.
            if request.is_json and not request.form:
                return None
            return super().wrap_formdata(form, formdata)  # type: ignore[misc]

        def bind_field(self, form: FlaskForm, unbound_field: Any, options: dict) -> Field:
            field = super().bind_field(form, unbound_field, options)  # type: ignore[misc]
            if isinstance(field, StringField):
                field.filters = (*field.filters, _control_character_filter(field))
            return field

    def validate(self, extra_validators: dict | None = None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if getattr(field, "control_characters_removed", False):
                field.errors = [gettext(CONTROL_CHARACTERS_MESSAGE), *field.errors]
                valid = False
        return valid


def _control_character_filter(field: StringField):  # type: ignore[no-untyped-def]
    multi_line = isinstance(field.widget, TextArea)

    def take_out(value: object) -> object:
        field.control_characters_removed = False
        if not isinstance(value, str):
            return value
        field.control_characters_removed = has_control_characters(value, multi_line=multi_line)
        return without_control_characters(value, multi_line=multi_line)

    return take_out


def time_zone_choices(current: str | None, first: str = "United States") -> dict[str, list[SelectChoice]]:
    """The time zone picker's options, grouped (domain/dates.zone_choices), for a select field."""
    return {group: [SelectChoice(value, words) for value, words in zones]
            for group, zones in zone_choices(first, current).items()}


class DayField(DateField):
    """A date, typed as 2026-11-30 (the browser's date picker sends that too); anything else is refused
    in words that say what to type, not WTForms' "Not a valid date value."."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(gettext("Enter a date like 2026-11-30.")) from None
