"""In a real Chromium: the demo admin sends two invites without a page load, and the e-mails arrive."""

from __future__ import annotations

import re
import time
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import COUNT_LOADS, sign_in_as
from tests.smtp import SmtpServer

pytestmark = pytest.mark.browser

def _count(page: Page, key: str) -> str:
    return page.locator(f'[data-count="{key}"] span').inner_text()


def test_send_two_invites_in_place(app, live_server, page: Page, smtp: SmtpServer):
    app.test_cli_runner().invoke(args=["demo"])
    page.add_init_script(COUNT_LOADS)
    sign_in_as(page, live_server.url)
    page.get_by_role("link", name=re.compile("Riverside Medical Office Building")).click()
    page.get_by_role("link", name="Open Progress Billings").click()

    expect(page.get_by_role("heading", name="Progress Billings")).to_be_visible()
    assert _count(page, "not_invited") == "10" and _count(page, "invited") == "0"
    expect(page.locator("#row-6, [data-commitment='SC-006']").first).to_contain_text("No progress claim contact")
    expect(page.locator("[data-commitment='SC-007']")).to_contain_text("Schedule of values not approved")
    expect(page.locator("[data-commitment='SC-009']")).to_contain_text("Not approved")
    send = page.get_by_role("button", name=re.compile("Send Invites"))
    expect(send).to_be_disabled()

    page.get_by_label(re.compile("Invite SC-001")).check()
    page.get_by_label(re.compile("Invite SC-002")).check()
    expect(send).to_be_enabled()
    expect(send).to_contain_text("2")
    loads = page.evaluate("sessionStorage.getItem('loads')")
    send.click()

    expect(page.get_by_role("status")).to_have_text("Invites sent for 2 contracts.")
    for number in ("SC-001", "SC-002"):
        expect(page.locator(f"[data-commitment='{number}'] [data-invite-status]")).to_have_text("Invited")
    expect(page.locator('[data-count="invited"] span')).to_have_text("2")
    expect(page.locator('[data-count="not_invited"] span')).to_have_text("8")
    expect(send).to_be_disabled()  # the selection is cleared
    assert page.evaluate("sessionStorage.getItem('loads')") == loads, "the page reloaded"

    deadline = time.monotonic() + 30  # generous: CI machines are busy
    while len(smtp.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    received = sorted(m.rcpt_tos[0] for m in smtp.messages)
    assert received == ["dev@brightline-electric.example", "maria@keystone-concrete.example"]
    subjects = {m.subject.strip() for m in smtp.messages}  # a long Subject is folded after "Subject:"
    month = date.today().strftime("%B %Y")  # the demo's open period is this calendar month
    assert subjects == {f"Riverside Medical Office Building: invite to bill {number} for {month}"
                        for number in ("SC-001", "SC-002")}
