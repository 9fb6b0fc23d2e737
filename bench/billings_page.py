"""How many SQL statements, and how much server time, the Progress Billings page and Send Invites take.

Fills a fresh project with 10, 100 and 1,000 commitments (each Approved, with an Approved
three-line SOV, a vendor company and an active progress claim contact) and measures through
the Flask test client, counting every statement the engine sends during the measured request:

* GET /projects/<id>/billings as a company admin, and as a user with Standard permission;
* POST /projects/<id>/billings/invites (Send Invites) as the admin, with HX-Request and as a
  plain form post: every row selected at 10 and 100, 500 rows selected at 1,000;
* the same with HX-Request for one row only (the everyday click on a long board);
* POST .../invites/<commitment>/resend (Resend) with HX-Request, for the first row.

Beside time and statements it reports the bytes of each answer: the page's per row, and each
htmx answer's as a share of the page's at the same size (goal: at most 5% at 100 rows when one
row is sent; an answer to a send to every row carries every row, so about the list's size).

    .venv/bin/python bench/billings_page.py            # SQLite, in a temporary directory
    .venv/bin/python bench/billings_page.py --database postgresql+psycopg://postgres@127.0.0.1:5432/pb_bench

On PostgreSQL the named database must not exist: the script creates it (connecting to
--maintenance-database on the same server) and drops it at the end. Exits 1 when a statement-count
goal fails; the time goals are reported only (they depend on the machine).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the app is not an installed package

from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import create_engine, delete, event, insert, select, text, update  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from app import create_app  # noqa: E402
from domain.models import (  # noqa: E402
    AuditEvent,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Company,
    Invite,
    OutboxMessage,
    SovLine,
    SovStatus,
    User,
    commitment_claim_contacts,
    commitment_private_users,
    db,
)
from tests import factories  # noqa: E402

SIZES = (10, 100, 1000)
SEND_AT_MOST = 500  # rows selected for Send Invites; smaller boards send every row
SOV_LINES = (Decimal("60000.00"), Decimal("25000.00"), Decimal("15000.00"))

PAGE_STATEMENTS_GOAL = 8
SEND_STATEMENTS_GOAL = 10
PAGE_MS_GOAL = 50.0  # the 1,000-row page
SEND_MS_GOAL = 300.0  # Send Invites to 500 rows
PAGE_BYTES_PER_ROW_GOAL = 700  # the 1,000-row page
HTMX_SHARE_GOAL = 0.05  # an htmx answer's bytes against the page's, at 100 rows


# --- Counting statements -----------------------------------------------------------------------


class StatementLog:
    """Every statement the engine sends while `recording` is on (an executemany counts once)."""

    def __init__(self, engine: Engine) -> None:
        self.recording = False
        self.statements: list[str] = []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool) -> None:
        if self.recording:
            self.statements.append(statement)

    @contextmanager
    def record(self) -> Iterator[list[str]]:
        self.statements = []
        self.recording = True
        try:
            yield self.statements
        finally:
            self.recording = False


@dataclass
class Measurement:
    size: int
    scenario: str
    rows_sent: int | None  # Send Invites only: how many rows were selected
    statements: list[int] = field(default_factory=list)  # one count per measured run
    times_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)  # this process's CPU time: the app's side, not the server's
    sql: list[str] = field(default_factory=list)  # the statements of the last measured run
    bytes: int = 0  # the body of the last measured answer

    @property
    def count(self) -> int:
        return self.statements[-1]

    @property
    def steady(self) -> bool:
        """The same number of statements on every run."""
        return len(set(self.statements)) == 1

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)


def measure(
    log: StatementLog, request: Callable[[], Any], check: Callable[[Any], None], runs: int, warmups: int,
    reset: Callable[[], None] | None = None,
) -> tuple[list[int], list[float], list[float], list[str], int]:
    """Run `request` warmups + runs times; count and time only the request itself, never `reset`."""
    counts, times, cpu, sql, size = [], [], [], [], 0
    for i in range(warmups + runs):
        if reset is not None:
            reset()
        with log.record() as statements:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = request()
            elapsed = (time.perf_counter() - started) * 1000
            elapsed_cpu = (time.process_time() - started_cpu) * 1000
        check(response)
        if i >= warmups:
            counts.append(len(statements))
            times.append(elapsed)
            cpu.append(elapsed_cpu)
            sql = list(statements)
            size = len(response.get_data())
    return counts, times, cpu, sql, size


# --- The data ----------------------------------------------------------------------------------


@dataclass
class Fixture:
    project_id: int
    period_id: int
    admin_email: str
    standard_email: str
    commitment_ids: list[int]  # by commitment number


def fill(size: int) -> Fixture:
    """A fresh world (tests/factories.py) and `size` commitments, inserted in bulk."""
    world = factories.build_world()
    project_id, period_id = world.project.id, world.period.id
    admin_email, standard_email = world.admin.email, world.standard.email
    vendor_ids = db.session.scalars(
        insert(Company).returning(Company.id, sort_by_parameter_order=True),
        [{"name": f"Vendor {n:04d} Ltd.", "trade": "Concrete"} for n in range(1, size + 1)],
    ).all()
    contact_ids = db.session.scalars(
        insert(User).returning(User.id, sort_by_parameter_order=True),
        [{"company_id": vendor_id, "email": f"contact{n}@vendor{n}.example", "name": f"Casey Contact {n:04d}",
          "password_hash": None} for n, vendor_id in enumerate(vendor_ids, start=1)],
    ).all()
    db.session.execute(update(Company), [{"id": vendor_id, "default_claim_contact_id": contact_id}
                                         for vendor_id, contact_id in zip(vendor_ids, contact_ids, strict=True)])
    commitment_ids = db.session.scalars(
        insert(Commitment).returning(Commitment.id, sort_by_parameter_order=True),
        [{"project_id": project_id, "kind": CommitmentKind.SUBCONTRACT, "number": f"SC-{n:04d}",
          "title": f"Package {n:04d}", "vendor_id": vendor_id, "status": CommitmentStatus.APPROVED,
          "is_private": False, "retention_pct": Decimal("10.00"), "sov_status": SovStatus.APPROVED}
         for n, vendor_id in enumerate(vendor_ids, start=1)],
    ).all()
    db.session.execute(insert(SovLine), [
        {"commitment_id": commitment_id, "position": position, "cost_code": f"0{position} 00 00",
         "description": f"Line {position}", "original_value": value}
        for commitment_id in commitment_ids for position, value in enumerate(SOV_LINES, start=1)
    ])
    links = [{"commitment_id": c, "user_id": u} for c, u in zip(commitment_ids, contact_ids, strict=True)]
    db.session.execute(insert(commitment_claim_contacts), links)
    db.session.execute(insert(commitment_private_users), links)  # as factories.commitment() does
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))  # fresh statistics, as autovacuum would have by now
    return Fixture(project_id, period_id, admin_email, standard_email, commitment_ids)


def reset_invites(app: Flask, period_id: int, client: FlaskClient) -> Callable[[], None]:
    """Forget every invite of the period (and its e-mails and audit events), so a send sends again,
    and the flash messages of earlier form posts, so the session cookie does not grow run by run."""

    def reset() -> None:
        with client.session_transaction() as session:
            session.pop("_flashes", None)
        with app.app_context():
            invites = select(Invite.id).where(Invite.billing_period_id == period_id)
            db.session.execute(delete(OutboxMessage).where(OutboxMessage.invite_id.in_(invites)))
            db.session.execute(delete(AuditEvent).where(AuditEvent.entity_type == "invite"))
            db.session.execute(delete(Invite).where(Invite.billing_period_id == period_id))
            db.session.commit()

    return reset


def invites_of(app: Flask, period_id: int) -> int:
    with app.app_context():
        return len(db.session.scalars(select(Invite.id).where(Invite.billing_period_id == period_id)).all())


# --- One database ------------------------------------------------------------------------------


def signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": factories.PASSWORD})
    if response.status_code != 303:
        raise SystemExit(f"could not sign in {email}: {response.status_code}")
    return client


def expect(status: int, *needles: str) -> Callable[[Any], None]:
    def check(response: Any) -> None:
        body = response.get_data(as_text=True)
        if response.status_code != status or any(n not in body for n in needles):
            raise SystemExit(f"unexpected answer {response.status_code} (wanted {status} with {needles}):\n"
                             f"{body[:2000]}")

    return check


def bench_size(app: Flask, log: StatementLog, size: int, runs: int, send_runs: int, warmups: int) -> list[Measurement]:
    with app.app_context():
        db.drop_all()
        db.create_all()
        fx = fill(size)
    page = f"/projects/{fx.project_id}/billings"
    last_number = f"SC-{size:04d}"
    results = []
    for scenario, email in [("page, company admin", fx.admin_email), ("page, Standard user", fx.standard_email)]:
        client = signed_in(app, email)
        m = Measurement(size, scenario, None)
        m.statements, m.times_ms, m.cpu_ms, m.sql, m.bytes = measure(
            log, lambda c=client: c.get(page), expect(200, last_number), runs, warmups)
        results.append(m)

    chosen = fx.commitment_ids[:SEND_AT_MOST]
    form = {"period": str(fx.period_id), "commitment_ids": [str(i) for i in chosen]}
    banner = f"Invites sent for {len(chosen)} contracts."
    admin = signed_in(app, fx.admin_email)
    reset = reset_invites(app, fx.period_id, admin)
    one = {"period": str(fx.period_id), "commitment_ids": [str(fx.commitment_ids[0])]}
    for scenario, data, headers, check in [
        ("Send Invites, htmx", form, {"HX-Request": "true"}, expect(200, banner, 'id="invite-state-counts"')),
        ("Send Invites, form post", form, {}, expect(303)),
        # The everyday click: a few rows ticked on a long board. Its answer should be small.
        ("Send Invites (1), htmx", one, {"HX-Request": "true"},
         expect(200, "Invites sent for 1 contract.", 'id="invite-state-counts"')),
    ]:
        sent = len(data["commitment_ids"])
        m = Measurement(size, scenario, sent)
        m.statements, m.times_ms, m.cpu_ms, m.sql, m.bytes = measure(
            log, lambda d=data, h=headers: admin.post(f"{page}/invites", data=d, headers=h), check, send_runs,
            warmups, reset=reset)
        if invites_of(app, fx.period_id) != sent:
            raise SystemExit(f"{scenario} at {size}: expected {sent} invites in the database")
        results.append(m)

    first = fx.commitment_ids[0]
    resend = f"{page}/invites/{first}/resend?seen=1&period={fx.period_id}"

    def invited_once() -> None:  # the first row invited, sent once: each Resend sends it a second time
        reset()
        admin.post(f"{page}/invites", data={"period": str(fx.period_id), "commitment_ids": [str(first)]})

    m = Measurement(size, "Resend, htmx", 1)
    m.statements, m.times_ms, m.cpu_ms, m.sql, m.bytes = measure(
        log, lambda: admin.post(resend, headers={"HX-Request": "true"}),
        expect(200, "Invite sent again for SC-0001 (sent 2 times)."), send_runs, warmups, reset=invited_once)
    results.append(m)
    reset()
    return results


@contextmanager
def database(url: str | None, maintenance_database: str) -> Iterator[str]:
    """A database URL to fill: a temporary SQLite file, or a PostgreSQL database made for the run."""
    if url is None:
        with tempfile.TemporaryDirectory(prefix="pb-bench-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        return
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        yield url  # another SQLite file: its tables are dropped and made again
        return
    name = parsed.database
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit(f"use a plain database name (letters, digits, _), not {name!r}")
    server = create_engine(parsed.set(database=maintenance_database), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
                raise SystemExit(f"database {name!r} exists already: the benchmark fills a database it creates "
                                 "and drops; name one that does not exist")
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url
        finally:
            with server.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        server.dispose()


def run(url: str, sizes: list[int], runs: int, send_runs: int, warmups: int) -> list[Measurement]:
    with tempfile.TemporaryDirectory(prefix="pb-bench-files-") as tmp:
        app = create_app({
            "TESTING": True,
            "SECRET_KEY": "bench-secret-key-not-for-production",
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "OUTBOX_DELIVER_AFTER_REQUEST": False,
            "MAIL_SUPPRESS_SEND": True,
            "RATELIMIT_ENABLED": False,  # hundreds of sends a minute, by design
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": 1,  # nothing listens there, and nothing is sent
            "BASE_URL": "http://pb.example",
            "UPLOAD_FOLDER": str(Path(tmp) / "uploads"),
            "DEMO_MAILDIR": str(Path(tmp) / "maildir"),
        })
        with app.app_context():
            log = StatementLog(db.engine)
        try:
            results = []
            for size in sizes:
                print(f"  {size:>5} commitments ...", file=sys.stderr, flush=True)
                results += bench_size(app, log, size, runs, send_runs, warmups)
            return results
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


# --- Report ------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(dialect: str, results: list[Measurement], show_sql: bool) -> bool:
    """Print the table and the goals; True when every statement-count goal holds."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nProgress Billings on {dialect}: server time of one request through the Flask test client, median and "
          f"min of the measured runs;\napp CPU: this process's CPU time (median), without the database server's "
          f"work on PostgreSQL. Load average at the end: {load}.\n")
    header = (f"{'scenario':<24} {'commitments':>11} {'sent':>5} {'statements':>10} {'median ms':>10} "
              f"{'min ms':>8} {'app CPU ms':>10} {'bytes':>10} {'per row':>8} {'of page':>8}")
    print(header)
    print("-" * len(header))
    for m in results:
        count = str(m.count) if m.steady else f"{min(m.statements)}-{max(m.statements)}"
        sent = str(m.rows_sent) if m.rows_sent is not None else ""
        page = page_bytes(results, m.size)
        per_row = f"{m.bytes / m.size:,.0f}" if m.scenario.startswith("page") else ""
        share = "" if m.scenario.startswith("page") else f"{m.bytes / page:.1%}"
        print(f"{m.scenario:<24} {m.size:>11,} {sent:>5} {count:>10} {m.median_ms:>10.1f} {min(m.times_ms):>8.1f} "
              f"{statistics.median(m.cpu_ms):>10.1f} {m.bytes:>10,} {per_row:>8} {share:>8}")

    print("\nGoals")
    counts_ok = True
    largest = max(m.size for m in results)
    for scenario in dict.fromkeys(m.scenario for m in results):
        ms = [m for m in results if m.scenario == scenario]
        goal = PAGE_STATEMENTS_GOAL if scenario.startswith("page") else SEND_STATEMENTS_GOAL
        seen = sorted({c for m in ms for c in m.statements})
        ok = len(seen) == 1 and seen[0] <= goal
        counts_ok &= ok
        print(f"  {verdict(ok)}  {scenario}: statements the same at every size and at most {goal} "
              f"(seen: {', '.join(f'{m.size:,}: {m.count}' for m in ms)})")
    for m in results:
        if m.size != largest:
            continue
        if m.scenario.startswith("page"):
            goal_ms, what = PAGE_MS_GOAL, f"{m.size:,}-row page"
        elif m.rows_sent == SEND_AT_MOST:
            goal_ms, what = SEND_MS_GOAL, f"Send Invites to {m.rows_sent} rows"
        else:
            continue
        print(f"  {verdict(m.median_ms <= goal_ms)}  {m.scenario}: {what} median <= {goal_ms:.0f} ms "
              f"({m.median_ms:.1f} ms; reported, not enforced)")

    for m in results:
        if m.size == largest and m.scenario == "page, company admin":
            per_row = m.bytes / m.size
            print(f"  {verdict(per_row <= PAGE_BYTES_PER_ROW_GOAL)}  {m.scenario}: {m.size:,}-row page at most "
                  f"{PAGE_BYTES_PER_ROW_GOAL} bytes per row ({per_row:,.0f}; reported, not enforced)")
        if m.size == 100 and m.scenario.endswith("htmx") and m.rows_sent == 1:
            share = m.bytes / page_bytes(results, m.size)
            print(f"  {verdict(share <= HTMX_SHARE_GOAL)}  {m.scenario}: answer at most {HTMX_SHARE_GOAL:.0%} of the "
                  f"100-row page's bytes ({share:.1%}; reported, not enforced)")

    if show_sql or not counts_ok:
        for m in results:
            if m.size == largest:
                print(f"\nStatements of one request: {m.scenario}, {m.size:,} commitments ({len(m.sql)})")
                for n, (statement, repeats) in enumerate(Counter(m.sql).items(), start=1):
                    more = f"   [x{repeats}]" if repeats > 1 else ""
                    print(f"  {n:>3}. {shorten(statement)[:100]}{more}")
    return counts_ok


def page_bytes(results: list[Measurement], size: int) -> int:
    return next(m.bytes for m in results if m.size == size and m.scenario == "page, company admin")


def shorten(statement: str) -> str:
    """The statement on one line, its column lists cut to a count, so the tables and conditions show."""
    line = " ".join(statement.split())
    if line.startswith("SELECT "):
        depth = 0
        for i, char in enumerate(line):
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0 and line.startswith(" FROM ", i):
                return f"SELECT <{_top_level_count(line[7:i])} columns>{line[i:]}"
    insert = re.match(r"INSERT INTO (\S+) \(([^)]*)\)", line)
    if insert:
        return f"INSERT INTO {insert[1]} (<{insert[2].count(',') + 1} columns>){line[insert.end():]}"
    return line


def _top_level_count(columns: str) -> int:
    depth, count = 0, 1
    for char in columns:
        depth += {"(": 1, ")": -1}.get(char, 0)
        count += char == "," and depth == 0
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="SQLAlchemy URL; default: a SQLite file in a temporary directory. "
                        "A PostgreSQL database is created for the run and dropped after it; a SQLite file "
                        "named here has its tables dropped and made again.")
    parser.add_argument("--maintenance-database", default="postgres",
                        help="PostgreSQL database to connect to for CREATE/DROP DATABASE (default: postgres)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="commitments per run (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=15, help="measured page requests per case (default: %(default)s)")
    parser.add_argument("--send-runs", type=int, default=7,
                        help="measured Send Invites requests per case (default: %(default)s)")
    parser.add_argument("--warmups", type=int, default=2, help="unmeasured requests first (default: %(default)s)")
    parser.add_argument("--show-sql", action="store_true",
                        help="list the statements of one request of each kind at the largest size")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    try:
        with database(args.database, args.maintenance_database) as url:
            dialect = make_url(url).get_backend_name()
            print(f"Filling and measuring on {dialect} ...", file=sys.stderr)
            results = run(url, sizes, args.runs, args.send_runs, args.warmups)
    except OperationalError as exc:
        raise SystemExit(f"cannot reach the database: {str(exc).splitlines()[0]}") from None
    return 0 if report(dialect, results, args.show_sql) else 1


if __name__ == "__main__":
    sys.exit(main())
