"""Command-line entry points: `flask --app app demo | demo-serve | outbox | periods | remind`."""

from __future__ import annotations

import os
import re
import time
from datetime import date
from mailbox import Maildir

import click
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from flask import Flask, current_app
from werkzeug.serving import run_simple

from domain import outbox, reminders
from domain.demo import load_demo
from domain.models import db
from domain.periods import open_due_periods
from extensions import mail


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo)
    app.cli.add_command(demo_serve)
    app.cli.add_command(outbox_command)
    app.cli.add_command(periods_command)
    app.cli.add_command(remind_command)


@click.command("outbox")
@click.option("--once", is_flag=True, help="Deliver everything that is due now, then stop.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between polls.")
@click.option("--batch", default=100, show_default=True, help="Most e-mails per SMTP connection.")
def outbox_command(once: bool, interval: float, batch: int) -> None:
    """Deliver queued e-mail; without --once, keep polling (run it beside gunicorn)."""
    while True:
        try:
            report = outbox.deliver_all_due(mail, batch=batch)
        except Exception as exc:  # noqa: BLE001 - the database blinked: say so, wait, go on
            db.session.rollback()
            click.echo(f"outbox: {type(exc).__name__}: {exc}", err=True)
            if once:
                raise SystemExit(1) from exc
            time.sleep(interval)
            continue
        if report.sent or report.failed or once:
            click.echo(f"outbox: {report}")
        if once:
            return
        time.sleep(interval)


@click.command("periods")
def periods_command() -> None:
    """Open this month's billing period for projects on the monthly rule (run daily; twice is harmless)."""
    opened = open_due_periods()  # each project's today, in its own time zone
    for period in opened:
        click.echo(f"{period.project.number}: opened period {period.number}, "
                   f"{period.start_date} to {period.end_date}, due {period.due_date}")
    if not opened:
        click.echo("No new billing periods were due.")


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a calendar date; write it as YYYY-MM-DD, e.g. 2026-12-01.",
                                 ctx=ctx, param=param) from None


@click.command("remind")
@click.option("--date", "day", callback=_day, metavar="YYYY-MM-DD",
              help="Run as of this calendar day in every project's time zone (to catch up a missed day).")
@click.option("--digest", is_flag=True, help="Queue the admins' weekly digest instead of the daily reminders.")
def remind_command(day: date | None, digest: bool) -> None:
    """Queue the reminders due today (run daily; a second run the same day queues nothing)."""
    if digest:
        _print_digests(reminders.queue_digests(day))
        return
    report = reminders.run(day)  # each project's today, in its own time zone, unless --date
    for done in report.projects:
        head = (f"{done.project}: {done.day}, period {done.period_number} due {done.due_date}")
        if done.kind is None:
            click.echo(f"{head}: no reminder due ({done.policy_words}).")
            continue
        if done.error:
            click.echo(f"{head}: {done.kind.value}, NOT queued, the database refused: {done.error}", err=True)
            continue
        click.echo(f"{head}: {done.kind.value}, {len(done.queued)} queued")
        for q in done.queued:
            click.echo(f"  queued   {q.contract} to {', '.join(q.recipients)}")
        for s in done.skipped:
            click.echo(f"  skipped  {s.contract}: {s.why}")
    if not report.projects:
        click.echo("No project has an open billing period.")
    click.echo(f"{report.queued} reminder(s) queued, {report.e_mails} e-mail(s); "
               "`flask --app app outbox` delivers them.")
    if report.failed:  # cron mails the output of a failed job: run it again (nothing is queued twice)
        raise SystemExit(1)


def _print_digests(report: reminders.DigestReport) -> None:
    for admin, digests in report.queued:
        waiting = "; ".join(f"{d.project.number}: {len(d.to_review)} to review, {len(d.unanswered)} unanswered, "
                            f"{len(d.overdue)} overdue, {len(d.due_soon)} period(s) due this week" for d in digests)
        click.echo(f"  queued   {admin.name} <{admin.email}>: {waiting}")
    for admin in report.already:
        click.echo(f"  skipped  {admin.name} <{admin.email}>: this week's digest is queued already")
    for admin in report.nothing:
        click.echo(f"  skipped  {admin.name} <{admin.email}>: nothing waits")
    click.echo(f"{len(report.queued)} digest(s) queued for {report.week}.")


@click.command("demo")
def demo() -> None:
    """Load the demo data (once) and print every demo sign-in."""
    sign_ins = load_demo()
    click.echo("Demo data is loaded. Sign in with:")
    none_yet = "(none yet*)"
    width = max(len(email) for _, email, _ in sign_ins)
    password_width = max(len(password or none_yet) for _, _, password in sign_ins)
    for role, email, password in sign_ins:
        click.echo(f"  {email:<{width}}  {password or none_yet:<{password_width}}  {role}")
    if any(password is None for _, _, password in sign_ins):
        click.echo("  * no password yet: the contact sets one from the link in an Invite to Bill.")


def serve_demo_mail(app: Flask, host: str, port: int, smtp_port: int) -> None:
    """E-mail to the demo's catcher, with links to the address the demo serves on (unless FLASK_BASE_URL
    names another: a demo behind a proxy)."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port, MAIL_USE_TLS=False, MAIL_USE_SSL=False,
                      MAIL_SUPPRESS_SEND=False)
    if "FLASK_BASE_URL" not in os.environ:
        app.config["BASE_URL"] = f"http://{host}:{port}"
    mail.init_app(app)  # Flask-Mail reads its settings once, at init


@click.command("demo-serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--smtp-port", default=8025, show_default=True)
def demo_serve(host: str, port: int, smtp_port: int) -> None:
    """Serve the app with a local SMTP catcher that keeps every e-mail in a Maildir."""

    maildir = current_app.config["DEMO_MAILDIR"]
    Maildir(maildir, create=True)
    catcher = Controller(Mailbox(maildir), hostname="127.0.0.1", port=smtp_port)
    catcher.start()
    serve_demo_mail(current_app, host, port, smtp_port)
    click.echo(f"E-mail goes to the catcher on 127.0.0.1:{smtp_port}; messages are kept in {maildir}")
    click.echo(f"and shown at http://{host}:{port}/demo/mail (demo mode only).")
    click.echo(f"Open http://{host}:{port}/ and sign in as admin@example.com / demo-admin.")
    try:
        run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)
    finally:
        catcher.stop()
