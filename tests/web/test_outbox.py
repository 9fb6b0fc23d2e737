"""The Invite to Bill e-mail and the outbox, delivered to a real SMTP server on loopback (aiosmtpd).

Invites are sent the way an admin sends them (a form post to Send Invites, or the domain call
the route makes), then the outbox is delivered with `domain.outbox.deliver_due` or the
`flask outbox --once` command, and the tests read what the SMTP server received.
"""

from __future__ import annotations

import asyncio
import calendar
import os
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from domain import outbox, portal
from domain.board import load_board
from domain.clock import utcnow
from domain.invites import send_invites
from domain.models import AccessLevel, Commitment, Dictionary, Invite, OutboxMessage, OutboxStatus, User, db
from domain.outbox import deliver_due, retry_delay
from domain.terms import Terms
from domain.tokens import read_invite_token
from extensions import mail
from templating import day
from tests import factories
from tests.smtp import RecordingHandler, SmtpServer
from tests.smtp import smtp_app_config as config_overrides  # noqa: F401 - a fixture: these apps send to `smtp`

SUBJECT_MIDDLE = ": invite to bill "


def this_month(world: factories.World) -> str:
    """Make the world's period this calendar month (due in ten days); its name, as a subject says it."""
    today = date.today()
    start = today.replace(day=1)
    world.period.start_date = start
    world.period.end_date = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    world.period.due_date = today + timedelta(days=10)
    db.session.commit()
    return start.strftime("%B %Y")  # e.g. "November 2026"


# --- helpers -----------------------------------------------------------------------------------


def make_commitment(world: factories.World, *contacts: tuple[str, str], inactive: tuple[str, ...] = (),
                    number: str | None = None, title: str = "Concrete works") -> tuple[Commitment, list[User]]:
    """A commitment whose progress claim contacts are the given (e-mail, name) pairs."""
    vendor = factories.vendor(with_contact=False)
    users = [factories.user(vendor, email, name) for email, name in contacts]
    for u in users:
        u.active = u.email not in inactive
    if users:
        vendor.default_claim_contact = users[0]
    c = factories.commitment(world.project, vendor, contacts=users, number=number, title=title)
    db.session.commit()
    return c, users


def post_invites(client: FlaskClient, world: factories.World, *commitments: Commitment) -> None:
    """Send Invites as the signed-in admin; the response is closed, as a WSGI server closes it."""
    with client.post(f"/projects/{world.project.id}/billings/invites",
                     data={"commitment_ids": [c.id for c in commitments], "period": world.period.id}) as response:
        assert response.status_code == 303, response.get_data(as_text=True)


def outbox_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def invite_of(commitment: Commitment) -> Invite:
    return db.session.scalars(select(Invite).where(Invite.commitment_id == commitment.id)).one()


def board_row(world: factories.World, commitment: Commitment):  # type: ignore[no-untyped-def]
    db.session.expire_all()
    row = load_board(world.project, world.admin, AccessLevel.ADMIN).row_for(commitment.id)
    assert row is not None
    return row


RETRYING = "E-mail not delivered yet, retrying"


def board_page(client: FlaskClient, world: factories.World) -> str:
    response = client.get(f"/projects/{world.project.id}/billings?period={world.period.id}")
    assert response.status_code == 200
    return Page(response.get_data(as_text=True)).text


class Page(HTMLParser):
    """What a person sees in the HTML part: its text, its links, and which tags it really has."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.links: dict[str, str] = {}  # link text -> href
        self._chunks: list[str] = []
        self._href: str | None = None
        self._link_text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "a":
            self._href, self._link_text = dict(attrs).get("href") or "", []

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links[" ".join("".join(self._link_text).split())] = self._href
            self._href = None
        self._chunks.append(" ")

    def handle_data(self, data: str) -> None:
        self._chunks.append(data)
        if self._href is not None:
            self._link_text.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self._chunks).split())


def flat(text: str) -> str:
    return " ".join(text.split())


# --- 1. what the e-mail says -------------------------------------------------------------------


def test_invite_email_says_what_it_is_for_and_links_into_the_portal(app: Flask, admin_client: FlaskClient,
                                                                     world: factories.World, smtp: SmtpServer):
    app.config["BASE_URL"] = "https://billing.example.com/pb/"
    month = this_month(world)
    world.company.invite_message = "Please bill by the due date.\nQuestions? Call Dana on 555-0100."
    c, (contact,) = make_commitment(world, ("dana@vendor.example", "Dana Vendor"), number="SC-100",
                                    title="Structural concrete")
    post_invites(admin_client, world, c)
    invite = invite_of(c)

    with smtp:
        report = deliver_due(mail)
    assert (report.sent, report.failed) == (1, 0)

    (received,) = smtp.messages
    assert received.rcpt_tos == ("dana@vendor.example",)
    assert received.mail_from == "billing@pb.example"
    assert received.message["To"] == "dana@vendor.example"
    assert received.message["From"] == "Progress Billings <billing@pb.example>"
    assert received.subject == f"Riverside Medical{SUBJECT_MIDDLE}SC-100 for {month}"
    parts = [part.get_content_type() for part in received.message.walk()]
    assert "multipart/alternative" in parts
    assert parts.count("text/plain") == 1 and parts.count("text/html") == 1

    period = world.period
    dates = f"{day(period.start_date)} to {day(period.end_date)}"
    text, page = flat(received.text), Page(received.html)
    for shown in (text, page.text):
        assert "SC-100 Structural concrete" in shown
        assert f"Billing period: {dates}" in shown or f"Billing period {dates}" in shown
        assert f"Due date: {day(period.due_date)}" in shown or f"Due date {day(period.due_date)}" in shown
        assert "Please bill by the due date. Questions? Call Dana on 555-0100." in shown
        assert "Hello Dana Vendor" in shown
    assert "Invited by: Avery Admin <admin@pb.example>" in text
    assert "Invited by Avery Admin (admin@pb.example)" in page.text

    assert set(page.links) >= {"Yes, I will bill", "No, not this period"}
    for label, answer in (("Yes, I will bill", "yes"), ("No, not this period", "no")):
        href = page.links[label]
        assert href.startswith(f"https://billing.example.com/pb/portal/invites/{invite.id}?token=")
        query = parse_qs(urlsplit(href).query)
        assert query["answer"] == [answer]
        token = read_invite_token(app.config["SECRET_KEY"], query["token"][0], app.config["INVITE_TOKEN_MAX_AGE"])
        assert (token.invite_id, token.contact_id) == (invite.id, contact.id)
        assert href in received.text  # the plain-text part carries the same links
        assert f"{label}:\n{href}" in received.text

    # What was sent is kept on the outbox row.
    (row,) = outbox_rows()
    assert row.status is OutboxStatus.SENT and row.sent_at is not None and row.attempts == 1
    assert row.subject == received.subject
    assert page.links["Yes, I will bill"] in row.text_body


def test_without_a_company_message_the_email_has_no_empty_message_box(app: Flask, admin_client: FlaskClient,
                                                                       world: factories.World, smtp: SmtpServer):
    world.company.invite_message = ""
    c, _ = make_commitment(world, ("dana@vendor.example", "Dana Vendor"))
    post_invites(admin_client, world, c)
    with smtp:
        deliver_due(mail)
    (received,) = smtp.messages
    assert "Message from" not in received.text
    assert "border-left:3px solid" not in received.html


# --- 2. escaping -------------------------------------------------------------------------------

NASTY = "Smith & Sons <script>alert(1)</script>"


def test_names_and_messages_are_escaped_in_the_html_and_plain_in_the_text(app: Flask, admin_client: FlaskClient,
                                                                           world: factories.World,
                                                                           smtp: SmtpServer):
    month = this_month(world)
    world.project.name = f"Tower {NASTY}"
    world.company.invite_message = f"Note from {NASTY}"
    c, _ = make_commitment(world, ("dana@vendor.example", "Dana Vendor"), number="SC-7", title=f"Works {NASTY}")
    post_invites(admin_client, world, c)
    with smtp:
        deliver_due(mail)
    (received,) = smtp.messages

    html = received.html
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Smith &amp; Sons" in html
    assert "Smith & Sons" not in html
    page = Page(html)
    assert "script" not in page.tags
    # A reader sees the characters as typed, not entity soup.
    for shown in (f"Tower {NASTY}", f"SC-7 Works {NASTY}", f"Note from {NASTY}"):
        assert shown in page.text
        assert shown in flat(received.text)
    assert "&amp;" not in received.text and "&lt;" not in received.text
    assert received.subject.strip() == f"Tower {NASTY}{SUBJECT_MIDDLE}SC-7 for {month}"


HEADERS = {"Content-Type", "MIME-Version", "Subject", "From", "To", "Date", "Message-ID"}


@pytest.mark.parametrize(("project_name", "number"), [
    ("Riverside\nMedical", "SC-001"),
    ("Riverside Medical", "SC\r\n001"),
    ("Riverside Medical\r\nBcc: victim@evil.example", "SC-001"),
    # Python's header encoder also breaks lines at \v, \f, \x1c-\x1e, \x85, \u2028, \u2029.
    ("Riverside\x0bReply-To: attacker@evil.example", "SC-001"),
    ("Riverside\x0cMedical", "SC\x1c001"),
    ("Riverside\u2028Medical", "SC\x85001"),
], ids=["lf", "crlf-in-number", "bcc-injection", "vt-injection", "ff-fs", "unicode-separators"])
def test_a_line_break_in_a_name_never_reaches_the_subject(app: Flask, admin_client: FlaskClient,
                                                          world: factories.World, smtp: SmtpServer,
                                                          project_name: str, number: str):
    month = this_month(world)
    world.project.name = project_name
    c, _ = make_commitment(world, ("dana@vendor.example", "Dana Vendor"), number=number)
    post_invites(admin_client, world, c)
    with smtp:
        report = deliver_due(mail)
    assert (report.sent, report.failed) == (1, 0)
    (received,) = smtp.messages
    assert "\n" not in received.subject and "\r" not in received.subject
    assert received.subject.splitlines() == [received.subject]
    assert received.subject.endswith(f" for {month}")
    assert flat(received.subject) == f"{flat(project_name)}{SUBJECT_MIDDLE}{flat(number)} for {month}"
    assert set(received.message.keys()) == HEADERS  # nothing injected: no Bcc, no Reply-To
    assert received.message.defects == []
    assert received.rcpt_tos == ("dana@vendor.example",)


def test_the_longest_names_still_send_once_and_are_kept(app: Flask, admin_client: FlaskClient,
                                                        world: factories.World, smtp: SmtpServer):
    """A 200-character project name, a 200-character vendor and a 30-character commitment number make
    the answer's subject longer than the outbox keeps: every e-mail still goes out, once, and is marked Sent."""
    month = this_month(world)
    world.project.name = "P" * 200
    c, (dana,) = make_commitment(world, ("dana@vendor.example", "Dana Vendor"), number="N" * 30)
    c.vendor.name = "V" * 200
    db.session.commit()
    post_invites(admin_client, world, c)
    portal.decline(invite_of(c), dana, "Nothing done this month")
    with smtp:
        assert (deliver_due(mail).sent, deliver_due(mail, now=utcnow() + timedelta(hours=1)).sent) == (2, 0)
    invite_mail, answer_mail = sorted(smtp.messages, key=lambda m: len(m.subject))
    assert invite_mail.subject.strip() == f"{'P' * 200}{SUBJECT_MIDDLE}{'N' * 30} for {month}"
    answer_subject = f"{'P' * 200}: {'V' * 200} will not bill {'N' * 30} for {month}"
    assert answer_mail.subject.strip() == answer_subject
    rows = outbox_rows()
    assert [r.status for r in rows] == [OutboxStatus.SENT, OutboxStatus.SENT]
    assert sorted(r.subject for r in rows) == sorted([invite_mail.subject.strip(), answer_subject[:300]])


# --- 3. one e-mail per contact -----------------------------------------------------------------


def test_one_email_per_active_contact_and_a_repeated_send_adds_none(app: Flask, admin_client: FlaskClient,
                                                                    world: factories.World, smtp: SmtpServer):
    c, (dana, lee, _gone) = make_commitment(
        world, ("dana@vendor.example", "Dana Vendor"), ("lee@vendor.example", "Lee Vendor"),
        ("gone@vendor.example", "Gone Vendor"), inactive=("gone@vendor.example",))
    post_invites(admin_client, world, c)
    post_invites(admin_client, world, c)  # a double click / a retried request
    assert len(outbox_rows()) == 2

    with smtp:
        assert deliver_due(mail).sent == 2
        post_invites(admin_client, world, c)  # and once more after delivery
        assert deliver_due(mail).sent == 0

    assert sorted(r for m in smtp.messages for r in m.rcpt_tos) == ["dana@vendor.example", "lee@vendor.example"]
    assert len(smtp.to("dana@vendor.example")) == 1
    assert len(smtp.to("lee@vendor.example")) == 1
    assert smtp.to("gone@vendor.example") == []
    assert "Hello Dana Vendor" in smtp.to(dana.email)[0].text
    assert "Hello Lee Vendor" in smtp.to(lee.email)[0].text
    assert db.session.scalar(select(func.count(Invite.id))) == 1


def test_resend_sends_each_contact_one_more_email_once(app: Flask, admin_client: FlaskClient,
                                                       world: factories.World, smtp: SmtpServer):
    c, _ = make_commitment(world, ("dana@vendor.example", "Dana Vendor"), ("lee@vendor.example", "Lee Vendor"))
    post_invites(admin_client, world, c)
    resend = f"/projects/{world.project.id}/billings/invites/{c.id}/resend?seen=1&period={world.period.id}"
    assert admin_client.post(resend).status_code == 303
    assert admin_client.post(resend).status_code == 303  # the same click again: nothing more
    with smtp:
        assert deliver_due(mail).sent == 4
        assert deliver_due(mail).sent == 0
    assert len(smtp.to("dana@vendor.example")) == 2
    assert len(smtp.to("lee@vendor.example")) == 2
    assert invite_of(c).send_count == 2


# --- 4. retry while the SMTP server is down ----------------------------------------------------


@pytest.mark.parametrize(("attempts", "delay"), [
    (0, timedelta(seconds=30)), (1, timedelta(seconds=30)), (2, timedelta(minutes=1)), (3, timedelta(minutes=2)),
    (7, timedelta(minutes=32)), (8, timedelta(hours=1)), (30, timedelta(hours=1)),
])
def test_retry_delay_doubles_up_to_an_hour(attempts: int, delay: timedelta):
    assert retry_delay(attempts) == delay


def test_mail_waits_while_the_server_is_down_and_goes_out_once_when_it_is_back(
        app: Flask, admin_client: FlaskClient, world: factories.World, smtp: SmtpServer):
    c, _ = make_commitment(world, ("dana@vendor.example", "Dana Vendor"), ("lee@vendor.example", "Lee Vendor"))
    post_invites(admin_client, world, c)
    row = board_row(world, c)
    assert (row.mail_queued, row.mail_failing) == (2, False)

    # Nothing listens on the port.
    before = utcnow()
    report = deliver_due(mail)
    assert (report.sent, report.failed) == (0, 2)
    messages = outbox_rows()
    for m in messages:
        assert m.status is OutboxStatus.PENDING
        assert m.attempts == 1
        assert "Connection" in m.last_error or "refused" in m.last_error.lower(), m.last_error
        assert before + retry_delay(1) <= m.next_attempt_at <= utcnow() + retry_delay(1)
        assert m.claimed_until is None and m.sent_at is None
    row = board_row(world, c)
    assert (row.mail_queued, row.mail_failing) == (2, True)
    assert row.invite is not None and row.invite_label == "Invited"
    assert RETRYING in board_page(admin_client, world)

    # Not due yet: nothing is tried.
    assert (deliver_due(mail).sent, deliver_due(mail).failed) == (0, 0)
    assert all(m.attempts == 1 for m in outbox_rows())

    # Still down at the next attempt: the delay grows.
    first_retry = max(m.next_attempt_at for m in messages)
    later = first_retry + timedelta(seconds=1)
    assert deliver_due(mail, now=later).failed == 2
    messages = outbox_rows()
    for m in messages:
        assert m.attempts == 2 and m.status is OutboxStatus.PENDING
        assert m.next_attempt_at >= later + retry_delay(2)
        assert retry_delay(2) > retry_delay(1)
    assert board_row(world, c).mail_failing is True

    # Back up: each message goes out exactly once.
    smtp.start()
    after = max(m.next_attempt_at for m in messages) + timedelta(seconds=1)
    report = deliver_due(mail, now=after)
    assert (report.sent, report.failed) == (2, 0)
    assert len(smtp.to("dana@vendor.example")) == 1
    assert len(smtp.to("lee@vendor.example")) == 1
    for m in outbox_rows():
        assert m.status is OutboxStatus.SENT and m.attempts == 3 and m.last_error == "" and m.sent_at is not None
    row = board_row(world, c)
    assert (row.mail_queued, row.mail_failing) == (0, False)
    page = board_page(admin_client, world)
    assert RETRYING not in page and "E-mail queued" not in page

    # Delivering again, even much later, sends nothing more.
    assert deliver_due(mail, now=after + timedelta(days=1)).sent == 0
    assert deliver_due(mail).sent == 0
    assert len(smtp.messages) == 2


# --- 5. one SMTP connection per batch ----------------------------------------------------------


def test_a_batch_goes_over_one_smtp_connection(app: Flask, world: factories.World, smtp: SmtpServer):
    commitments = [make_commitment(world, (f"c{i}@vendor{i}.example", f"Contact {i}"))[0] for i in range(3)]
    commitments.append(make_commitment(world, ("x@v.example", "X"), ("y@v.example", "Y"))[0])
    board = load_board(world.project, world.admin, AccessLevel.ADMIN)
    outcome = send_invites(board, [c.id for c in commitments], world.admin, Terms(Dictionary.SPECIALTY))
    assert len(outcome.sent) == 4
    assert len(outbox_rows()) == 5

    with smtp:
        report = deliver_due(mail)
    assert (report.sent, report.failed) == (5, 0)
    assert len(smtp.messages) == 5
    assert smtp.connections == 1
    assert len({id(m.session) for m in smtp.messages}) == 1


def test_a_smaller_batch_size_takes_one_connection_per_batch(app: Flask, world: factories.World,
                                                             smtp: SmtpServer):
    c, _ = make_commitment(world, *[(f"c{i}@vendor.example", f"Contact {i}") for i in range(5)])
    board = load_board(world.project, world.admin, AccessLevel.ADMIN)
    send_invites(board, [c.id], world.admin, Terms(Dictionary.SPECIALTY))
    with smtp:
        assert [deliver_due(mail, batch=2).sent for _ in range(4)] == [2, 2, 1, 0]
    assert smtp.connections == 3
    assert sorted(r for m in smtp.messages for r in m.rcpt_tos) == [f"c{i}@vendor.example" for i in range(5)]


def test_a_batch_that_outlasts_its_claim_never_sends_a_message_twice(app: Flask, world: factories.World,
                                                                   smtp: SmtpServer):
    """Worker A reserves a batch, then stalls (a slow server) past its reservation; worker B takes the
    messages and sends them. When A goes on, it finds them taken and sends none of them again."""
    commitments = [make_commitment(world, (f"c{i}@vendor{i}.example", f"Contact {i}"))[0] for i in range(3)]
    board = load_board(world.project, world.admin, AccessLevel.ADMIN)
    send_invites(board, [c.id for c in commitments], world.admin, Terms(Dictionary.SPECIALTY))
    now = utcnow()
    a_holds = outbox.claim_due(now, batch=100)
    assert len(a_holds) == 3
    later = now + outbox.RESERVE_FOR + timedelta(seconds=1)
    with smtp:
        assert deliver_due(mail, now=later).sent == 3  # worker B, after A's claim ran out
        assert outbox.deliver_claimed(mail, a_holds, now).sent == 0  # worker A wakes up
    assert sorted(r for m in smtp.messages for r in m.rcpt_tos) == [f"c{i}@vendor{i}.example" for i in range(3)]
    assert all(m.status is OutboxStatus.SENT and m.attempts == 1 for m in outbox_rows())


def test_a_killed_workers_batch_goes_out_from_the_next_worker_within_seconds(app: Flask, world: factories.World,
                                                                           smtp: SmtpServer):
    """Worker A reserves a batch, sends the first message and is killed. The messages it had not sent
    are held back only for seconds: a restarted worker sends them, and not the one A sent."""
    commitments = [make_commitment(world, (f"c{i}@vendor{i}.example", f"Contact {i}"))[0] for i in range(4)]
    board = load_board(world.project, world.admin, AccessLevel.ADMIN)
    send_invites(board, [c.id for c in commitments], world.admin, Terms(Dictionary.SPECIALTY))
    now = utcnow()
    a_holds = outbox.claim_due(now, batch=100)
    assert len(a_holds) == 4
    with smtp:
        assert outbox.deliver_claimed(mail, a_holds[:1], now).sent == 1  # ... and A is gone

        assert outbox.RESERVE_FOR.total_seconds() <= 10  # seconds, not minutes
        assert deliver_due(mail, now=now + timedelta(seconds=1)).sent == 0  # A's reservation still stands
        report = deliver_due(mail, now=now + outbox.RESERVE_FOR + timedelta(seconds=1))  # worker B
        assert (report.sent, report.failed) == (3, 0)
        assert deliver_due(mail, now=now + timedelta(days=1)).sent == 0
    assert sorted(r for m in smtp.messages for r in m.rcpt_tos) == [f"c{i}@vendor{i}.example" for i in range(4)]
    assert all(m.status is OutboxStatus.SENT and m.attempts == 1 for m in outbox_rows())


class SlowToAccept(RecordingHandler):
    """Takes a moment over each e-mail, as a real server does, so a worker can be killed mid-batch."""

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.3)
        return await super().handle_DATA(server, session, envelope)


def test_a_worker_process_killed_mid_batch_is_taken_over_within_seconds(app: Flask, world: factories.World,
                                                                        smtp: SmtpServer):
    """`flask outbox` is killed (SIGKILL) after sending part of a batch. A worker started then sends
    the rest within seconds; nothing goes twice, and a message the killed worker may have been
    handing to the server at that moment waits for its claim to run out rather than going again."""
    commitments = [make_commitment(world, (f"c{i}@vendor{i}.example", f"Contact {i}"))[0] for i in range(6)]
    board = load_board(world.project, world.admin, AccessLevel.ADMIN)
    send_invites(board, [c.id for c in commitments], world.admin, Terms(Dictionary.SPECIALTY))
    smtp.handler = SlowToAccept()
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "FLASK_SECRET_KEY": app.config["SECRET_KEY"],
           "FLASK_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "FLASK_MAIL_SERVER": "127.0.0.1",
           "FLASK_MAIL_PORT": str(smtp.port), "FLASK_MAIL_DEFAULT_SENDER": app.config["MAIL_DEFAULT_SENDER"],
           "FLASK_BASE_URL": app.config["BASE_URL"]}
    with smtp:
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "outbox", "--interval", "0.2"],
                                  cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            while not any(m.status is OutboxStatus.SENT for m in outbox_rows()):
                assert worker.poll() is None, worker.stderr.read().decode() if worker.stderr else ""
                assert time.monotonic() < deadline, "the worker sent nothing"
                time.sleep(0.05)
        finally:
            worker.kill()
            worker.wait(timeout=10)
        killed = time.monotonic()
        sent_by_killed = sum(m.status is OutboxStatus.SENT for m in outbox_rows())
        assert sent_by_killed < 6, "the worker finished before it could be killed"

        while time.monotonic() < killed + 20:
            deliver_due(mail)  # the worker started after the kill, polling
            pending = [m for m in outbox_rows() if m.status is OutboxStatus.PENDING]
            if all(m.claimed_until and m.claimed_until > utcnow() + timedelta(minutes=4) for m in pending):
                break
            time.sleep(0.5)
        took = time.monotonic() - killed

    rows = outbox_rows()
    in_flight = [m for m in rows if m.status is OutboxStatus.PENDING]
    assert len(in_flight) <= 1, [(m.to_address, m.claimed_until) for m in in_flight]
    assert took < 15, f"the killed worker's batch waited {took:.0f} s"
    received = [r for m in smtp.messages for r in m.rcpt_tos]
    assert sorted(set(received)) == sorted(received), "an e-mail went twice"
    for m in rows:
        if m.status is OutboxStatus.SENT:
            assert received.count(m.to_address) == 1 and m.attempts == 1
        else:  # killed while handing it over: the server may have it; it waits for its claim to run out
            assert m.attempts == 0 and m.claimed_until > utcnow() + timedelta(minutes=4)


# --- 6. the command ----------------------------------------------------------------------------


def test_outbox_once_command_delivers_and_says_how_many(app: Flask, admin_client: FlaskClient,
                                                        world: factories.World, smtp: SmtpServer):
    c, _ = make_commitment(world, ("dana@vendor.example", "Dana Vendor"))
    post_invites(admin_client, world, c)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["outbox", "--once"])  # the server is down
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "outbox: 0 sent, 1 failed"

    for m in outbox_rows():  # as if the retry delay had passed
        m.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with smtp:
        result = runner.invoke(args=["outbox", "--once"])
        assert result.exit_code == 0, result.output
        assert result.output.strip() == "outbox: 1 sent, 0 failed"
        result = runner.invoke(args=["outbox", "--once"])
        assert result.output.strip() == "outbox: 0 sent, 0 failed"
    assert len(smtp.to("dana@vendor.example")) == 1
    (row,) = outbox_rows()
    assert row.status is OutboxStatus.SENT


# --- 7. one recipient refused ------------------------------------------------------------------


def test_a_refused_recipient_is_retried_and_the_rest_of_the_batch_goes_out(
        app: Flask, admin_client: FlaskClient, world: factories.World, smtp: SmtpServer):
    c, _ = make_commitment(world, ("dana@vendor.example", "Dana Vendor"), ("lee@vendor.example", "Lee Vendor"),
                           ("kim@vendor.example", "Kim Vendor"))
    post_invites(admin_client, world, c)
    smtp.refuse("lee@vendor.example", "550 5.1.1 <lee@vendor.example>: mailbox full")

    with smtp:
        report = deliver_due(mail)
        assert (report.sent, report.failed) == (2, 1)
        assert smtp.connections == 1
        assert [m.rcpt_tos for m in smtp.messages] == [("dana@vendor.example",), ("kim@vendor.example",)]

        by_address = {m.to_address: m for m in outbox_rows()}
        lee = by_address["lee@vendor.example"]
        assert lee.status is OutboxStatus.PENDING and lee.attempts == 1
        assert "550" in lee.last_error and "mailbox full" in lee.last_error
        assert lee.next_attempt_at > utcnow()
        assert by_address["dana@vendor.example"].status is OutboxStatus.SENT
        assert by_address["kim@vendor.example"].status is OutboxStatus.SENT
        assert board_row(world, c).mail_failing is True

        smtp.accept("lee@vendor.example")
        report = deliver_due(mail, now=lee.next_attempt_at + timedelta(seconds=1))
        assert (report.sent, report.failed) == (1, 0)
        assert deliver_due(mail, now=utcnow() + timedelta(days=1)).sent == 0

    for address in ("dana@vendor.example", "lee@vendor.example", "kim@vendor.example"):
        assert len(smtp.to(address)) == 1, address
    assert all(m.status is OutboxStatus.SENT for m in outbox_rows())
    assert board_row(world, c).mail_failing is False


# --- after the response ------------------------------------------------------------------------


@pytest.fixture
def deliver_after_request(app: Flask) -> None:
    app.config["OUTBOX_DELIVER_AFTER_REQUEST"] = True


def test_a_single_process_install_delivers_right_after_the_request(
        app: Flask, client: FlaskClient, world: factories.World, smtp: SmtpServer, deliver_after_request: None, auth):
    c, _ = make_commitment(world, ("dana@vendor.example", "Dana Vendor"))
    auth.sign_in(world.admin.email)
    with smtp:
        post_invites(client, world, c)
        # Delivered by a thread started as the response goes out: wait for it, as the contact would.
        deadline = time.monotonic() + 30
        while not smtp.to("dana@vendor.example") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(smtp.to("dana@vendor.example")) == 1
        deadline = time.monotonic() + 10
        while outbox_rows()[0].status is not OutboxStatus.SENT and time.monotonic() < deadline:
            time.sleep(0.05)
            db.session.expire_all()
    (row,) = outbox_rows()
    assert row.status is OutboxStatus.SENT


def test_outbox_module_reports_in_words():
    assert str(outbox.DeliveryReport(sent=3, failed=1)) == "3 sent, 1 failed"


# --- 8. everything that is due, fast -----------------------------------------------------------


def queue_invites_to(world: factories.World, contacts: int) -> list[str]:
    """One commitment with `contacts` progress claim contacts, invited: that many more e-mails queued."""
    queued = len(outbox_rows())
    addresses = [f"c{i:03d}@vendor{queued}.example" for i in range(contacts)]
    c, _ = make_commitment(world, *[(a, f"Contact {i:03d}") for i, a in enumerate(addresses)])
    board = load_board(world.project, world.admin, AccessLevel.ADMIN)
    send_invites(board, [c.id], world.admin, Terms(Dictionary.SPECIALTY))
    assert len(outbox_rows()) == queued + contacts
    return addresses


def test_once_delivers_everything_due_and_leaves_what_is_not_due_yet(app: Flask, world: factories.World,
                                                                     smtp: SmtpServer):
    addresses = queue_invites_to(world, 250)
    later = outbox_rows()[-3:]  # three e-mails whose retry is an hour away
    for m in later:
        m.next_attempt_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    runner = app.test_cli_runner()
    with smtp:
        result = runner.invoke(args=["outbox", "--once"])  # batches of 100: three of them, then it stops
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "outbox: 247 sent, 0 failed"
    received = sorted(r for m in smtp.messages for r in m.rcpt_tos)
    assert received == sorted(addresses[:-3])  # each once
    waiting = [m for m in outbox_rows() if m.status is OutboxStatus.PENDING]
    assert [m.to_address for m in waiting] == addresses[-3:]
    assert all(m.attempts == 0 and m.claimed_until is None for m in waiting)
    assert all(m.attempts == 1 and m.sent_at is not None for m in outbox_rows() if m.status is OutboxStatus.SENT)


def test_once_with_the_smtp_server_down_marks_each_due_email_for_retry_once_and_stops(
        app: Flask, world: factories.World, smtp: SmtpServer):
    queue_invites_to(world, 150)
    before = utcnow()
    result = app.test_cli_runner().invoke(args=["outbox", "--once", "--batch", "40"])  # nothing listens
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "outbox: 0 sent, 150 failed"
    for m in outbox_rows():
        assert m.status is OutboxStatus.PENDING and m.attempts == 1 and m.claimed_until is None
        assert m.next_attempt_at >= before + retry_delay(1)
        assert "refused" in m.last_error.lower() or "Connection" in m.last_error, m.last_error
    assert smtp.messages == []


def statements_to_deliver(app: Flask, smtp: SmtpServer) -> tuple[int, int]:
    """Statements and commits that delivering everything due takes (all of it must go out)."""
    counts = {"statements": 0, "commits": 0}

    def statement(*_args: object) -> None:
        counts["statements"] += 1

    def commit(*_args: object) -> None:
        counts["commits"] += 1

    event.listen(db.engine, "before_cursor_execute", statement)
    event.listen(db.engine, "commit", commit)
    try:
        with smtp:
            report = outbox.deliver_all_due(mail)
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
        event.remove(db.engine, "commit", commit)
    assert report.failed == 0
    return counts["statements"], counts["commits"]


def test_the_statements_to_deliver_a_batch_barely_grow_with_its_size(app: Flask, world: factories.World,
                                                                     smtp: SmtpServer, monkeypatch):
    # The count, not the clock: a busy machine would cut the groups short and add a commit here and there.
    monkeypatch.setattr(outbox, "GROUP_TIME", timedelta(minutes=1))
    queue_invites_to(world, 10)
    few = statements_to_deliver(app, smtp)
    assert len(smtp.messages) == 10
    queue_invites_to(world, 100)
    many = statements_to_deliver(app, smtp)
    assert len(smtp.messages) == 110
    # Groups of 1, 2, 4, ... 50: ten times the e-mails, a few statements and commits more (it was 11
    # statements and 2 commits an e-mail, one at a time).
    assert many[0] - few[0] <= 10, (few, many)
    assert many[1] - few[1] <= 5, (few, many)
    assert many[0] <= 30 and many[1] <= 12, many


def test_two_workers_at_once_never_send_an_email_twice(app: Flask, world: factories.World, smtp: SmtpServer):
    addresses = queue_invites_to(world, 200)
    reports: list[outbox.DeliveryReport] = []
    errors: list[BaseException] = []

    def worker() -> None:
        with app.app_context():
            try:
                reports.append(outbox.deliver_all_due(mail, batch=20))
            except BaseException as exc:  # noqa: BLE001 - reported by the test below
                errors.append(exc)
            finally:
                db.session.remove()

    with smtp:
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    assert errors == []
    received = sorted(r for m in smtp.messages for r in m.rcpt_tos)
    assert received == sorted(addresses)  # every one, once
    assert sum(r.sent for r in reports) == 200 and all(r.failed == 0 for r in reports)
    assert all(m.status is OutboxStatus.SENT and m.attempts == 1 for m in outbox_rows())
