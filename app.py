"""Progress Billings: the application factory.

Configuration (SPEC §8): defaults below, then `instance/config.py` if present, then
`FLASK_`-prefixed environment variables (`FLASK_SECRET_KEY`, `FLASK_SQLALCHEMY_DATABASE_URI`,
`FLASK_MAIL_SERVER`, `FLASK_BASE_URL`, ...). Tests pass `test_config` instead.
"""

from __future__ import annotations

import gc
import secrets
import sqlite3
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, redirect, request, send_from_directory, url_for
from sqlalchemy import event, exc, text
from sqlalchemy.engine import Engine

from blueprints.account.routes import bp as account_bp
from blueprints.attachments.routes import bp as attachments_bp
from blueprints.auth.limits import register_rate_limits
from blueprints.auth.routes import bp as auth_bp
from blueprints.auth.sessions import register_session_rules
from blueprints.billings.routes import bp as billings_bp
from blueprints.demo.routes import bp as demo_bp
from blueprints.directory.routes import bp as directory_bp
from blueprints.documents.routes import bp as documents_bp
from blueprints.exports.routes import bp as exports_bp
from blueprints.forms import IdConverter, lazy_gettext
from blueprints.head_contract.routes import bp as head_contract_bp
from blueprints.htmx_answer import register_vary
from blueprints.imports.routes import bp as imports_bp
from blueprints.language import bp as language_bp
from blueprints.language import register_languages
from blueprints.page_cache import register_page_cache
from blueprints.portal.routes import bp as portal_bp
from blueprints.setup.routes import bp as setup_bp
from blueprints.web import (
    register_database_outage_page,
    register_error_pages,
    register_outbox_delivery,
    register_sign_in_prompt,
)
from cli import register_cli
from domain import accounts
from domain.models import db
from extensions import csrf, htmx, limiter, login_manager, mail, migrate
from templating import register_templating

BLUEPRINTS = (auth_bp, account_bp, setup_bp, billings_bp, portal_bp, attachments_bp, directory_bp, imports_bp,
              exports_bp, documents_bp, head_contract_bp, demo_bp, language_bp)

PUBLIC_ENDPOINTS = {"static", "healthz", "favicon", "auth.setup"}


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    # Before any route is added: every <int:...> in a path stops where the database's integers do.
    app.url_map.converters["int"] = IdConverter
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(_defaults(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
    else:
        app.config.from_mapping(test_config)
    _require_secret_key(app)
    _harden_cookies(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    mail.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = lazy_gettext("Please sign in to see that page.")
    login_manager.login_message_category = "info"

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

    register_languages(app)
    register_templating(app)
    register_cli(app)
    register_outbox_delivery(app)
    register_error_pages(app)
    register_database_outage_page(app)
    register_vary(app)
    register_page_cache(app)
    register_rate_limits(app)
    register_session_rules(app)
    register_sign_in_prompt(login_manager)
    app.before_request(_first_run_redirect)
    app.after_request(_security_headers)
    app.add_url_rule("/healthz", "healthz", _healthz)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)  # asked for by browsers and mail clients regardless
    _tune_garbage_collector(app)
    return app


def _tune_garbage_collector(app: Flask) -> None:
    """A 1,000-row page makes some 100,000 short-lived objects; at Python's default thresholds
    the collector ran dozens of times per request and took a third of its time (bench/README.md).
    Objects alive at start-up never die: freeze them out of every later collection."""
    if app.config.get("GC_TUNING", True):
        gc.set_threshold(20_000, 50, 50)
        gc.freeze()


def _defaults(instance_path: str) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(instance_path) / 'progress-billings.sqlite3'}",
        # A pooled connection idle for a while is pinged before use (_ping_if_idle), not every one.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
        "DEMO": False,
        "BASE_URL": "http://127.0.0.1:5000",
        "MAIL_SERVER": "localhost",
        "MAIL_PORT": 25,
        "MAIL_TIMEOUT": 30,  # seconds: an SMTP server that stops answering is given up on, mail stays queued
        "MAIL_DEFAULT_SENDER": "Progress Billings <no-reply@localhost>",
        "DEMO_MAILDIR": str(Path(instance_path) / "maildir"),
        "INVITE_TOKEN_MAX_AGE": int(timedelta(days=14).total_seconds()),
        "PASSWORD_RESET_MAX_AGE": int(timedelta(hours=1).total_seconds()),
        "PASSWORD_HASH_METHOD": accounts.DEFAULT_HASH_METHOD,  # Werkzeug's notation, e.g. scrypt
        # The mute link in a reminder e-mail works this long (longer than a billing period's reminders last).
        "REMINDER_MUTE_MAX_AGE": int(timedelta(days=90).total_seconds()),
        "UPLOAD_FOLDER": str(Path(instance_path) / "uploads"),
        # A claim's package (its PDF with its backup) is refused above this total of attachments.
        "PACKAGE_MAX_BYTES": 100 * 1024 * 1024,
        # An e-mail carries a claim's package only when its backup is at most this (mail servers refuse more).
        "MAIL_ATTACHMENTS_MAX_BYTES": 7 * 1024 * 1024,
        "IMPORT_FOLDER": str(Path(instance_path) / "imports"),
        # Several attachments go in one upload, 20 MB each (domain/attachments.py checks each file).
        "MAX_CONTENT_LENGTH": 101 * 1024 * 1024,
        "OUTBOX_DELIVER_AFTER_REQUEST": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        # Against guessing and mail floods (blueprints/auth/limits.py); Flask-Limiter's notation.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Redis down: count in this process's memory meanwhile, rather than refuse every sign-in.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "SIGN_IN_LIMIT_PER_ADDRESS": "10 per 15 minutes",
        "SIGN_IN_LIMIT_PER_CLIENT": "30 per 15 minutes",
        "MAIL_LIMIT_PER_PERSON": "60 per hour",
        "MAIL_LIMIT_PER_CLIENT": "120 per hour",
        "PASSWORD_RESET_LIMIT_PER_ADDRESS": "3 per hour",
        "PASSWORD_RESET_LIMIT_PER_CLIENT": "20 per hour",
        "PROXY_FIX_X_FOR": 0,  # proxies in front whose X-Forwarded-For names the client
        # Seconds without a request before a session ends (blueprints/auth/sessions.py).
        "SESSION_IDLE_TIMEOUT": int(timedelta(hours=12).total_seconds()),
        "REMEMBERED_CONTACT_IDLE_TIMEOUT": int(timedelta(days=7).total_seconds()),
        # The Progress Billings page kept per worker while nothing changed (blueprints/page_cache.py).
        "PAGE_CACHE_SIZE": 256,
        "PAGE_CACHE_SECONDS": 300,
    }


def _require_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if not (app.debug or app.config["DEMO"] or app.testing):
        raise SystemExit(
            "Progress Billings will not start without a secret key: set FLASK_SECRET_KEY "
            "(or SECRET_KEY in instance/config.py)."
        )
    # Debug and demo installs keep one random key on disk so sessions survive a restart.
    key_file = Path(app.instance_path) / "dev-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _harden_cookies(app: Flask) -> None:
    # Secure cookies need HTTPS; debug, demo and test servers speak plain HTTP on loopback.
    secure = not (app.debug or app.config["DEMO"] or app.testing)
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


PING_AFTER_IDLE = 2.0  # seconds: a connection back in the pool for longer is pinged before its next use


@event.listens_for(Engine, "checkin")
def _note_idle_since(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


@event.listens_for(Engine, "checkout")
def _ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A database restart or a dropped link kills pooled connections while they sit idle: one that waited
    more than PING_AFTER_IDLE is pinged before use, and a dead one is replaced (SQLAlchemy retries the
    checkout on DisconnectionError). One just given back, as under load, is not: that would cost every
    request a round trip. If the server goes away in those seconds, the request that finds out answers
    the 503 page and the pool starts over (blueprints/web.register_database_outage_page)."""
    idle_since = record.info.get("idle_since")
    if isinstance(dbapi_connection, sqlite3.Connection) or idle_since is None:
        return  # a file, or a connection made just now
    if time.monotonic() - idle_since < PING_AFTER_IDLE:
        return
    try:
        alive = proxy._pool._dialect.do_ping(dbapi_connection)
    except Exception as dead:  # noqa: BLE001 - whatever the driver raises, the connection is gone
        raise exc.DisconnectionError(str(dead)) from dead
    if not alive:
        raise exc.DisconnectionError("the connection did not answer")


# Everything the pages load is our own (htmx, Bootstrap's CSS, our script); Bootstrap draws its
# checkboxes and selects with data: SVGs, and the % bars are inline widths. No page may be framed
# (the Send Invites and accept buttons are clickjacking targets), and no portal link with its
# token leaves the site in a Referer header.
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                           "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def _security_headers(response):  # type: ignore[no-untyped-def]
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _first_run_redirect():  # type: ignore[no-untyped-def]
    """Until the first admin exists, every page leads to the setup form."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if current_app.extensions.get("pb_setup_done"):
        return None
    if accounts.has_any_user():
        current_app.extensions["pb_setup_done"] = True
        return None
    return redirect(url_for("auth.setup"))


def _favicon() -> Response:
    return send_from_directory(Path(__file__).parent / "static", "favicon.svg", mimetype="image/svg+xml",
                               max_age=86400)


def _healthz() -> tuple[dict[str, str], int]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any database failure means unhealthy
        return {"status": "database unreachable", "error": type(exc).__name__}, 503
    return {"status": "ok"}, 200
