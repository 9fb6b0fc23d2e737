"""In a real Chromium: the demo admin invites two contracts, then reminds both with Remind now, without a page
load; the rows say when the last reminder went out, and the reminders reach the SMTP server."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import COUNT_LOADS, sign_in_as
from tests.smtp import SmtpServer

pytestmark = pytest.mark.browser


def test_remind_two_invited_rows_in_place(app, live_server, page: Page, smtp: SmtpServer):
    app.test_cli_runner().invoke(args=["demo"])
    page.add_init_script(COUNT_LOADS)
    sign_in_as(page, live_server.url)
    page.goto(live_server.url + "/projects/1/billings")
    expect(page.get_by_role("heading", name="Progress Billings")).to_be_visible()
    remind = page.get_by_role("button", name=re.compile("Remind now"))
    expect(remind).to_be_disabled()

    page.get_by_label(re.compile("Invite SC-001")).check()
    page.get_by_label(re.compile("Invite SC-002")).check()
    page.get_by_role("button", name=re.compile("Send Invites")).click()
    expect(page.get_by_role("status")).to_have_text("Invites sent for 2 contracts.")
    expect(page.locator("#send-bar")).to_contain_text("2 can be reminded.")

    page.get_by_label(re.compile("Remind SC-001")).check()
    page.get_by_label(re.compile("Remind SC-002")).check()
    expect(remind).to_be_enabled()
    expect(remind).to_contain_text("2")
    loads = page.evaluate("sessionStorage.getItem('loads')")
    remind.click()

    expect(page.get_by_role("status")).to_have_text("Reminder sent for 2 contracts.")
    for number in ("SC-001", "SC-002"):
        expect(page.locator(f"[data-commitment='{number}'] [data-last-reminder]")).to_contain_text("Last reminder")
    expect(remind).to_be_disabled()  # the selection is cleared
    assert page.evaluate("sessionStorage.getItem('loads')") == loads, "the page reloaded"

    deadline = time.monotonic() + 30  # two invites, then two reminders
    while len(smtp.messages) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    reminders = sorted(m.rcpt_tos[0] for m in smtp.messages if "remind" in m.subject.lower())
    assert reminders == ["dev@brightline-electric.example", "maria@keystone-concrete.example"], \
        [m.subject for m in smtp.messages]


def test_the_policy_pages_say_what_is_wrong_next_to_the_field(app, live_server, page: Page):
    """The settings' reminder section and a project's Reminders page, as an admin fills them in (axe checks both)."""
    app.test_cli_runner().invoke(args=["demo"])
    sign_in_as(page, live_server.url)
    page.goto(live_server.url + "/settings/company")
    expect(page.get_by_role("note")).to_contain_text("reminded 5 days and 1 day before the due date")
    page.get_by_label("Days before the due date").fill("400")
    page.get_by_role("button", name="Save reminder policy").click()
    expect(page.get_by_label("Days before the due date")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#days_before-feedback")).to_have_text("Each number of days must be between 1 and 365.")
    page.get_by_label("Days before the due date").fill("7")
    page.get_by_role("button", name="Save reminder policy").click()
    expect(page.get_by_role("status")).to_have_text("Reminder policy saved.")
    expect(page.get_by_role("note")).to_contain_text("reminded 7 days before the due date")

    page.goto(live_server.url + "/projects/1")
    page.get_by_role("link", name="Set reminders").click()
    expect(page.get_by_role("heading", name="Reminders", exact=True)).to_be_visible()
    page.get_by_label("Use this project's own policy").check()
    page.get_by_label("Days before the due date").fill("2")
    page.get_by_role("button", name="Save reminders").click()
    expect(page.get_by_role("status")).to_have_text("Reminders saved: this project has its own policy.")
    expect(page.get_by_role("note")).to_contain_text("reminded 2 days before the due date")
