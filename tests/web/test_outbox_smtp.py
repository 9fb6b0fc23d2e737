"""The outbox's own SMTP: the bytes `domain.mailer.Composer` writes, read back by the e-mail package
as a mail program would, and `Sender` over one connection, with PIPELINING (the test server's
default) and without, a recipient or a message refused in the middle of a batch.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from types import SimpleNamespace

import pytest
from flask import Flask

from domain import emails, outbox
from domain.clock import utcnow
from domain.mailer import Composer, Sender
from domain.models import OutboxStatus, db
from domain.outbox import deliver_due
from extensions import mail
from tests import factories
from tests.smtp import SmtpServer
from tests.web.test_outbox import SUBJECT_MIDDLE, outbox_rows, queue_invites_to, this_month

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n.\n..\r\n%%EOF"  # every byte, and lines of dots


@pytest.fixture(params=[True, False], ids=["pipelining", "no-pipelining"])
def smtp(request: pytest.FixtureRequest) -> Iterator[SmtpServer]:
    server = SmtpServer(pipelining=request.param)
    yield server
    server.stop()


@pytest.fixture
def config_overrides(smtp: SmtpServer) -> dict[str, object]:
    return smtp.config  # Flask-Mail reads MAIL_* once, when the app is created


@pytest.fixture
def envelopes(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every write to the SMTP socket that carried a whole envelope (MAIL FROM, RCPT TO and DATA), alone
    or after the message before it."""
    writes: list[bytes] = []
    real = smtplib.SMTP.send

    def send(self: smtplib.SMTP, s: str | bytes) -> None:
        data = s if isinstance(s, bytes) else s.encode()
        if data.endswith(b"\r\nDATA\r\n") and b"MAIL FROM:<" in data and b"\r\nRCPT TO:<" in data:
            writes.append(data)
        real(self, s)

    monkeypatch.setattr(smtplib.SMTP, "send", send)
    return writes


def test_a_batch_delivers_every_message_with_its_headers_parts_and_attachment(
        app: Flask, world: factories.World, smtp: SmtpServer, envelopes: list[bytes], monkeypatch: pytest.MonkeyPatch):
    month = this_month(world)
    world.project.name = "Café Müller – Bürohaus am Fluß, 東京 Tower, a name long enough to fold the subject"
    db.session.commit()
    made: list[int] = []

    def pay_application(message):  # type: ignore[no-untyped-def]
        made.append(message.id)
        return [("Pay application – Café.pdf", "application/pdf", PDF), ("notes.txt", "text/plain", b"line\r\n")]

    monkeypatch.setitem(outbox.ATTACHMENTS, emails.INVITE_TO_BILL, pay_application)
    monkeypatch.setattr(outbox, "GROUP_TIME", timedelta(minutes=1))  # groups as planned, however busy the machine
    addresses = queue_invites_to(world, 12)
    with smtp:
        report = deliver_due(mail)
    assert (report.sent, report.failed) == (12, 0)
    assert smtp.connections == 1
    if smtp.handler.pipelining:  # an envelope goes with the message before it, except a group's first
        with_data = [w for w in envelopes if w.endswith(b"\r\n.\r\n", 0, w.index(b"MAIL FROM:<"))]
        assert len(envelopes) == 12 and len(with_data) >= 12 - 4  # groups of 1, 2, 4, 5
    else:
        assert envelopes == []
    assert len(made) == 12

    received = {m.rcpt_tos[0]: m for m in smtp.messages}
    assert sorted(received) == sorted(addresses)
    ids = set()
    for address, got in received.items():
        message = got.message
        assert message.defects == []
        assert message.get_content_type() == "multipart/mixed"
        assert got.subject.startswith(f"{world.project.name}{SUBJECT_MIDDLE}")
        assert got.subject.endswith(f" for {month}")
        assert message["To"] == address and got.mail_from == "billing@pb.example"
        assert message["From"] == "Progress Billings <billing@pb.example>"
        assert message["Date"].datetime is not None
        ids.add(message["Message-ID"])
        assert "Hello Contact" in got.text and "Yes, I will bill" in got.text
        assert "<a " in got.html and "Café Müller" in got.html
        pdf, notes = message.iter_attachments()
        assert pdf.get_filename() == "Pay application – Café.pdf" and pdf.get_content_type() == "application/pdf"
        assert pdf.get_content() == PDF
        assert notes.get_filename() == "notes.txt" and notes.get_content() == "line\r\n"  # the bytes as given
        for line in got.message.as_bytes(policy=policy.SMTP).split(b"\r\n"):
            assert len(line) <= 998
    assert len(ids) == 12  # each its own Message-ID

    rows = outbox_rows()
    assert all(r.status is OutboxStatus.SENT and r.attempts == 1 and r.subject.endswith(month) for r in rows)


def test_a_message_refused_at_data_is_retried_and_only_it(app: Flask, world: factories.World, smtp: SmtpServer):
    addresses = queue_invites_to(world, 5)
    smtp.refuse_data(addresses[2], "554 5.7.1 Message rejected: looks like spam")
    smtp.refuse(addresses[3], "550 5.1.1 No such mailbox")
    with smtp:
        report = deliver_due(mail)
        assert (report.sent, report.failed) == (3, 2)
        assert smtp.connections == 1  # the refusals did not cost the connection
        assert sorted(m.rcpt_tos[0] for m in smtp.messages) == sorted(addresses[:2] + addresses[4:])

        by_address = {m.to_address: m for m in outbox_rows()}
        spam, gone = by_address[addresses[2]], by_address[addresses[3]]
        for refused, said in ((spam, "554"), (gone, "550")):
            assert refused.status is OutboxStatus.PENDING and refused.attempts == 1 and refused.sent_at is None
            assert said in refused.last_error and refused.claimed_until is None
            assert refused.next_attempt_at > utcnow()
        assert "SMTPDataError" in spam.last_error and "looks like spam" in spam.last_error
        assert "SMTPRecipientsRefused" in gone.last_error and "No such mailbox" in gone.last_error
        assert all(by_address[a].status is OutboxStatus.SENT for a in addresses[:2] + addresses[4:])

        smtp.accept(addresses[2])
        smtp.accept(addresses[3])
        later = max(spam.next_attempt_at, gone.next_attempt_at) + timedelta(seconds=1)
        assert (deliver_due(mail, now=later).sent, deliver_due(mail, now=later).sent) == (2, 0)
    assert sorted(r for m in smtp.messages for r in m.rcpt_tos) == sorted(addresses)  # each once
    assert all(m.status is OutboxStatus.SENT for m in outbox_rows())
    assert {m.to_address: m.attempts for m in outbox_rows()}[addresses[2]] == 2


def test_an_address_unfit_to_send_to_fails_only_its_own_email(app: Flask, world: factories.World,
                                                               smtp: SmtpServer):
    addresses = queue_invites_to(world, 3)
    unfit = outbox_rows()[1]
    unfit.to_address = "dänä@vendor.example"  # a letter outside ASCII before the @: no plain SMTP takes it
    db.session.commit()
    with smtp:
        assert (deliver_due(mail).sent, deliver_due(mail).sent) == (2, 0)
    assert sorted(r for m in smtp.messages for r in m.rcpt_tos) == sorted([addresses[0], addresses[2]])
    failed = {m.to_address: m for m in outbox_rows()}["dänä@vendor.example"]
    assert failed.status is OutboxStatus.PENDING and failed.attempts == 1 and "ValueError" in failed.last_error


def test_a_server_that_closes_mid_batch_leaves_the_rest_for_later(app: Flask, world: factories.World,
                                                                   smtp: SmtpServer):
    """A 421 (the server is shutting down) after an e-mail's data: that one and the rest of the batch
    stay queued for their next attempt; what went before is Sent; nothing goes twice."""
    addresses = queue_invites_to(world, 4)
    smtp.refuse_data(addresses[1], "421 4.3.2 Shutting down")
    with smtp:
        report = deliver_due(mail)
        assert (report.sent, report.failed) == (1, 3)
        by_address = {m.to_address: m for m in outbox_rows()}
        assert by_address[addresses[0]].status is OutboxStatus.SENT
        for address in addresses[1:]:
            waiting = by_address[address]
            assert waiting.status is OutboxStatus.PENDING and waiting.attempts == 1
            assert waiting.claimed_until is None and waiting.next_attempt_at > utcnow()
        assert "421" in by_address[addresses[1]].last_error

        smtp.accept(addresses[1])
        later = max(m.next_attempt_at for m in outbox_rows()) + timedelta(seconds=1)
        assert deliver_due(mail, now=later).sent == 3
    assert sorted(r for m in smtp.messages for r in m.rcpt_tos) == sorted(addresses)  # each once


def test_once_delivers_batch_after_batch_over_a_connection_each(app: Flask, world: factories.World,
                                                                 smtp: SmtpServer):
    addresses = queue_invites_to(world, 10)
    with smtp:
        result = app.test_cli_runner().invoke(args=["outbox", "--once", "--batch", "3"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "outbox: 10 sent, 0 failed"
    assert smtp.connections == 4  # batches of 3, 3, 3 and 1
    assert sorted(r for m in smtp.messages for r in m.rcpt_tos) == sorted(addresses)


# --- the Composer and the Sender alone ---------------------------------------------------------


def settings(server: SmtpServer) -> SimpleNamespace:
    return SimpleNamespace(server="127.0.0.1", port=server.port, use_ssl=False, use_tls=False, username=None,
                           password=None, timeout=5.0, debug=0, suppress=False)


AWKWARD = ("Dear Dana,\n.\n.. two dots\nA line with trailing spaces   \n\tand a tab\n"
           + "x" * 300 + "\nCafé = 5 € — naïve\r\nWindows line\rOld Mac line\n=?utf-8?q?not_a_word?=\nFrom here\n")


@pytest.mark.parametrize("subject", [
    "Plain subject", "Zoë’s claim for Größe ✓ " * 8, "=?utf-8?q?looks_encoded?= but is not", "P" * 400,
    "Line\nbreak\r\nBcc: victim@evil.example",
])
def test_what_the_composer_writes_reads_back_as_it_was_given(smtp: SmtpServer, subject: str):
    composer = Composer("Zoë Büro <billing@pb.example>", reply_to="replies@pb.example",
                        list_unsubscribe="https://pb.example/unsubscribe?t=1")
    composed = composer.compose("dana@vendor.example", subject, AWKWARD, f"<p>{AWKWARD}</p>")
    assert composed.data.isascii()
    with smtp, Sender(settings(smtp)) as sender:
        sender.send(composed)
        sender.send(composer.compose("lee@vendor.example", subject, "second", "<p>second</p>",
                                     [("Résumé «final».pdf", "application/pdf", PDF)]))
    first, second = smtp.messages
    assert first.text.replace("\r\n", "\n") == AWKWARD.replace("\r\n", "\n").replace("\r", "\n")
    assert first.html == f"<p>{AWKWARD}</p>".replace("\r\n", "\n").replace("\r", "\n")
    assert first.subject == " ".join(subject.split())
    assert first.message["From"] == "Zoë Büro <billing@pb.example>"
    assert first.message["Reply-To"] == "replies@pb.example"
    assert first.message["List-Unsubscribe"] == "<https://pb.example/unsubscribe?t=1>"
    assert "Bcc" not in first.message and first.message.defects == []
    (attachment,) = second.message.iter_attachments()
    assert attachment.get_filename() == "Résumé «final».pdf" and attachment.get_content() == PDF
    assert second.text == "second" and second.subject == first.subject


@pytest.mark.parametrize("address", ["dana@vendor.example\r\nBcc: x@evil.example", "Dana <dana@x.example>",
                                     "dänä@vendor.example", ""])
def test_an_address_that_could_carry_a_header_is_refused(address: str):
    with pytest.raises(ValueError):
        Composer("billing@pb.example").compose(address, "Hi", "text", "<p>html</p>")


def test_a_long_attachment_name_keeps_the_header_lines_short():
    name = "Pay application " + "é" * 300 + ".pdf"
    composed = Composer("billing@pb.example").compose("dana@x.example", "Hi", "text", "<p>html</p>",
                                                      [(name, "application/pdf", PDF)])
    assert max(len(line) for line in composed.data.split(b"\r\n")) <= 998
    (attachment,) = message_from_bytes(composed.data, policy=policy.default).iter_attachments()
    assert attachment.get_filename() == name[:100] + name[-20:] and attachment.get_content() == PDF


def test_an_international_domain_is_written_in_idna():
    composed = Composer("billing@pb.example").compose("dana@bücher.example", "Hi", "text", "<p>html</p>")
    assert composed.recipient == "dana@xn--bcher-kva.example"
