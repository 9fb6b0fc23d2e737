"""What every template can use: the terms dictionary, money and date formatting."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask, current_app, g, has_request_context
from flask_login import current_user

from domain import accounts, permissions
from domain.models import Dictionary
from domain.money import format_money
from domain.periods import period_name
from domain.terms import Terms


def current_terms() -> Terms:
    """The own company's dictionary, looked up once per request."""
    if "terms" not in g:
        user = current_user if has_request_context() else None  # e-mails render outside requests
        # Staff belong to the own company, already loaded with them; contacts need a look-up.
        staff = user is not None and user.is_authenticated and user.company.is_own
        company = user.company if staff else accounts.own_company()
        g.terms = Terms(company.dictionary if company else Dictionary.SPECIALTY)
        current_app.extensions["pb_dictionary"] = g.terms.dictionary  # for use_terms_without_database
    return g.terms


def use_terms_without_database() -> Terms:
    """This request's words without a query (the database is down): the own company's dictionary as
    last seen, or the default one."""
    g.terms = Terms(current_app.extensions.get("pb_dictionary", Dictionary.SPECIALTY))
    return g.terms


money = format_money  # the one way money is written, on pages and in e-mails


def number(value: Decimal | None, places: int = 1) -> str:
    if value is None:
        return ""
    if not isinstance(value, Decimal):
        raise TypeError(f"numbers shown must be Decimal, not {type(value).__name__}")
    return f"{value:,.{places}f}"


def day(value: date | datetime | None) -> str:
    return value.strftime("%b %-d, %Y") if value else ""


def moment(value: datetime | None) -> str:
    return value.strftime("%b %-d, %Y %H:%M UTC") if value else ""


# One colour per invite state, wherever an invite's badge shows.
INVITE_BADGE = {"not_invited": "text-bg-light border", "invited": "text-bg-primary", "accepted": "text-bg-success",
                "declined": "text-bg-danger"}
# One colour per claim state, wherever a claim's status badge shows.
CLAIM_BADGE = {"draft": "text-bg-light border", "under_review": "text-bg-warning",
               "revise_and_resubmit": "text-bg-danger", "pending_owner_approval": "text-bg-success",
               "approved_as_noted": "text-bg-success", "approved": "text-bg-success",
               "withdrawn": "text-bg-dark"}  # white on near-black: far above 4.5:1


def register_templating(app: Flask) -> None:
    # Block tags leave no blank lines behind: a 1,000-row page is a third smaller.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    from domain.board import reason_text

    app.jinja_env.filters.update(money=money, number=number, day=day, moment=moment, period_name=period_name)
    app.jinja_env.globals.update(reason_text=reason_text, zip=zip, invite_badge=INVITE_BADGE,
                                  claim_badge=CLAIM_BADGE)

    @app.context_processor
    def _inject() -> dict[str, object]:
        # The menu shows Directory and Settings to company admins: a flag, decided in domain/permissions.py.
        company_admin = has_request_context() and permissions.is_company_admin(current_user)
        return {"term": current_terms(), "is_company_admin": company_admin}
