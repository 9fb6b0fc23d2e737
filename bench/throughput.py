"""Requests per second of the Progress Billings page next to a bare Flask endpoint, on one gunicorn.

Fills a fresh database as bench/billings_page.py does (100 commitments by default), starts gunicorn
the way the README's production recipe does (2 workers here, the machine has 2 cores) with the app
and, beside it under /bench/bare, a Flask app of one endpoint that answers "ok": the same server,
workers and loopback, so the ratio shows what the page itself costs. Signs in over HTTP (the sign-in
form and its CSRF token, as a browser does), then runs wrk on each address in turn and prints the
requests per second of each and their ratio.

    .venv/bin/python bench/throughput.py                 # SQLite, in a temporary directory
    .venv/bin/python bench/throughput.py --database postgresql+psycopg://postgres@127.0.0.1:5432/pb_bench

Needs wrk (Debian: `apt-get install wrk`). The PostgreSQL database must not exist: it is created for
the run and dropped after it. Only 127.0.0.1 is ever asked; each wrk run stops after --seconds.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from billings_page import database, fill  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

SECRET = "bench-secret-key-not-for-production-0123456789"
GOAL = 0.10  # the page's requests/s at least a tenth of the bare endpoint's


def served():  # type: ignore[no-untyped-def]
    """gunicorn's app (`throughput:served()`): the product's create_app(), configured from FLASK_*
    as in production, with a one-endpoint Flask app beside it. Only this bench builds it."""
    from flask import Flask
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from app import create_app

    bare = Flask("bare")
    bare.add_url_rule("/bare", "bare", lambda: "ok")
    app = create_app()
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/bench": bare})  # type: ignore[method-assign]
    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(base: str, path: str, cookie: str | None = None) -> tuple[int, bytes, str | None]:
    """Status, body and the session cookie as it is after the answer (a browser keeps what it is sent)."""
    conn = http.client.HTTPConnection(urllib.parse.urlsplit(base).netloc, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        answer = conn.getresponse()
        sent = [h.split(";", 1)[0] for h in answer.headers.get_all("Set-Cookie") or [] if h.startswith("session=")]
        return answer.status, answer.read(), sent[0] if sent else cookie
    finally:
        conn.close()


def wait_for(base: str, path: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if get(base, path)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {path} within {seconds:.0f} s")


def sign_in(base: str, email: str, password: str) -> str:
    """The session cookie of a signed-in person, got through the sign-in form as a browser would. The
    cookies are carried by hand: production marks them Secure, and this is plain HTTP on loopback."""
    host = urllib.parse.urlsplit(base).netloc
    conn = http.client.HTTPConnection(host, timeout=30)
    conn.request("GET", "/sign-in")
    answer = conn.getresponse()
    form = answer.read().decode()
    cookie = _session_cookie(answer)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    body = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token[1] if token else ""})
    conn.request("POST", "/sign-in", body, {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    answer = conn.getresponse()
    answer.read()
    if answer.status != 303:
        raise SystemExit(f"signing in answered {answer.status}")
    return _session_cookie(answer)


def _session_cookie(answer: http.client.HTTPResponse) -> str:
    for header in answer.headers.get_all("Set-Cookie") or []:
        if header.startswith("session="):
            return header.split(";", 1)[0]
    raise SystemExit("no session cookie")


def wrk(url: str, seconds: int, connections: int, cookie: str | None) -> float:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True,  # noqa: S603 - our own arguments
                         timeout=seconds + 60).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors[1]} answers were not 2xx/3xx:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="SQLAlchemy URL (default: a SQLite file in a temporary directory)")
    parser.add_argument("--maintenance-database", default="postgres")
    parser.add_argument("--size", type=int, default=100, help="commitments on the board (default: %(default)s)")
    parser.add_argument("--seconds", type=int, default=10, help="each wrk run (default: %(default)s)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default: %(default)s)")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")

    with tempfile.TemporaryDirectory(prefix="pb-throughput-") as tmp, \
            database(args.database or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", args.maintenance_database) as url:
        env = {**os.environ, "FLASK_SECRET_KEY": SECRET, "FLASK_SQLALCHEMY_DATABASE_URI": url,
               "FLASK_OUTBOX_DELIVER_AFTER_REQUEST": "false", "FLASK_BASE_URL": "http://127.0.0.1",
               "FLASK_UPLOAD_FOLDER": str(Path(tmp) / "uploads"), "PYTHONPATH": f"{ROOT}:{HERE}"}
        from app import create_app
        from domain.models import db

        app = create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
        with app.app_context():
            db.create_all()
            fx = fill(args.size)
            db.session.remove()
            db.engine.dispose()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = subprocess.Popen(  # noqa: S603 - our own arguments
            [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}",
             "--chdir", str(ROOT), "--log-level", "warning", "throughput:served()"], env=env)
        try:
            wait_for(base, "/bench/bare")
            from tests import factories

            cookie = sign_in(base, fx.admin_email, factories.PASSWORD)
            path = f"/projects/{fx.project_id}/billings"
            page = base + path
            # the first page after signing in shows its message once; wrk then sends the cookie after it
            status, body, cookie = get(base, path, cookie)
            if status != 200 or f"SC-{args.size:04d}".encode() not in body:
                raise SystemExit("the signed-in page does not show the board")
            wrk(f"{base}/bench/bare", 2, args.connections, None)  # warm-up: workers loaded, caches full
            wrk(page, 2, args.connections, cookie)
            bare = wrk(f"{base}/bench/bare", args.seconds, args.connections, None)
            board = wrk(page, args.seconds, args.connections, cookie)
        finally:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    ratio = board / bare
    print(f"\nThroughput on {make_url(url).get_backend_name()}, gunicorn {args.workers} workers, wrk "
          f"{args.connections} connections x {args.seconds} s each, loopback; load average at the end: {load}")
    print(f"  bare Flask endpoint (/bench/bare)        {bare:>9.1f} requests/s")
    print(f"  Progress Billings page, {args.size:>4} rows       {board:>9.1f} requests/s ({len(body):,} bytes)")
    print(f"  ratio page / bare                         {ratio:>9.3f}  "
          f"{'PASS' if ratio >= GOAL else 'FAIL'} (goal at least {GOAL:.2f}; reported, not enforced)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
