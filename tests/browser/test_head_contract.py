"""In a real Chromium, the head contract's month: approve two subcontractor claims, open the Head Contract tab,
start the claim to the client, prefill it, adjust a line, submit it to the client, send it (the e-mail with the
PDF at the SMTP server) and record the client's approval (issue 16)."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from domain import claims
from domain.clock import project_today
from domain.models import BillingPeriod, Commitment, CommitmentKind, PeriodStatus, Project, User, db
from tests.browser.conftest import sign_in_as
from tests.smtp import SmtpServer

pytestmark = pytest.mark.browser


def submitted_claims(numbers: tuple[str, ...]) -> list[int]:
    """Claims of the open period, filled in and submitted for review (as their contacts would)."""
    admin = db.session.scalar(select(User).where(User.email == "admin@example.com"))
    period = db.session.scalar(select(BillingPeriod).where(BillingPeriod.project_id == 1,
                                                           BillingPeriod.status == PeriodStatus.OPEN))
    ids = []
    for number in numbers:
        commitment = db.session.scalar(select(Commitment).where(Commitment.project_id == 1,
                                                                Commitment.number == number))
        claim = claims.start_claim(commitment, period, admin)
        entries = [claims.LineEntry(s.id, this_period=str((s.original_value / 10).quantize(Decimal("0.01"))))
                   for s in commitment.sov_lines]
        entered = claims.save_entries(claim, entries, admin, submit=True,
                                      signature=claims.Signature(confirmed=True, name="Avery Morgan"))
        assert entered.ok
        ids.append(claim.id)
    return ids


def client_address() -> str:
    head = db.session.scalar(select(Commitment).where(Commitment.project_id == 1,
                                                      Commitment.kind == CommitmentKind.HEAD_CONTRACT))
    return head.client_contact_email


def test_prefill_adjust_submit_and_approve_the_claim_to_the_client(app, live_server, browser: Browser,
                                                                    smtp: SmtpServer):
    app.test_cli_runner().invoke(args=["demo"])
    base = live_server.url
    page = browser.new_context().new_page()
    sign_in_as(page, base)
    for claim_id in submitted_claims(("SC-001", "SC-002")):
        page.goto(f"{base}/projects/1/billings/claims/{claim_id}")
        page.get_by_role("button", name="Approve", exact=True).click()
        expect(page.locator("[data-claim-status]")).to_have_text("Approved", timeout=20_000)

    # The tabs are links; the Head Contract one keeps the period.
    page.goto(f"{base}/projects/1/billings")
    page.get_by_role("link", name="Head Contract").click()
    expect(page.get_by_role("link", name="Head Contract")).to_have_attribute("aria-current", "page")
    page.get_by_role("button", name=re.compile("Start the claim for")).click()
    expect(page.get_by_role("heading", name=re.compile("Claim #1 to the client"))).to_be_visible()
    expect(page.locator("[data-claim-status]")).to_have_text("Draft")

    page.get_by_role("button", name=re.compile("Prefill from approved")).click()
    expect(page.get_by_role("status").first).to_contain_text("Prefilled from 2 approved subcontractor claims.")
    expect(page.locator("#sources")).to_contain_text(re.compile(r"SC-001 #\d"))
    expect(page.locator("#sources")).to_contain_text(re.compile(r"SC-002 #\d"))
    due = page.locator('[data-g702="8"] dd').inner_text()
    assert due != "$0.00"

    # Own forces on the first line billed: 500 more than the subcontractors claimed.
    first = page.locator("input[name$='-this_period']").first
    typed = Decimal(first.input_value()) + 500
    first.fill(str(typed))
    page.get_by_role("button", name="Save figures").click()
    expect(page.get_by_role("status").first).to_contain_text("The figures are saved.")
    expect(page.locator("[data-adjusted]").first).to_contain_text("Adjusted.")
    adjusted_due = page.locator('[data-g702="8"] dd').inner_text()
    assert adjusted_due != due

    # Prefill again: it asks about the adjusted line first, and keeps it unless ticked.
    page.get_by_role("button", name=re.compile("Prefill from approved")).click()
    expect(page.get_by_role("heading", name=re.compile("before anything changes"))).to_be_visible()
    expect(page.locator("#adjusted-lines")).to_contain_text("You adjusted 1 line")
    page.get_by_role("button", name="Prefill", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("1 adjusted line keeps your figures.")
    expect(page.locator("input[name$='-this_period']").first).to_have_value(str(typed))

    page.get_by_role("button", name="Submit to client").click()
    expect(page.locator("[data-claim-status]")).to_have_text("Submitted to client")

    # Sent to the client contact: the e-mail arrives with the pay application PDF.
    page.get_by_role("button", name="Send to client").click()
    expect(page.get_by_role("status").first).to_contain_text("is on its way to")
    address = client_address()
    deadline = time.monotonic() + 30
    while not smtp.to(address) and time.monotonic() < deadline:
        time.sleep(0.1)
    (mail,) = smtp.to(address)
    files = {part.get_filename(): part.get_content() for part in mail.message.iter_attachments()}
    assert any(name.endswith(".pdf") and body.startswith(b"%PDF") for name, body in files.items()), files.keys()

    # The client approves the whole amount.
    project = db.session.get(Project, 1)
    page.get_by_label("Client's decision").select_option(label="Approved")
    page.get_by_label("Date of the decision").fill(project_today(project).isoformat())
    page.get_by_label("Amount approved").fill(adjusted_due.replace("$", "").replace(",", ""))
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("[data-claim-status]")).to_have_text("Approved")
    expect(page.locator("[data-client-decision]")).to_contain_text(adjusted_due)
