"""Flask-Mail whose every SMTP connection gives up after MAIL_TIMEOUT seconds.

Flask-Mail opens `smtplib.SMTP` without a timeout, so a server that accepts the connection and
never answers would hold the outbox worker, or a web process's delivery thread, forever. The
timeout bounds the connect and every later read and write on the socket; the outbox then
leaves the message queued and tries again later.
"""

from __future__ import annotations

import smtplib
from typing import Any

from flask import current_app
from flask_mail import Connection, Mail

DEFAULT_TIMEOUT = 30.0


class TimedConnection(Connection):
    def configure_host(self) -> smtplib.SMTP | smtplib.SMTP_SSL:
        state = self.mail
        timeout = state.timeout
        host: smtplib.SMTP | smtplib.SMTP_SSL
        if state.use_ssl:
            host = smtplib.SMTP_SSL(state.server, state.port, timeout=timeout)
        else:
            host = smtplib.SMTP(state.server, state.port, timeout=timeout)
        host.set_debuglevel(int(state.debug))
        if state.use_tls:
            host.starttls()
        if state.username and state.password:
            host.login(state.username, state.password)
        return host


class TimedMail(Mail):
    """`mail.connect()` and `mail.send()` as in Flask-Mail, over a connection with a timeout."""

    def init_mail(self, config: Any, debug: bool | int = False, testing: bool = False) -> Any:
        state = super().init_mail(config, debug, testing)
        state.timeout = float(config.get("MAIL_TIMEOUT", DEFAULT_TIMEOUT))
        return state

    def connect(self) -> Connection:
        app = getattr(self, "app", None) or current_app
        return TimedConnection(app.extensions["mail"])
