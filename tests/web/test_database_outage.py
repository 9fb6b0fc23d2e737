"""The database goes away under a running app: every page answers 503 in words, in the app's layout,
without touching the database, and the app recovers by itself when the database is back.

A second app, alongside the test's own, reaches the same database through a gate the test can
shut: on PostgreSQL a TCP relay (shut, nothing listens on its port: the connection is refused,
and the connections it carried are cut); on SQLite a directory link (shut, the database file's
directory does not exist).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from app import create_app
from domain.models import Dictionary, db
from tests import factories
from tests.helpers import IsolatedClient, test_config
from tests.smtp import free_port

WORDS = ("is briefly unavailable: it cannot reach its database just now. Please try again in a minute.")


class TcpRelay:
    """127.0.0.1:`port` relays to `target` while open; shut, it refuses connections and cuts the open ones."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def open(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))
        listener.settimeout(0.1)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def shut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            for s in self._sockets:
                with contextlib.suppress(OSError):  # already closed by the other end
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass


class DatabaseGate:
    """The test database behind something the test can shut; `url` reaches it only while open."""

    def __init__(self, database_uri: str, tmp_path: Path) -> None:
        url = make_url(database_uri)
        if url.get_backend_name() == "sqlite":
            self.relay = None
            self.link = tmp_path / "gate"
            self.url = f"sqlite:///{self.link / Path(url.database or '').name}"
            self.target_dir = Path(url.database or "").parent
        else:
            self.relay = TcpRelay((url.host or "127.0.0.1", url.port or 5432))
            self.url = url.set(host="127.0.0.1", port=self.relay.port).render_as_string(hide_password=False)
        self.is_open = False

    def open(self) -> None:
        if self.relay:
            self.relay.open()
        else:
            self.link.symlink_to(self.target_dir, target_is_directory=True)
        self.is_open = True

    def shut(self) -> None:
        if self.relay:
            self.relay.shut()
        else:
            self.link.unlink()
        self.is_open = False


@pytest.fixture
def gate(database_uri: str, tmp_path: Path) -> Iterator[DatabaseGate]:
    gate = DatabaseGate(database_uri, tmp_path)
    yield gate
    if gate.is_open:
        gate.shut()


@pytest.fixture
def gated_app(gate: DatabaseGate, tmp_path: Path) -> Iterator[Flask]:
    """A running app whose database is behind the gate."""
    app = create_app(test_config(gate.url, tmp_path))
    app.test_client_class = IsolatedClient
    yield app
    with app.app_context():
        db.engine.dispose()


def signed_in_copy(gated_app: Flask, admin_client: FlaskClient) -> FlaskClient:
    """A client of the gated app carrying the admin's session (both apps share the secret key)."""
    cookie = admin_client.get_cookie("session")
    assert cookie is not None
    client = gated_app.test_client()
    client.set_cookie("session", cookie.value)
    return client


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(response.get_data(as_text=True).split())


def assert_unavailable_page(response) -> None:  # type: ignore[no-untyped-def]
    html = text_of(response)
    assert response.status_code == 503, html[:500]
    assert response.headers["Retry-After"] == "30"
    assert response.mimetype == "text/html"
    assert "<title>Briefly unavailable · Progress Billings</title>" in html  # the app's layout
    assert 'class="navbar-brand fw-semibold"' in html and 'href="/static/vendor/bootstrap-5.3.8.min.css"' in html
    assert "<h1 class=\"h3\">Briefly unavailable</h1>" in html
    assert f"Progress Billings {WORDS}" in html
    assert "Internal Server Error" not in html and "Sign out" not in html
    if response.request.method == "GET":  # the way on: the same address again
        assert f'href="{response.request.path}">Try again</a>' in html


def test_every_page_is_a_503_in_words_while_the_database_is_unreachable_and_recovers(
        app: Flask, admin_client: FlaskClient, world: factories.World, gate: DatabaseGate, gated_app: Flask):
    project_page = f"/projects/{world.project.id}/billings"
    client = signed_in_copy(gated_app, admin_client)
    anonymous = gated_app.test_client()

    # Started while the database cannot be reached.
    assert_unavailable_page(client.get(project_page))
    assert_unavailable_page(anonymous.get("/"))
    assert_unavailable_page(anonymous.get("/sign-in"))
    assert client.get("/healthz").status_code == 503

    # The database comes up: the same requests work, the session is still good.
    gate.open()
    response = client.get(project_page)
    assert response.status_code == 200 and world.admin.name in text_of(response)
    assert client.get("/healthz").status_code == 200
    assert anonymous.get("/sign-in").status_code == 200

    # It goes away under the running app (open connections cut too, on PostgreSQL).
    gate.shut()
    if gate.relay is None:  # SQLite keeps an open file open: only new connections fail
        with gated_app.app_context():
            db.engine.dispose()
    assert_unavailable_page(client.get(project_page))
    assert_unavailable_page(client.get("/"))
    # Raised while rendering another error page (the 404 page loads the user): Flask then calls the
    # 500 page, as it does in production, where nothing propagates to a debugger.
    gated_app.config["PROPAGATE_EXCEPTIONS"] = False
    assert_unavailable_page(client.get("/no-such-page"))
    gated_app.config["PROPAGATE_EXCEPTIONS"] = None
    response = client.post(f"/projects/{world.project.id}/billings/invites",
                           data={"commitment_ids": [], "period": world.period.id})
    assert_unavailable_page(response)
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["status"] == "database unreachable"

    # htmx gets the banner, and keeps the page it has.
    response = client.get(project_page, headers={"HX-Request": "true"})
    assert response.status_code == 503
    assert response.headers["HX-Reswap"] == "none"
    assert "HX-Request" in response.headers.get("Vary", "")
    html = text_of(response)
    assert html.startswith('<div id="flash" hx-swap-oob="innerHTML">') and f"Progress Billings {WORDS}" in html
    assert "<html" not in html

    # Back: it recovers by itself, still signed in.
    gate.open()
    response = client.get(project_page)
    assert response.status_code == 200 and world.admin.name in text_of(response)
    assert client.get("/healthz").status_code == 200


def test_the_unavailable_page_speaks_the_companys_words(
        app: Flask, admin_client: FlaskClient, world: factories.World, gate: DatabaseGate, gated_app: Flask):
    world.company.dictionary = Dictionary.GENERAL
    db.session.commit()
    client = signed_in_copy(gated_app, admin_client)
    gate.open()
    assert client.get("/").status_code == 200
    gate.shut()
    if gate.relay is None:
        with gated_app.app_context():
            db.engine.dispose()
    html = text_of(client.get("/"))
    assert f"Invoicing {WORDS}" in html and "<title>Briefly unavailable · Invoicing</title>" in html


def test_a_refused_connection_url_answers_503_without_any_database(tmp_path: Path):
    """An app started with a database address nothing answers on: pages and /healthz say 503."""
    for url in (f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing",
                f"sqlite:///{tmp_path / 'no-such-directory' / 'pb.sqlite3'}"):
        down = create_app(test_config(url, tmp_path))
        client = down.test_client()
        assert_unavailable_page(client.get("/"))
        assert_unavailable_page(client.get("/projects/1/billings"))
        assert client.get("/healthz").status_code == 503


def test_a_connection_idle_for_a_while_is_pinged_and_replaced_when_dead_and_a_busy_one_is_not_pinged(
        database_uri: str, monkeypatch: pytest.MonkeyPatch):
    """Under load every request reuses a connection just given back: no ping (a round trip each on
    PostgreSQL). After PING_AFTER_IDLE seconds in the pool it is pinged first, and a dead one (the server
    restarted meanwhile) is replaced without the request noticing. SQLite, a file, is never pinged."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import QueuePool

    import app as app_module

    pings: list[int] = []
    engine = create_engine(database_uri, poolclass=QueuePool, pool_size=1, max_overflow=0)
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: pings.append(1) or real_ping(conn))
    pid_sql = "SELECT pg_backend_pid()" if engine.dialect.name == "postgresql" else "SELECT 1"
    try:
        with engine.connect() as conn:
            first = conn.scalar(text(pid_sql))
        with engine.connect() as conn:  # given back a moment ago: used as it is
            assert conn.scalar(text(pid_sql)) == first
        assert pings == []
        monkeypatch.setattr(app_module, "PING_AFTER_IDLE", 0.0)
        if engine.dialect.name == "postgresql":
            with create_engine(database_uri).connect() as other:  # the server drops the idle connection
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
                other.commit()
        with engine.connect() as conn:
            now = conn.scalar(text(pid_sql))
        if engine.dialect.name == "postgresql":
            assert pings and now != first  # pinged, found dead, replaced: the statement ran
        else:
            assert pings == [] and now == 1
    finally:
        engine.dispose()
