"""Rate limits against guessing and mail floods (issue 10), and the page shown once one is reached.

Every limit counts twice: per e-mail address or account, so spreading guesses over many machines
does not help, and per client (IP address), so trying many addresses from one machine does not
either. Sign-in, two-step codes and activation count only refused attempts; e-mail-sending forms
count the posts that queued e-mail. The numbers are settings (`SIGN_IN_LIMIT_PER_ADDRESS`, ...); the counts live
where `RATELIMIT_STORAGE_URI` says (memory by default; Redis when several workers must share them).
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app, g, request, session
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from blueprints.web import error_response
from extensions import limiter

SIGN_IN_MESSAGE = "Too many sign-in attempts."
MAIL_MESSAGE = "Too many e-mails sent in a short time."
RESET_MESSAGE = "Too many password reset requests."


def _setting(name: str):  # type: ignore[no-untyped-def]
    return lambda: current_app.config[name]


def _refused(response) -> bool:  # type: ignore[no-untyped-def]
    """A refused attempt answers 4xx (422 with the form again); a success redirects."""
    return response.status_code >= 400


def _client_key() -> str:
    return f"client:{get_remote_address()}"


def _typed_address() -> str:
    """Sign-in: the address typed, as accounts are found by it (case and spaces do not count)."""
    return f"address:{(request.form.get('email') or '').strip().lower()[:254]}"


def _pending_account() -> str:
    """The two-step code: the account whose password was right, whatever else the post carries."""
    return f"account:{session.get('two_step', {}).get('user')}"


def _link() -> str:
    """Activation: the link (its digest: the token itself is a credential)."""
    return f"link:{hashlib.sha256((request.values.get('token') or '').encode()).hexdigest()}"


def _signed_in_account() -> str:
    """The current password asked again on Your account: the account, on every form that asks."""
    return f"account:{current_user.id}" if current_user.is_authenticated else _client_key()


def _person_key() -> str:
    # By id, not by the session's id: a new password must not start a new count.
    return f"account:{current_user.id}" if current_user.is_authenticated else _client_key()


# What an attempt is aimed at, by kind: each kind is one count per target over every route that
# asks for it (the three forms of Your account share theirs), besides the count per client.
ATTEMPT_TARGETS = {"address": _typed_address, "two-step": _pending_account, "link": _link,
                   "password": _signed_in_account}


def limit_attempts(target: str):  # type: ignore[no-untyped-def]
    """Sign-in, two-step code, activation and current-password posts: refused ones counted per
    `target` (see ATTEMPT_TARGETS) and per client."""
    key = ATTEMPT_TARGETS[target]

    def decorate(view):  # type: ignore[no-untyped-def]
        for setting, key_func in (("SIGN_IN_LIMIT_PER_ADDRESS", key), ("SIGN_IN_LIMIT_PER_CLIENT", _client_key)):
            view = limiter.shared_limit(_setting(setting), scope=f"attempts:{target}:{setting}", key_func=key_func,
                                        methods=["POST"], deduct_when=_refused, error_message=SIGN_IN_MESSAGE)(view)
        return view

    return decorate


def _queued_mail(response) -> bool:  # type: ignore[no-untyped-def]
    # Set by the view when its change queued e-mail (blueprints/web.py): a draft saved or a form
    # refused sends nothing and costs nothing.
    return bool(g.get("deliver_mail"))


def limit_mail(view):  # type: ignore[no-untyped-def]
    """A form that sends e-mail: the posts that queued e-mail, counted per signed-in person and per client."""
    return _limited(view, {"MAIL_LIMIT_PER_PERSON": _person_key, "MAIL_LIMIT_PER_CLIENT": _client_key},
                    counts=_queued_mail, message=MAIL_MESSAGE)


def _reset_asked(response) -> bool:  # type: ignore[no-untyped-def]
    # Every request the form accepted counts, whether or not the address is anyone's: the answer
    # (and the count) must not tell which addresses have an account.
    return bool(g.get("reset_asked"))


def limit_reset_requests(view):  # type: ignore[no-untyped-def]
    """"Forgot your password?": the accepted requests, counted per typed address and per client."""
    return _limited(view, {"PASSWORD_RESET_LIMIT_PER_ADDRESS": _typed_address,
                           "PASSWORD_RESET_LIMIT_PER_CLIENT": _client_key},
                    counts=_reset_asked, message=RESET_MESSAGE)


def _limited(view, keys: dict, counts, message: str):  # type: ignore[no-untyped-def]
    """`view` limited on its POSTs once per (setting, key) pair; only the answers `counts` approves count."""
    for setting, key in keys.items():
        view = limiter.limit(_setting(setting), key_func=key, methods=["POST"], deduct_when=counts,
                             error_message=message)(view)
    return view


def register_rate_limits(app) -> None:  # type: ignore[no-untyped-def]
    # Behind a proxy every request comes from the proxy: per-client counts need the address it
    # passes on, trusted only from as many proxies as the operator says there are.
    if int(app.config.get("PROXY_FIX_X_FOR", 0)) > 0:
        hops = int(app.config["PROXY_FIX_X_FOR"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    @app.errorhandler(RateLimitExceeded)
    def _too_many(error: RateLimitExceeded):  # type: ignore[no-untyped-def]
        current = limiter.current_limit
        wait = max(1, math.ceil(current.reset_at - time.time())) if current else 60
        # The Retry-After header is added by Flask-Limiter from the same limit.
        return error_response(429, "Please wait a moment", PAUSED.get(error.description, PAUSED[""]).format(
            wait=wait_in_words(wait)))


PAUSED = {
    SIGN_IN_MESSAGE: "Too many sign-in attempts for this account or from this connection. For your security, "
                     "signing in is paused: try again in {wait}.",
    MAIL_MESSAGE: "Too many e-mails were sent in a short time. To protect the people who receive them, sending "
                  "is paused and nothing was sent: try again in {wait}.",
    RESET_MESSAGE: "Too many password reset e-mails were asked for this address or from this connection. The "
                   "e-mails already sent still work; to protect the mailbox no more are sent for now: try "
                   "again in {wait}.",
    "": "Too many requests in a short time: try again in {wait}.",
}


def wait_in_words(seconds: int) -> str:
    if seconds < 90:
        return "less than a minute" if seconds < 45 else "a minute"
    minutes = round(seconds / 60)
    if minutes < 90:
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    hours = math.ceil(minutes / 60)
    return f"{hours} hours"
