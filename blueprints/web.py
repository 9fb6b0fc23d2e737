"""Small web-layer helpers shared by the blueprints."""

from __future__ import annotations

import io
import logging
import sqlite3
import threading
from urllib.parse import urlsplit

from flask import Response, current_app, flash, g, make_response, redirect, render_template, request, send_file
from flask_babel import gettext
from flask_login import login_url
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from blueprints.billings.forms import ClaimLinesForm
from blueprints.htmx_answer import htmx_answer
from domain import claims, outbox, tokens
from domain.locales import N_
from domain.models import db
from domain.permissions import PermissionDenied
from extensions import htmx, login_manager, mail
from templating import use_terms_without_database

log = logging.getLogger(__name__)


def deliver_mail_after_response() -> None:
    """Ask for the outbox to be delivered once this response has gone out (single-process installs)."""
    g.deliver_mail = True


def register_outbox_delivery(app) -> None:  # type: ignore[no-untyped-def]
    @app.after_request
    def _after(response: Response) -> Response:
        if g.get("deliver_mail") and app.config["OUTBOX_DELIVER_AFTER_REQUEST"]:
            # A thread, not response.call_on_close: Werkzeug's server skips close() when the
            # browser has already reset the connection, and the e-mail then waited for the next one.
            # The request's own transaction is committed by now (services commit).
            threading.Thread(target=_deliver_in_background_of(current_app._get_current_object()),
                             name="outbox-after-request", daemon=True).start()
        return response


def _deliver_in_background_of(app):  # type: ignore[no-untyped-def]
    def deliver() -> None:
        with app.app_context():
            try:
                report = outbox.deliver_all_due(mail)
                log.info("outbox after response: %s", report)
            except Exception:  # the worker or the next request tries again; never fail the response
                log.exception("outbox delivery after the response failed")

    return deliver


def register_sign_in_prompt(login_manager) -> None:  # type: ignore[no-untyped-def]
    """Signed out (the session ended): a page goes to the sign-in form; an htmx request sends the
    whole window there rather than swapping the sign-in form into a list or a row."""
    @login_manager.unauthorized_handler
    def _sign_in_first():  # type: ignore[no-untyped-def]
        if request.path != "/":  # the home page is where everyone starts: nobody asked for a page yet
            # A lazy text (create_app): flashed as this request's words, since a session keeps only strings.
            flash(str(login_manager.login_message), login_manager.login_message_category)
        # Back to the page the person was on, not to the fragment's address; the sign-in form
        # follows ?next= only to a path on this site.
        back = request.url
        if htmx and htmx.current_url and urlsplit(htmx.current_url).netloc == request.host:
            back = htmx.current_url
        target = login_url(login_manager.login_view, next_url=back)
        if htmx:
            response = make_response("", 401)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target)


def register_error_pages(app) -> None:  # type: ignore[no-untyped-def]
    @app.errorhandler(PermissionDenied)
    def _denied(error: PermissionDenied):  # type: ignore[no-untyped-def]
        return error_response(403, "Not allowed", str(error))

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):  # type: ignore[no-untyped-def]
        message = "This form was open too long or came from elsewhere. Reload the page and try again."
        return error_response(400, "Please try again", message)

    @app.errorhandler(413)
    def _too_large(error):  # type: ignore[no-untyped-def]
        return error_response(413, "File too large", "That upload is too large: files can be at most 20 MB each "
                                                     "and 100 MB together. Nothing was saved.")

    for code, title, message in [
        (400, N_("Please try again"), N_("This page sent something the server does not understand. Reload the "
                                         "page and try again; nothing was saved.")),
        (403, N_("Not allowed"), N_("You do not have permission to do that. Ask a project Admin if you need to.")),
        (404, N_("Not found"), N_("There is nothing here, or it is not shared with you.")),
        (405, N_("Not allowed"), N_("That address does not take this kind of request.")),
        (500, N_("Something went wrong"), N_("The server could not finish this request. Try again; if it "
                                             "keeps happening, tell whoever runs Progress Billings for your "
                                             "company.")),
    ]:
        app.register_error_handler(code, _page(code, title, message))

    @app.errorhandler(HTTPException)
    def _any_other(error: HTTPException):  # type: ignore[no-untyped-def]
        # Every other answer Werkzeug has a page for (414, 431, 501, ...) gets ours, in words.
        return error_response(error.code or 500, error.name,
                              "The server could not answer this request. Go back and try again; if it keeps "
                              "happening, tell whoever runs Progress Billings for your company.")


def error_response(code: int, title: str, message: str) -> Response:
    """The error page; for htmx only a banner, so an error never replaces the part of the page it
    was meant to update (htmx 4 swaps 4xx and 5xx answers into the target)."""
    if htmx and not htmx.history_restore_request:
        response = htmx_answer(None, banner=message, category="danger", status=code)
        response.headers["HX-Reswap"] = "none"
        return response
    return make_response(render_template("error.html", code=code, title=title, message=message), code)


def _page(code: int, title: str, message: str):  # type: ignore[no-untyped-def]
    def handler(error):  # type: ignore[no-untyped-def]
        if code == 500 and is_database_outage(getattr(error, "original_exception", None)):
            return database_unavailable(error.original_exception)  # e.g. raised while rendering another page
        if code == 500:  # the failed request's transaction must not break the error page's own queries
            db.session.rollback()
        return error_response(code, gettext(title), gettext(message))

    return handler


# What a database that cannot be reached raises: refused or dropped connections, a file that cannot be
# opened, no free connection in the pool. A lock or statement timeout is one too: trying again helps.
DATABASE_UNREACHABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)
# SQLite says OperationalError for a mistake in the SQL too ("no such table"): only these codes are an outage.
SQLITE_UNREACHABLE = ("SQLITE_CANTOPEN", "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_FULL",
                      "SQLITE_NOTADB", "SQLITE_CORRUPT", "SQLITE_READONLY")
UNAVAILABLE = ("{tool} is briefly unavailable: it cannot reach its database just now. Please try again in a "
               "minute. If it keeps happening, tell whoever runs {tool} for your company.")


def is_database_outage(error: BaseException | None) -> bool:
    if not isinstance(error, DATABASE_UNREACHABLE):
        return False
    cause = getattr(error, "orig", None)
    if isinstance(cause, sqlite3.Error):
        return getattr(cause, "sqlite_errorname", "").startswith(SQLITE_UNREACHABLE)
    return True


def register_database_outage_page(app) -> None:  # type: ignore[no-untyped-def]
    for error in DATABASE_UNREACHABLE:
        app.register_error_handler(error, database_unavailable)


def database_unavailable(error: Exception) -> Response:
    """503 in words while the database is down, rendered without touching it: nobody is shown as
    signed in (loading the user is a query) and the words are the dictionary last seen. The next
    request tries the database again, so the app recovers by itself once it is back."""
    if not is_database_outage(error):
        raise error  # a mistake, not an outage: the server error page
    log.error("database unreachable: %s: %s", type(error).__name__, error)
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the session is closed after the request
        log.debug("rollback after a database failure failed", exc_info=True)
    login_manager._update_request_context_with_user()  # anonymous for this page, without the loader's query
    tool = use_terms_without_database()("tool")
    response = error_response(503, "Briefly unavailable", UNAVAILABLE.format(tool=tool))
    response.headers["Retry-After"] = "30"
    return response


def claim_preview(claim) -> Response:  # type: ignore[no-untyped-def]
    """The live recalculation of a claim form: figures from what was typed; nothing is written."""
    # a release claim's lines are not typed on: its figures are what is stored, whatever was sent
    entered = (claims.Entered() if claim.is_holdback_release
               else claims.read_entries(claim, ClaimLinesForm.for_claim(claim).entries()))
    lines, totals = claims.figures(claim, entered.inputs)
    db.session.rollback()
    return make_response(render_template("claims/partials/_preview.html", claim=claim, lines=lines, totals=totals,
                                         contract=claims.contract(claim),
                                         entered=entered, project=claim.commitment.project,
                                         locked=claims.approved_lines_locked(claim)))


def link_problem(kind: str, about: str):  # type: ignore[no-untyped-def]
    """The page that says what is wrong with an e-mailed link: expired (410), or invalid or used (400)."""
    return render_template("auth/link_problem.html", kind=kind, about=about), 410 if kind == "expired" else 400


def read_link(read, max_age_setting: str, about: str):  # type: ignore[no-untyped-def]
    """What a signed link in the request's `token` carries, and None; or None and the problem page."""
    config = current_app.config
    try:
        return read(config["SECRET_KEY"], request.values.get("token", ""), config[max_age_setting]), None
    except tokens.TokenExpired:
        return None, link_problem("expired", about)
    except tokens.TokenInvalid:
        return None, link_problem("invalid", about)


def download(body: bytes, media_type: str, name: str) -> Response:
    """A file to save (a PDF, a package, an export): a contract's figures, so never kept by a shared cache."""
    response = send_file(io.BytesIO(body), mimetype=media_type, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
