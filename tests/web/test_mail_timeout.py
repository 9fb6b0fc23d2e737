"""Every SMTP connection gives up after MAIL_TIMEOUT, in every path that sends e-mail, and the
message stays queued for a later attempt.

The SMTP server here accepts the connection and never says a word (a hung server): the outbox
worker, the `flask outbox` command and a web process's delivery after the response must all let
go of it after MAIL_TIMEOUT seconds.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from domain.clock import utcnow
from domain.models import OutboxStatus
from domain.outbox import deliver_due, retry_delay
from extensions import mail
from tests import factories
from tests.helpers import AuthActions
from tests.smtp import SilentServer
from tests.web.test_outbox import make_commitment, outbox_rows, post_invites

TIMEOUT = 2.0


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.stop()


@pytest.fixture
def config_overrides(silent: SilentServer) -> dict[str, object]:
    return {**silent.config, "MAIL_TIMEOUT": TIMEOUT}


def assert_still_queued_for_retry(attempt_started: datetime) -> None:
    (message,) = outbox_rows()
    assert message.status is OutboxStatus.PENDING
    assert message.attempts == 1 and message.sent_at is None and message.claimed_until is None
    assert "timed out" in message.last_error, message.last_error
    assert message.next_attempt_at >= attempt_started + retry_delay(1)


def test_the_outbox_worker_gives_up_on_a_server_that_never_answers(
        app: Flask, admin_client: FlaskClient, world: factories.World, silent: SilentServer):
    assert socket.getdefaulttimeout() is None  # the limit is the connection's own, not the process's
    c, _ = make_commitment(world, ("dana@vendor.example", "Dana Vendor"))
    post_invites(admin_client, world, c)

    attempt_started, started = utcnow(), time.monotonic()
    report = deliver_due(mail)
    took = time.monotonic() - started
    assert (report.sent, report.failed) == (0, 1)
    assert silent.connections == 1
    assert TIMEOUT - 0.1 <= took < TIMEOUT + 3
    assert_still_queued_for_retry(attempt_started)


def test_the_outbox_command_gives_up_on_a_server_that_never_answers(
        app: Flask, admin_client: FlaskClient, world: factories.World, silent: SilentServer):
    c, _ = make_commitment(world, ("dana@vendor.example", "Dana Vendor"))
    post_invites(admin_client, world, c)

    attempt_started, started = utcnow(), time.monotonic()
    result = app.test_cli_runner().invoke(args=["outbox", "--once"])
    assert time.monotonic() - started < TIMEOUT + 3
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "outbox: 0 sent, 1 failed"
    assert_still_queued_for_retry(attempt_started)
    assert socket.getdefaulttimeout() is None


def test_delivery_after_the_request_gives_up_and_leaves_the_message_queued(
        app: Flask, client: FlaskClient, world: factories.World, silent: SilentServer):
    """A single-process install sends right after the response, from a thread of the web process:
    the response does not wait for the server, and the thread lets go after MAIL_TIMEOUT."""
    app.config["OUTBOX_DELIVER_AFTER_REQUEST"] = True
    c, _ = make_commitment(world, ("dana@vendor.example", "Dana Vendor"))
    AuthActions(client).sign_in(world.admin.email)

    attempt_started, started = utcnow(), time.monotonic()
    post_invites(client, world, c)
    assert time.monotonic() - started < TIMEOUT  # the admin's request is not held by the SMTP server
    delivering = [t for t in threading.enumerate() if t.name == "outbox-after-request"]
    assert delivering, "no delivery was started after the response"
    for thread in delivering:
        thread.join(timeout=TIMEOUT + 5)
    assert not any(thread.is_alive() for thread in delivering), "the delivery thread still waits on the server"
    assert time.monotonic() - started < TIMEOUT + 3
    assert silent.connections == 1
    assert_still_queued_for_retry(attempt_started)
