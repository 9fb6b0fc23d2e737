"""Demo mode only: the e-mails the local catcher received, so a visitor can follow the links."""

from __future__ import annotations

import mailbox
from email.header import decode_header, make_header
from email.message import Message

from flask import Blueprint, abort, current_app, render_template
from flask_login import login_required

bp = Blueprint("demo", __name__, url_prefix="/demo")


@bp.before_request
def _demo_only() -> None:
    if not current_app.config["DEMO"]:
        abort(404)


@bp.get("/mail")
@login_required
def mail():
    box = mailbox.Maildir(current_app.config["DEMO_MAILDIR"], create=True)
    messages = sorted((_summary(key, m) for key, m in box.iteritems()), key=lambda m: m["date"], reverse=True)
    return render_template("demo/mail.html", messages=messages[:200])


@bp.get("/mail/<key>")
@login_required
def mail_message(key: str):
    box = mailbox.Maildir(current_app.config["DEMO_MAILDIR"], create=True)
    try:
        message = box[key]
    except KeyError:
        abort(404)
    return render_template("demo/mail_message.html", message=_summary(key, message), text=_text_part(message))


def _summary(key: str, message: Message) -> dict[str, str]:
    def header(name: str) -> str:
        return str(make_header(decode_header(message.get(name, ""))))

    return {"key": key, "subject": header("Subject"), "to": header("To"), "from": header("From"),
            "date": message.get("Date", "")}


def _text_part(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True) or b""
            return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    return ""
