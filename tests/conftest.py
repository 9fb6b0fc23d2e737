"""Fixtures: an app on a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set).

Every test that takes `app` (or anything built on it) runs once per database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from app import create_app
from domain.models import Base, db
from tests import factories
from tests.helpers import IN_CI, PG_URL, AuthActions, IsolatedClient, test_config

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _postgres_reachable() -> str | None:
    """None when PostgreSQL answers at TEST_DATABASE_URL, else why not."""
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - the reason is reported, not swallowed
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


def _databases() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    if PG_URL:
        params.append(pytest.param("postgresql", id="postgresql"))
    elif IN_CI:
        raise pytest.UsageError("CI=true but TEST_DATABASE_URL is not set: the PostgreSQL suite must run in CI.")
    return params


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str]:
    """Create every table once per session on PostgreSQL; tests then truncate."""
    problem = _postgres_reachable()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL at TEST_DATABASE_URL is not reachable in CI: {problem}")
        pytest.skip(f"PostgreSQL at TEST_DATABASE_URL is not reachable: {problem}")
    engine = create_engine(PG_URL)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    engine.dispose()
    yield PG_URL


@pytest.fixture(params=_databases())
def database_uri(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    url = request.getfixturevalue("pg_schema")
    yield url
    engine = create_engine(url)
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def config_overrides() -> dict[str, object]:
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(database_uri: str, tmp_path: Path, config_overrides: dict[str, object]) -> Iterator[Flask]:
    app = create_app(test_config(database_uri, tmp_path, **config_overrides))
    app.test_client_class = IsolatedClient
    with app.app_context():
        if database_uri.startswith("sqlite"):
            db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def world(app: Flask) -> factories.World:
    """An own company with an admin, a standard, a read-only user and one project."""
    return factories.build_world()


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Sign the test client in (`auth.sign_in(email)`), out, or switch to someone else."""
    return AuthActions(client)


@pytest.fixture
def admin_client(client: FlaskClient, world: factories.World, auth: AuthActions) -> FlaskClient:
    auth.sign_in(world.admin.email)
    return client


# --- Browser -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not Path("/usr/bin/chromium").exists():
        message = "Debian's chromium is not installed (apt-get install -y chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "headless": True,
            "args": BROWSER_ARGS}


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    app.config.update(WTF_CSRF_ENABLED=True)
    with LiveServer(app) as server:
        yield server
