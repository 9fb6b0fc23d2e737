"""Small web-layer helpers shared by the blueprints."""

from __future__ import annotations

import logging
import threading

from flask import Response, current_app, g, make_response

log = logging.getLogger(__name__)


def vary_on_htmx(body: str, status: int = 200) -> Response:
    """A response whose content depends on HX-Request, so caches keep the two apart."""
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


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
        from app import mail
        from domain import outbox

        with app.app_context():
            try:
                report = outbox.deliver_due(mail)
                log.info("outbox after response: %s", report)
            except Exception:  # the worker or the next request tries again; never fail the response
                log.exception("outbox delivery after the response failed")

    return deliver


def register_error_pages(app) -> None:  # type: ignore[no-untyped-def]
    from flask import render_template
    from flask_wtf.csrf import CSRFError

    from domain.permissions import PermissionDenied

    @app.errorhandler(PermissionDenied)
    def _denied(error: PermissionDenied):  # type: ignore[no-untyped-def]
        return render_template("error.html", code=403, title="Not allowed", message=str(error)), 403

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):  # type: ignore[no-untyped-def]
        message = "This form was open too long or came from elsewhere. Reload the page and try again."
        return render_template("error.html", code=400, title="Please try again", message=message), 400

    @app.errorhandler(413)
    def _too_large(error):  # type: ignore[no-untyped-def]
        message = "That upload is too large: files can be at most 20 MB. Nothing was saved."
        return render_template("error.html", code=413, title="File too large", message=message), 413

    for code, title, message in [
        (403, "Not allowed", "You do not have permission to do that. Ask a project Admin if you need to."),
        (404, "Not found", "There is nothing here, or it is not shared with you."),
    ]:
        app.register_error_handler(code, _page(code, title, message))


def _page(code: int, title: str, message: str):  # type: ignore[no-untyped-def]
    def handler(error):  # type: ignore[no-untyped-def]
        from flask import render_template

        return render_template("error.html", code=code, title=title, message=message), code

    return handler


def claim_entries(claim):  # type: ignore[no-untyped-def]
    """What was typed on a claim form, line by line (the portal's and the admin's are one form)."""
    from flask import request

    from domain.claims import LineEntry

    form = request.form
    return [LineEntry(sov_line_id=s.id, this_period=form.get(f"line-{s.id}-this_period", ""),
                      percent_to_date=form.get(f"line-{s.id}-percent", ""),
                      stored=form.get(f"line-{s.id}-stored", ""))
            for s in claim.commitment.sov_lines]


def claim_preview(claim) -> Response:  # type: ignore[no-untyped-def]
    """The live recalculation of a claim form: figures from what was typed; nothing is written."""
    from flask import render_template

    from domain import claims
    from domain.models import db

    entered = claims.read_entries(claim, claim_entries(claim))
    lines, totals = claims.figures(claim, entered.inputs)
    db.session.rollback()
    return vary_on_htmx(render_template("claims/partials/_preview.html", claim=claim, lines=lines, totals=totals,
                                        entered=entered, project=claim.commitment.project))
