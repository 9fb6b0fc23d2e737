"""Fixtures: an app on a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set).

Every test that takes `app` (or anything built on it) runs once per database. The schema is built once
per session: each SQLite test gets a copy of a database file made then, and PostgreSQL's tables are
emptied after each test.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool
from werkzeug.serving import make_server

from app import create_app
from domain.models import Base, db
from tests import factories
from tests.compiled import close_connections, shared_across_apps
from tests.helpers import IN_CI, PG_URL, AuthActions, IsolatedClient, test_config
from tests.smtp import smtp  # noqa: F401 - a fixture: an SMTP server on loopback for any test that asks

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session", autouse=True)
def _compile_once() -> Iterator[None]:
    """The apps of a session share compiled templates, URL builders and engines (tests/compiled.py)."""
    with shared_across_apps():
        yield


@event.listens_for(Engine, "connect")
def _sqlite_without_fsync(dbapi_connection: object, _record: object) -> None:
    """A test's database dies with the test: SQLite need not wait for the disk (tests only)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=OFF")


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
    """Create every table once per session on PostgreSQL; each test then leaves them empty (`_empty`)."""
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


@pytest.fixture(scope="session")
def pg_engine(pg_schema: str) -> Iterator[Engine]:
    """The connection the tests' clean-up goes through, kept for the session."""
    engine = create_engine(pg_schema, poolclass=StaticPool)
    yield engine
    engine.dispose()


# Row by row, children first, then every sequence used back to its start: a test writes a few rows, and
# deleting them took some 20 ms where TRUNCATE ... RESTART IDENTITY CASCADE took 200-500 ms (it makes
# new files for every table).
_DELETE_EVERY_ROW = "; ".join(f'DELETE FROM "{t.name}"' for t in reversed(Base.metadata.sorted_tables))
_RESTART_SEQUENCES = ("SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false) "
                      "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL")
_TRUNCATE_EVERY_TABLE = "TRUNCATE {} RESTART IDENTITY CASCADE".format(
    ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables))


def _empty(engine: Engine) -> None:
    """Every table as create_all left it: no rows, ids from 1 again."""
    try:
        with engine.begin() as conn:
            conn.execute(text(_DELETE_EVERY_ROW))
            conn.execute(text(_RESTART_SEQUENCES))
    except DBAPIError:  # rows referring to each other both ways: TRUNCATE takes them all at once
        with engine.begin() as conn:
            conn.execute(text(_TRUNCATE_EVERY_TABLE))


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database file with every table and nothing in them, built once per session."""
    path = tmp_path_factory.mktemp("schema") / "schema.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    return path


@pytest.fixture(params=_databases())
def database_uri(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "sqlite":
        # One address for every test, so that their apps share one engine (tests/compiled.py); the
        # previous test's file is removed, not overwritten: a connection left open keeps to the old one.
        schema = request.getfixturevalue("sqlite_schema")
        path = schema.parent / "test.sqlite3"
        for leftover in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{leftover}").unlink(missing_ok=True)
        shutil.copyfile(schema, path)
        yield f"sqlite:///{path}"
        close_connections()
        return
    engine = request.getfixturevalue("pg_engine")
    yield request.getfixturevalue("pg_schema")
    close_connections()
    _empty(engine)


@pytest.fixture
def config_overrides() -> dict[str, object]:
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(database_uri: str, tmp_path: Path, config_overrides: dict[str, object]) -> Iterator[Flask]:
    app = create_app(test_config(database_uri, tmp_path, **config_overrides))
    app.test_client_class = IsolatedClient
    with app.app_context():
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
