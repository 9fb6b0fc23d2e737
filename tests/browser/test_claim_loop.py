"""In a real Chromium, the whole loop: invite, e-mail, activation, accept, claim, review, resubmit, approve,
and the approved work showing as previous work in the next period."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from domain.models import BillingPeriod, db
from tests.browser.conftest import sign_in_as, tab_until
from tests.smtp import SmtpServer

pytestmark = pytest.mark.browser


@pytest.fixture
def config_overrides(smtp: SmtpServer) -> dict[str, object]:
    return {**smtp.config, "OUTBOX_DELIVER_AFTER_REQUEST": True, "BASE_URL": "http://links.example"}


def _mail_to(smtp: SmtpServer, address: str, count: int = 1):
    deadline = time.monotonic() + 30  # generous: CI machines are busy
    while len(smtp.to(address)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    received = smtp.to(address)
    assert len(received) >= count, f"no e-mail to {address}"
    return received[count - 1]


def _total(page: Page, n: int) -> str:
    return page.locator(f'[data-g702="{n}"] dd').inner_text()


def sign_and_submit(page: Page, name: str) -> None:
    """Submit is a signed statement: tick the box, type the name, press the button."""
    page.get_by_label("I confirm this statement is true").check()
    page.get_by_label("Your full name, as your signature").fill(name)
    page.get_by_role("button", name="Sign and submit for review").click()


def test_invite_to_approved_claim(app, live_server, browser: Browser, smtp: SmtpServer):
    app.test_cli_runner().invoke(args=["demo"])
    base = live_server.url
    admin = browser.new_context().new_page()
    sign_in_as(admin, base, "admin@example.com", "demo-admin")
    board = f"{base}/projects/1/billings"
    admin.goto(board)
    admin.get_by_label(re.compile("Invite SC-005")).check()
    admin.get_by_role("button", name=re.compile("Send Invites")).click()
    expect(admin.get_by_role("status")).to_have_text("Invites sent for 1 contract.")

    # The e-mail arrives; its Yes link opens the invite in another browser.
    mail = _mail_to(smtp, "priya@clearview-glazing.example")
    yes = re.search(r'href="(http://links\.example/portal/invites/[^"]+answer=yes)"', mail.html).group(1)
    contact = browser.new_context().new_page()
    contact.goto(yes.replace("&amp;", "&").replace("http://links.example", base))
    expect(contact.get_by_role("heading", name="Welcome, Priya Shah")).to_be_visible()
    contact.get_by_label("Choose a password").fill("glass-and-light-2026")
    contact.get_by_label("Repeat the password").fill("glass-and-light-2026")
    contact.get_by_role("button", name="Set password and continue").click()
    contact.get_by_role("button", name="Confirm: yes, I will bill").click()
    expect(contact.get_by_role("heading", name=re.compile("Progress Claim #1"))).to_be_visible()

    # Two lines; the totals follow as she types, computed on the server.
    contact.locator("input[name$='-this_period']").nth(0).fill("59740")      # 20% of 298,700
    contact.locator("input[name$='-percent']").nth(1).fill("50")              # 50% of 42,300 = 21,150
    expect(contact.locator('[data-g702="4"] dd')).to_have_text("$80,890.00")
    expect(contact.locator('[data-g702="8"] dd')).to_have_text("$72,801.00")  # less 10% retention
    sign_and_submit(contact, "Priya Shah")
    expect(contact.locator("[data-claim-status]")).to_have_text("Under Review")
    expect(contact.locator("[data-signature]")).to_contain_text("Signed by Priya Shah as “Priya Shah”")

    # The admin sees Accepted and Under Review, and sends one line back.
    admin.goto(board)
    row = admin.locator("[data-commitment='SC-005']")
    expect(row.locator("[data-invite-status]")).to_have_text("Accepted")
    expect(row.locator("a[data-claim-status]")).to_have_text("Under Review")
    row.locator("a[data-claim-status]").click()
    # By keyboard the review controls come as they are read: each line's decision and comment, then the actions.
    admin.get_by_role("region", name=re.compile("^Lines of this")).focus()
    names = tab_until(admin, re.compile("^Send back for revision$"))
    lines = admin.locator("[data-line]").evaluate_all("rows => rows.map((r) => r.dataset.line)")
    assert [n for n in names if n.startswith("Comment on line")] == [f"Comment on line {c}" for c in lines], names
    assert names.index("Approve") < names.index(f"Comment on line {lines[0]}") < names.index("Pending Owner Approval")
    admin.locator("[data-line='08 80 00']").get_by_label("Reject").check()
    admin.get_by_label("Comment on line 08 80 00").fill("Interior glazing is not installed yet; bill 25%.")
    admin.get_by_role("button", name="Send back for revision").click()
    expect(admin.locator("[data-claim-status]")).to_have_text("Revise and Resubmit", timeout=20_000)  # htmx, a reload
    returned = _mail_to(smtp, "priya@clearview-glazing.example", 2)
    assert "Interior glazing is not installed yet" in returned.text

    # The contact corrects and resubmits.
    contact.goto(contact.url)
    expect(contact.locator("[data-claim-status]")).to_have_text("Revise and Resubmit")
    expect(contact.locator("[data-review]")).to_contain_text("Interior glazing is not installed yet; bill 25%.")
    contact.locator("input[name$='-percent']").nth(1).fill("25")
    expect(contact.locator('[data-g702="4"] dd')).to_have_text("$70,315.00")
    sign_and_submit(contact, "Priya Shah")
    expect(contact.locator("[data-claim-status]")).to_have_text("Under Review")

    # The admin approves.
    admin.reload()
    admin.get_by_role("button", name="Approve", exact=True).click()
    expect(admin.locator("[data-claim-status]")).to_have_text("Approved", timeout=20_000)  # htmx, a reload

    # Next period: the approved work is the previous work of the new claim.
    period = db.session.scalar(db.select(BillingPeriod).where(BillingPeriod.project_id == 1,
                                                              BillingPeriod.status == "OPEN"))
    start = period.end_date + timedelta(days=1)
    admin.goto(board)
    admin.locator("#billing-periods summary").click()
    admin.get_by_label("Start date").fill(start.isoformat())
    admin.get_by_label("End date").fill((start + timedelta(days=29)).isoformat())
    admin.get_by_label("Due date").fill((start + timedelta(days=24)).isoformat())
    admin.get_by_role("button", name="Open period").click()
    expect(admin.get_by_role("status").first).to_contain_text("is open")
    admin.locator("[data-commitment='SC-005']").get_by_role("link", name="Create on behalf").click()
    expect(admin.get_by_role("heading", name=re.compile("Create a progress claim on behalf of"))).to_be_visible()
    admin.get_by_role("button", name="Create progress claim on behalf").click()  # it asks first
    expect(admin.get_by_role("heading", name=re.compile("Progress Claim #2"))).to_be_visible()
    line = admin.locator("#line-" + admin.locator("[id^='line-'][id$='-figures']").first.get_attribute("id")
                         .split("-")[1])
    expect(line).to_contain_text("Previous claims (D)")
    expect(line).to_contain_text("$59,740.00")
    expect(admin.locator('[data-g702="7"] dd')).to_have_text("$63,283.50")  # line 6 of the approved claim
