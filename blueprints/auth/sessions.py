"""How long a sign-in lasts (issue 10).

A session ends after `SESSION_IDLE_TIMEOUT` seconds without a request (12 hours), or for a contact
who ticked "Keep me signed in" after `REMEMBERED_CONTACT_IDLE_TIMEOUT` (7 days); staff are never
kept longer than the first. "Keep me signed in" makes the cookie outlive the browser; Flask-Login's
separate remember cookie is not used, so the idle rule is the only way back in. The id in the
session carries the person's session version (User.get_id), so raising it ends their other sessions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app, flash, make_response, redirect, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from blueprints.language import SESSION_KEY as LANGUAGE_CHOSEN
from domain import accounts, two_step
from domain.models import User
from extensions import htmx

# Pages a company admin may still open before setting up a two-step sign-in the company requires.
# Answered without a person: files, and the health check (which must not load a user from a database that is down).
WITHOUT_SESSION = {"static", "healthz"}
TWO_STEP_SETUP_ALLOWED = {*WITHOUT_SESSION, "account.index", "account.two_step", "auth.sign_out"}


def now_seconds() -> int:
    # The wall clock from datetime: tests that move time.time() forward for one module (an
    # upload's expiry, say) do not also end the session.
    return int(datetime.now(UTC).timestamp())


def start_session(user: User, how: str, remember: bool = False) -> None:
    """Every way of signing in ends here: the person is signed in under their session version, with a
    fresh session (nothing of a previous person's half-done steps, only the language this browser chose), and
    the sign-in is recorded."""
    language = session.get(LANGUAGE_CHOSEN)
    session.clear()
    if language:
        session[LANGUAGE_CHOSEN] = language
    accounts.record_sign_in(user, get_remote_address(), how=how)
    login_user(user, remember=False)
    session.permanent = remember
    session["remember"] = remember
    session["seen_at"] = now_seconds()


def renew_session(user: User) -> None:
    """After the session version changed: this session goes on under the new one; the others end."""
    # The user itself, not the current_user proxy, which would then point at itself.
    login_user(getattr(user, "_get_current_object", lambda: user)(), remember=False)


def idle_limit(user: User, remember: bool) -> int:
    config = current_app.config
    if remember and user.is_collaborator:
        return int(config["REMEMBERED_CONTACT_IDLE_TIMEOUT"])
    return int(config["SESSION_IDLE_TIMEOUT"])


def register_session_rules(app) -> None:  # type: ignore[no-untyped-def]
    # The cookie outlives every idle limit; the limit itself is checked here, on the server.
    app.permanent_session_lifetime = timedelta(seconds=max(int(app.config["REMEMBERED_CONTACT_IDLE_TIMEOUT"]),
                                                           int(app.config["SESSION_IDLE_TIMEOUT"])))

    @app.before_request
    def _end_idle_session():  # type: ignore[no-untyped-def]
        if request.endpoint in WITHOUT_SESSION or not current_user.is_authenticated:
            return None
        now = now_seconds()
        seen = session.get("seen_at")
        if seen is not None and now - seen > idle_limit(current_user, bool(session.get("remember"))):
            logout_user()
            session.pop("seen_at", None)
            session.pop("remember", None)
            flash("You were signed out after a while without activity. Sign in again to go on.", "info")
            return None  # the page's own rule sends a signed-out visitor to the sign-in form
        if seen is None or now - seen >= 60:  # a write a minute at most, not one per request
            session["seen_at"] = now
        return None

    @app.before_request
    def _company_requires_two_step():  # type: ignore[no-untyped-def]
        if (request.endpoint in TWO_STEP_SETUP_ALLOWED or not current_user.is_authenticated
                or current_user.two_step_enabled or not two_step.required_for(current_user)):
            return None
        flash("Your company asks company admins to sign in in two steps. Set it up below to go on.", "warning")
        target = url_for("account.two_step")
        if htmx:
            response = make_response("", 204)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target, code=303)
