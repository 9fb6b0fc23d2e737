"""In a real Chromium, an Ontario claim from invite to approval (issue 17): the demo's P-1003 (CAD, HST 13%,
10% holdback). The admin invites Don Valley Electric; Aisha opens the Invite to Bill e-mail's link, signs in,
accepts, fills the claim and sees Holdback, the HST line and the current amount due with tax in CAD as she
types; she signs and submits; the admin reviews and approves; the approved claim, and the board, show the
same figures.

By hand. SC-202's lines are 198,400.00 and 74,600.00, 20% of each approved last period: D = 39,680.00 and
14,920.00, line 7 = 54,600.00 less 10% = 49,140.00. This period: 19,840.00 on line 1, and line 2 to 30%
(22,380.00, so E = 7,460.00). 4 = 59,520.00 + 22,380.00 = 81,900.00; 5 = 8,190.00; 6 = 73,710.00;
8 = 73,710.00 - 49,140.00 = 24,570.00; HST 13% = 3,194.10; due with tax 27,764.10.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from domain.models import Project, db
from tests.browser.conftest import sign_in_as
from tests.smtp import SmtpServer

pytestmark = pytest.mark.browser

AISHA = "aisha@donvalley-electric.example"
FIGURES = {"4": "$81,900.00", "6": "$73,710.00", "7": "$49,140.00", "8": "$24,570.00"}
HST, DUE = "$3,194.10", "$27,764.10"
HOLDBACK = "Holdback (work $8,190.00, stored $0.00)"


@pytest.fixture
def config_overrides(smtp: SmtpServer) -> dict[str, object]:
    return {**smtp.config, "OUTBOX_DELIVER_AFTER_REQUEST": True, "BASE_URL": "http://links.example"}


def _mail_to(smtp: SmtpServer, address: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 30  # generous: CI machines are busy
    while not smtp.to(address) and time.monotonic() < deadline:
        time.sleep(0.1)
    received = smtp.to(address)
    assert received, f"no e-mail to {address}"
    return received[0]


def _expect_taxed_summary(page: Page) -> None:
    """The G702 summary: lines 4 to 8, Holdback, the HST line after 8 and the amount due with tax, in CAD."""
    for n, figure in FIGURES.items():
        expect(page.locator(f'[data-g702="{n}"] dd')).to_have_text(figure)
    expect(page.locator('[data-g702="5"] dt')).to_have_text(f"5. {HOLDBACK}")
    expect(page.locator('[data-g702="8"] dt')).to_have_text("8. Current amount due before tax")
    expect(page.locator('[data-g702="8-tax"] dt')).to_have_text("HST 13%")
    expect(page.locator('[data-g702="8-tax"] dd')).to_have_text(HST)
    expect(page.locator('[data-g702="8-due"] dd')).to_have_text(DUE)
    expect(page.locator("[data-tax-registration]")).to_have_text("GST/HST no. 987654321RT0001")
    summary = page.locator("#claim-totals").inner_text()
    assert "US$" not in summary and "CA$" not in summary and "Retention" not in summary


def test_an_ontario_claim_from_invite_to_approval(app, live_server, browser: Browser, smtp: SmtpServer):
    app.test_cli_runner().invoke(args=["demo"])
    project_id = db.session.scalar(select(Project.id).where(Project.number == "P-1003"))
    base, board = live_server.url, f"{live_server.url}/projects/{project_id}/billings"
    admin = browser.new_context().new_page()
    sign_in_as(admin, base)
    admin.goto(board)
    admin.get_by_label(re.compile("Invite SC-202")).check()
    admin.get_by_role("button", name=re.compile("Send Invites")).click()
    expect(admin.get_by_role("status")).to_have_text("Invites sent for 1 contract.")

    # The Invite to Bill e-mail; its Yes link leads Aisha (she has a password) to signing in, then to the invite.
    mail = _mail_to(smtp, AISHA)
    assert mail.subject.startswith("Lakeshore Community Health Centre: invite to bill SC-202")
    yes = re.search(r'href="(http://links\.example/portal/invites/[^"]+answer=yes)"', mail.html).group(1)
    contact = browser.new_context().new_page()
    contact.goto(yes.replace("&amp;", "&").replace("http://links.example", base))
    expect(contact.get_by_label("E-mail")).to_have_value(AISHA)
    contact.get_by_label("Password", exact=True).fill("demo-contact")
    contact.get_by_role("button", name="Sign in").click()
    contact.get_by_role("button", name="Confirm: yes, I will bill").click()
    expect(contact.get_by_role("heading", name=re.compile("Progress Claim #"))).to_be_visible()

    # She fills it in; the summary follows as she types, computed on the server.
    contact.locator("[data-line-card='26 05 00']").get_by_label("Work this period (E)").fill("19840")
    contact.locator("[data-line-card='26 51 00']").get_by_label("or % complete to date").fill("30")
    _expect_taxed_summary(contact)
    contact.get_by_label("I confirm this statement is true").check()
    contact.get_by_label("Your full name, as your signature").fill("Aisha Rahman")
    contact.get_by_role("button", name="Sign and submit for review").click()
    expect(contact.locator("[data-claim-status]")).to_have_text("Under Review")
    _expect_taxed_summary(contact)

    # The admin finds it on the board, the amount due with its tax, and approves it.
    admin.goto(board)
    row = admin.locator("[data-commitment='SC-202']")
    expect(row.locator("[data-invite-status]")).to_have_text("Accepted")
    expect(row.locator("a[data-claim-status]")).to_have_text("Under Review")
    expect(row).to_contain_text(DUE)
    row.locator("a[data-claim-status]").click()
    _expect_taxed_summary(admin)
    admin.get_by_role("button", name="Approve", exact=True).click()
    expect(admin.locator("[data-claim-status]")).to_have_text("Approved", timeout=20_000)  # htmx, a reload

    # Approved: the same figures, for the admin and for Aisha.
    admin.reload()
    _expect_taxed_summary(admin)
    contact.reload()
    expect(contact.locator("[data-claim-status]")).to_have_text("Approved")
    _expect_taxed_summary(contact)
    admin.goto(board)
    expect(admin.locator("[data-commitment='SC-202']")).to_contain_text(DUE)
