"""What tests share besides fixtures: signing in, counting rows, project addresses, the app's test config.

Tests import from here, never from conftest.py (pytest loads conftest as a plugin, not as a module).
In a test, take the `auth` fixture rather than building `AuthActions` yourself.
"""

from __future__ import annotations

import contextvars
import os
from pathlib import Path

from flask import has_app_context
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import func, select

from domain.models import db
from tests import factories

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"


def test_config(database_uri: str, tmp_path: Path, **overrides: object) -> dict[str, object]:
    config: dict[str, object] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        "BASE_URL": "http://pb.example",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 1,  # nothing listens there: a test that wants SMTP starts its own server
        "MAIL_DEFAULT_SENDER": "Progress Billings <billing@pb.example>",
        "MAIL_SUPPRESS_SEND": True,
        "OUTBOX_DELIVER_AFTER_REQUEST": False,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "DEMO_MAILDIR": str(tmp_path / "maildir"),
        # Limits are tested on their own (tests/web/test_rate_limits.py); elsewhere they would
        # only make tests that sign in many times depend on one another's counts.
        "RATELIMIT_ENABLED": False,
        # A sign-in checks the password: scrypt's ~50 ms each, hundreds of times, is minutes of the suite.
        # One round of PBKDF2 tests the same code path; tests/domain/test_password_hashing.py checks the default.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
    }
    config.update(overrides)
    return config


test_config.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


class IsolatedClient(FlaskClient):
    """A test client whose requests get their own app context, as in production.

    The test itself runs inside an app context (for `db.session`); without this, Flask
    would reuse that context for each request, sharing `g` (and the signed-in user) and the
    database session between the test and every request it makes.
    """

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        def run():  # type: ignore[no-untyped-def]
            _cv_app.set(None)
            return super(IsolatedClient, self).open(*args, **kwargs)

        response = contextvars.copy_context().run(run)
        if has_app_context():
            db.session.expire_all()  # what the request wrote is what the test reads next
        return response


class AuthActions:
    """Signing a test client in and out through the real sign-in form (the `auth` fixture)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def sign_in(self, email: str, password: str = factories.PASSWORD) -> None:
        response = self.client.post("/sign-in", data={"email": email, "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)

    def sign_out(self) -> None:
        self.client.post("/sign-out")

    def switch(self, email: str) -> None:
        """Sign out, then in as someone else."""
        self.sign_out()
        self.sign_in(email)


def count(model, *where) -> int:  # type: ignore[no-untyped-def]
    """Rows of a model (or table), optionally only those matching `where`; of the audit trail, what
    actions wrote (sign-ins left out)."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where, *factories.not_sign_ins(model)))


def project_url(world: factories.World, area: str, *parts: object, suffix: str = "") -> str:
    """/projects/<id>/<area>, then each part: a row as /<its id>, text as it is."""
    path = f"/projects/{world.project.id}/{area}"
    for part in (*parts, suffix):
        path += part if isinstance(part, str) else f"/{part.id}"  # type: ignore[attr-defined]
    return path


def billings_url(world: factories.World, *parts: object, suffix: str = "") -> str:
    return project_url(world, "billings", *parts, suffix=suffix)


def commitments_url(world: factories.World, *parts: object, suffix: str = "") -> str:
    return project_url(world, "commitments", *parts, suffix=suffix)


def import_url(world: factories.World, *parts: object, suffix: str = "") -> str:
    return project_url(world, "import", *parts, suffix=suffix)
