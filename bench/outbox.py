"""How fast the outbox worker delivers: e-mails per second, statements and commits per e-mail.

Queues N Invite to Bill e-mails the way Send Invites queues them (N commitments, one contact
each, `domain.invites.send_invites`), then runs `flask --app app outbox --once` (through Flask's
CLI test runner, in this process) until no message is left Pending, against an aiosmtpd server
on 127.0.0.1 in another process (so the server's work does not share this process's CPU). It
counts every statement the app's engine sends and every commit while the command runs, and checks
that the server received each e-mail exactly once.

    .venv/bin/python bench/outbox.py                   # SQLite, in a temporary directory
    .venv/bin/python bench/outbox.py --database postgresql+psycopg://postgres@127.0.0.1:5432/pb_bench

On PostgreSQL the named database must not exist: it is created and dropped, as
bench/billings_page.py does. Exits 1 when an e-mail is missing or went twice, or when the
e-mails-per-second goal is not met.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import queue
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the app is not an installed package

from sqlalchemy import event, func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from app import create_app  # noqa: E402
from bench.billings_page import StatementLog, database, fill  # noqa: E402
from domain.board import load_board  # noqa: E402
from domain.invites import send_invites  # noqa: E402
from domain.models import AccessLevel, Dictionary, OutboxMessage, OutboxStatus, Project, User, db  # noqa: E402
from domain.terms import Terms  # noqa: E402
from tests.smtp import HOST, free_port  # noqa: E402

EMAILS = 2000
PER_SECOND_GOAL = 200.0


# --- The SMTP server, in its own process -------------------------------------------------------


class Counting:
    """Accepts every e-mail and counts it by recipient (shared with the parent through a queue);
    offers PIPELINING unless told not to."""

    def __init__(self, received: Any, pipelining: bool) -> None:
        self.received = received
        self.pipelining = pipelining

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:
        session.host_name = hostname
        if self.pipelining:
            responses.insert(1, "250-PIPELINING")
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for rcpt in envelope.rcpt_tos:
            self.received.put(rcpt)
        return "250 Message accepted for delivery"


def serve(port: int, received: Any, ready: Any, stop: Any, pipelining: bool) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(Counting(received, pipelining), hostname=HOST, port=port, ready_timeout=10)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


class SmtpProcess:
    def __init__(self, pipelining: bool) -> None:
        self.port = free_port()
        context = multiprocessing.get_context("spawn")
        self.received = context.Queue()
        self._ready, self._stop = context.Event(), context.Event()
        self._process = context.Process(target=serve, daemon=True,
                                        args=(self.port, self.received, self._ready, self._stop, pipelining))

    def __enter__(self) -> SmtpProcess:
        self._process.start()
        if not self._ready.wait(20):
            raise SystemExit("the SMTP server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._process.join(10)

    def cpu(self) -> float:
        """The server process's CPU seconds so far (Linux: /proc; 0 elsewhere)."""
        try:
            fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def drain(self, expected: int, wait: float = 10.0) -> list[str]:
        """The recipients received so far (waiting up to `wait` s for `expected` of them)."""
        got: list[str] = []
        deadline = time.monotonic() + wait
        while len(got) < expected and time.monotonic() < deadline:
            with contextlib.suppress(queue.Empty):
                got.append(self.received.get(timeout=0.2))
        while True:  # and anything beyond (a duplicate)
            try:
                got.append(self.received.get(timeout=0.5))
            except queue.Empty:
                return got


# --- One run -----------------------------------------------------------------------------------


@dataclass
class Run:
    emails: int
    seconds: float
    cpu: float  # this process's CPU seconds (the worker's; the SMTP server runs in another process)
    server_cpu: float  # the SMTP server process's
    statements: int
    commits: int
    invocations: int
    received: int
    distinct: int

    @property
    def per_second(self) -> float:
        return self.emails / self.seconds


def queue_invites(n: int) -> None:
    """N commitments with one contact each, and Send Invites to all of them (N e-mails queued)."""
    fx = fill(n)
    admin = db.session.scalars(select(User).where(User.email == fx.admin_email)).one()
    board = load_board(db.session.get(Project, fx.project_id), admin, AccessLevel.ADMIN)
    outcome = send_invites(board, fx.commitment_ids, admin, Terms(Dictionary.SPECIALTY))
    if len(outcome.sent) != n:
        raise SystemExit(f"expected {n} invites sent, got {len(outcome.sent)}")


def pending() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.status == OutboxStatus.PENDING)) or 0


def one_run(url: str, n: int, pipelining: bool = True) -> Run:
    with tempfile.TemporaryDirectory(prefix="pb-bench-files-") as tmp, SmtpProcess(pipelining) as smtp:
        app = create_app({
            "TESTING": True,
            "SECRET_KEY": "bench-secret-key-not-for-production",
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "OUTBOX_DELIVER_AFTER_REQUEST": False,
            "MAIL_SUPPRESS_SEND": False,
            "MAIL_SERVER": HOST,
            "MAIL_PORT": smtp.port,
            "MAIL_USE_TLS": False,
            "MAIL_USE_SSL": False,
            "BASE_URL": "http://pb.example",
            "UPLOAD_FOLDER": str(Path(tmp) / "uploads"),
            "DEMO_MAILDIR": str(Path(tmp) / "maildir"),
        })
        try:
            with app.app_context():
                db.drop_all()
                db.create_all()
                queue_invites(n)
                if pending() != n:
                    raise SystemExit(f"expected {n} e-mails queued, found {pending()}")
                log = StatementLog(db.engine)
                commits = [0]
                event.listen(db.engine, "commit", lambda _conn: commits.__setitem__(0, commits[0] + 1))
            runner = app.test_cli_runner()
            invocations = 0
            with log.record() as statements:
                commits[0] = 0
                started, cpu_started, server_started = time.perf_counter(), time.process_time(), smtp.cpu()
                while True:  # what an operator's `outbox --once` in a loop would need to empty the queue
                    invocations += 1
                    with app.app_context():  # as `flask` gives the command one
                        result = runner.invoke(args=["outbox", "--once"])
                    if result.exit_code != 0:
                        raise SystemExit(f"outbox --once failed: {result.output} {result.exception!r}")
                    with app.app_context():
                        log.recording = False
                        left = pending()
                        log.recording = True
                    if not left or invocations > n:
                        break
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
                counted, commits_seen = len(statements), commits[0]
            got = smtp.drain(n)
            server_cpu = smtp.cpu() - server_started
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    return Run(n, seconds, cpu, server_cpu, counted, commits_seen, invocations, len(got), len(set(got)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="SQLAlchemy URL; default: a SQLite file in a temporary directory. "
                        "A PostgreSQL database is created for the run and dropped after it.")
    parser.add_argument("--maintenance-database", default="postgres",
                        help="PostgreSQL database to connect to for CREATE/DROP DATABASE (default: postgres)")
    parser.add_argument("--emails", type=int, default=EMAILS, help="e-mails queued per run (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=3, help="runs, each on a fresh queue (default: %(default)s)")
    parser.add_argument("--no-pipelining", action="store_true",
                        help="the SMTP server does not offer PIPELINING: one round trip per SMTP command")
    args = parser.parse_args(argv)
    runs: list[Run] = []
    try:
        with database(args.database, args.maintenance_database) as url:
            dialect = make_url(url).get_backend_name()
            for i in range(args.runs):
                print(f"  run {i + 1}: {args.emails} e-mails on {dialect} ...", file=sys.stderr, flush=True)
                runs.append(one_run(url, args.emails, pipelining=not args.no_pipelining))
    except OperationalError as exc:
        raise SystemExit(f"cannot reach the database: {str(exc).splitlines()[0]}") from None

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    server = "aiosmtpd on loopback in another process" + (" without PIPELINING" if args.no_pipelining else "")
    print(f"\nOutbox delivery on {dialect}: {args.emails} queued Invite to Bill e-mails, `outbox --once` until none "
          f"is pending, {server}. Load average at the end: {load}.\n")
    header = f"{'run':>3} {'e-mails/s':>9} {'seconds':>8} {'CPU ms/e-mail':>13} {'server CPU ms':>13} " \
             f"{'statements/e-mail':>17} " \
             f"{'commits/e-mail':>14} {'--once runs':>11} {'received':>8} {'distinct':>8}"
    print(header)
    print("-" * len(header))
    for i, r in enumerate(runs, start=1):
        print(f"{i:>3} {r.per_second:>9.0f} {r.seconds:>8.2f} {1000 * r.cpu / r.emails:>13.2f} "
              f"{1000 * r.server_cpu / r.emails:>13.2f} "
              f"{r.statements / r.emails:>17.2f} "
              f"{r.commits / r.emails:>14.2f} {r.invocations:>11} {r.received:>8} {r.distinct:>8}")
    median = statistics.median(r.per_second for r in runs)
    exact = all(r.received == r.distinct == r.emails for r in runs)
    fast = median >= PER_SECOND_GOAL
    print(f"\n  {'PASS' if exact else 'FAIL'}  every e-mail received exactly once")
    print(f"  {'PASS' if fast else 'FAIL'}  median {median:.0f} e-mails/s >= {PER_SECOND_GOAL:.0f}")
    return 0 if exact and fast else 1


if __name__ == "__main__":
    sys.exit(main())
