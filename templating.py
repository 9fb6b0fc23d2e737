"""What every template can use: the terms dictionary, money and date formatting."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.numbers import format_currency, format_decimal
from flask import Flask, g

from domain import accounts
from domain.models import Dictionary
from domain.terms import Terms


def current_terms() -> Terms:
    """The own company's dictionary, looked up once per request."""
    if "terms" not in g:
        company = accounts.own_company()
        g.terms = Terms(company.dictionary if company else Dictionary.SPECIALTY)
    return g.terms


def money(value: Decimal | None, currency: str = "USD") -> str:
    if value is None:
        return ""
    if not isinstance(value, Decimal):
        raise TypeError(f"money must be Decimal, not {type(value).__name__}")
    return format_currency(value, currency, locale="en_US")


def number(value: Decimal | None, places: int = 1) -> str:
    if value is None:
        return ""
    return format_decimal(value, format="#,##0." + "0" * places, locale="en_US")


def day(value: date | datetime | None) -> str:
    return value.strftime("%b %-d, %Y") if value else ""


def moment(value: datetime | None) -> str:
    return value.strftime("%b %-d, %Y %H:%M UTC") if value else ""


def register_templating(app: Flask) -> None:
    from domain.board import reason_text

    app.jinja_env.filters.update(money=money, number=number, day=day, moment=moment)
    app.jinja_env.globals.update(reason_text=reason_text, zip=zip)

    @app.context_processor
    def _inject() -> dict[str, object]:
        return {"term": current_terms()}
