"""In a real Chromium, with the keyboard: after an in-place swap focus lands where the person carries on (the
banner, the first refused field, the next line's first field), never on the page body; the row checkboxes
and the review controls come in the order they are read."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in_as, tab_until

pytestmark = pytest.mark.browser

DRAFT_SOV = "/projects/1/commitments/7"  # the demo's SC-007: its schedule of values is still a Draft

@pytest.fixture
def admin(app, live_server, page: Page) -> Page:
    app.test_cli_runner().invoke(args=["demo"])
    sign_in_as(page, live_server.url)
    return page


def test_send_invites_by_keyboard_leaves_focus_on_the_banner(admin: Page, live_server):
    page = admin
    page.goto(live_server.url + "/projects/1/billings")
    page.get_by_label(re.compile("Invite SC-001")).focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name=re.compile("Send Invites")).focus()
    page.keyboard.press("Enter")
    banner = page.get_by_role("status")
    expect(banner).to_have_text("Invites sent for 1 contract.")
    expect(banner).to_be_focused()  # the button was swapped away with the list: focus must not fall to the body


def test_the_row_checkboxes_come_in_the_order_of_the_rows(admin: Page, live_server):
    page = admin
    page.goto(live_server.url + "/projects/1/billings")
    assert page.locator("[tabindex]:not([tabindex='0']):not([tabindex='-1'])").count() == 0  # no order of its own
    rows = page.locator("#board-list tbody tr[data-commitment]")
    eligible = [rows.nth(i).get_attribute("data-commitment") for i in range(rows.count())
                if rows.nth(i).locator("input[name=commitment_ids]:not(:disabled)").count()]
    page.get_by_label("Select every contract that can be invited").focus()
    names = tab_until(page, re.compile("^Billing periods$"))
    reached = [m.group(1) for name in names if (m := re.match(r"Invite (\S+)", name))]
    assert reached == eligible, names


def test_sov_add_line_and_refused_forms_put_focus_on_the_field_to_type_in(admin: Page, live_server):
    page = admin
    page.goto(live_server.url + DRAFT_SOV)
    add = page.locator("#sov-add")

    # A refused Add line: the first refused field has focus.
    add.get_by_role("button", name="Add line").click()
    expect(add.get_by_label("Cost code")).to_have_attribute("aria-invalid", "true")
    expect(add.get_by_label("Cost code")).to_be_focused()
    add.get_by_label("Cost code").fill("09 91 00")
    add.get_by_label("Description").fill("Painting")
    add.get_by_label("Scheduled value").press("Enter")  # empty value: the refused field is the third
    # The answer is in when the cost code is no longer refused (the first answer refused all three fields,
    # so the third's aria-invalid alone would not wait for it, and typing before it lands is lost).
    expect(add.get_by_label("Cost code")).not_to_have_attribute("aria-invalid", "true")
    expect(add.get_by_label("Cost code")).to_have_value("09 91 00")
    expect(add.get_by_label("Scheduled value")).to_have_attribute("aria-invalid", "true")
    expect(add.get_by_label("Scheduled value")).to_be_focused()

    # Added: the form is ready for the next line, with focus in its first field.
    add.get_by_label("Scheduled value").fill("1,200.00")
    add.get_by_label("Scheduled value").press("Enter")
    expect(page.locator("#sov-lines")).to_contain_text("Painting", timeout=15_000)  # axe runs after each swap
    expect(add.get_by_label("Cost code")).to_have_value("")
    expect(add.get_by_label("Cost code")).to_be_focused()

    # Two inline edits refused one after the other: focus follows the second; no autofocus is left behind.
    for n in (1, 2):
        row = page.locator("#sov-lines tr").nth(n - 1)
        row.get_by_role("link", name=re.compile("^Edit")).first.click()
        editing = page.locator("#sov-lines tr.sov-editing").last
        expect(editing.get_by_label("Cost code")).to_be_focused()
        editing.get_by_label("Description").fill("")
        editing.get_by_role("button", name="Save").click()
        expect(editing.get_by_label("Description")).to_have_attribute("aria-invalid", "true")
        expect(editing.get_by_label("Description")).to_be_focused()
    expect(page.locator("#sov-lines tr.sov-editing")).to_have_count(2)
    expect(page.locator("[autofocus]")).to_have_count(0)
