"""The language of each request (issue 18), and the switch that chooses it.

Flask-Babel asks `select_locale` once per request: the signed-in person's own setting, else what this
browser chose with the switch (kept in the session), else the own company's default, else the browser's
Accept-Language; domain/locales.language_for decides. The switch (templates/partials/_language_switch.html,
on the sign-in and portal pages) posts here: it keeps the choice in the session and, for a signed-in person,
in their own setting too.
"""

from __future__ import annotations

from contextlib import suppress

from flask import Blueprint, Flask, g, has_request_context, redirect, request, session, url_for
from flask_babel import Babel
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from blueprints.forms import AppForm
from domain import accounts, locales
from domain.models import db

bp = Blueprint("language", __name__)
babel = Babel()

SESSION_KEY = "language"  # what an anonymous visitor chose with the switch


def request_language() -> str:
    """This request's language ("en", "fr"), decided once."""
    if "language" not in g:
        g.language = _decide()
    return g.language


def _decide() -> str:
    if not has_request_context():
        return locales.DEFAULT_LANGUAGE  # e-mails say theirs with flask_babel.force_locale
    user = current_user if current_user and current_user.is_authenticated else None
    chosen = session.get(SESSION_KEY)
    if locales.supported(getattr(user, "language", None)) or locales.supported(chosen):
        return locales.language_for(user, chosen=chosen)
    try:
        company = user.company if user is not None and user.company.is_own else accounts.own_company()
    except SQLAlchemyError:  # the database is down: its page (blueprints/web.database_unavailable) follows the browser
        with suppress(SQLAlchemyError):
            db.session.rollback()
        company = None
    return locales.language_for(user, company, request.headers.get("Accept-Language"), chosen)


def select_locale() -> str:
    return locales.CATALOGUES[request_language()]


def register_languages(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    babel.init_app(app, locale_selector=select_locale)
    # {% trans %} blocks are written across lines in templates; their msgids are one line with single spaces.
    app.jinja_env.policies["ext.i18n.trimmed"] = True

    @app.context_processor
    def _languages() -> dict[str, object]:
        language = locales.current_language()  # the request's, or the one an e-mail is rendered in
        return {"language": language, "html_lang": "fr-CA" if language == "fr" else "en",
                "languages": locales.LANGUAGES}


class LanguageSwitchForm(AppForm):
    """Only its CSRF token: the language and the page to go back to are read from the posted values."""


@bp.post("/language")
def switch():
    form = LanguageSwitchForm()
    language = locales.supported(request.form.get("language")) or locales.DEFAULT_LANGUAGE
    if form.validate_on_submit():
        session[SESSION_KEY] = language
        if current_user.is_authenticated:
            accounts.set_language(current_user, language)
    from blueprints.auth.routes import safe_next

    back = request.form.get("next")
    return redirect(safe_next(back) if back else url_for("auth.sign_in"), code=303)
