"""Demo mode only: the e-mails the local catcher received, so a visitor can follow the links."""

from __future__ import annotations

import mailbox
import re
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Any

from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from domain.permissions import can_read_demo_mail, require

bp = Blueprint("demo", __name__, url_prefix="/demo")


_LINK = re.compile(r"https?://[^\s<>\"]+")


@bp.before_request
def _demo_only() -> None:
    if not current_app.config["DEMO"]:
        abort(404)


def _staff_only() -> None:
    require(can_read_demo_mail(current_user), "The demo mailbox is for the contractor's own people.")


@bp.get("/mail")
@login_required
def mail():
    _staff_only()
    box = mailbox.Maildir(current_app.config["DEMO_MAILDIR"], create=True)
    messages = sorted((_summary(key, m) for key, m in box.iteritems()), key=lambda m: m["sent"] or datetime.min,
                      reverse=True)
    return render_template("demo/mail.html", messages=messages[:200])


@bp.get("/mail/<key>")
@login_required
def mail_message(key: str):
    _staff_only()
    box = mailbox.Maildir(current_app.config["DEMO_MAILDIR"], create=True)
    try:
        message = box[key]
    except KeyError:
        abort(404)
    return render_template("demo/mail_message.html", message=_summary(key, message),
                           text=_with_links(_part(message, "text/plain")), html=_part(message, "text/html"))


def _summary(key: str, message: Message) -> dict[str, Any]:
    def header(name: str) -> str:
        return str(make_header(decode_header(message.get(name, ""))))

    try:  # as naive UTC, the way the app keeps times, for the `moment` filter and for the order
        sent = parsedate_to_datetime(message.get("Date", "")).astimezone(UTC).replace(tzinfo=None)
    except (TypeError, ValueError):
        sent = None
    return {"key": key, "subject": header("Subject"), "to": header("To"), "from": header("From"), "sent": sent}


def _with_links(text: str) -> Markup:
    """The text escaped, each web address in it a link."""
    pieces, last = [], 0
    for found in _LINK.finditer(text):
        pieces += [escape(text[last:found.start()]), Markup('<a href="{0}">{0}</a>').format(found.group(0))]
        last = found.end()
    return Markup("").join([*pieces, escape(text[last:])])


def _part(message: Message, content_type: str) -> str:
    for part in message.walk():
        if part.get_content_type() == content_type:
            payload = part.get_payload(decode=True) or b""
            return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    return ""
