"""In a real Chromium: an admin fills a project's taxes from the province picker, edits and saves them, and
records a vendor's GST/HST number; axe checks each page (tests/browser/conftest.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in_as

pytestmark = pytest.mark.browser


def test_an_admin_sets_ontario_hst_and_a_vendors_number(app, live_server, page: Page):
    app.test_cli_runner().invoke(args=["demo"])
    sign_in_as(page, live_server.url)

    page.get_by_role("link", name="P-1001").first.click()
    page.get_by_role("link", name="Set taxes").click()
    page.get_by_label("Province or territory").select_option("ON")
    page.get_by_role("button", name="Fill in the rates").click()
    expect(page.get_by_role("status")).to_contain_text("Ontario: HST 13% filled in")
    expect(page.get_by_label("Tax 1 name")).to_have_value("HST")
    expect(page.get_by_label("Tax 1 rate (%)")).to_have_value("13")
    page.get_by_label("Tax 1 rate (%)").fill("31")
    page.get_by_role("button", name="Save taxes").click()
    expect(page.locator("#rate_1-feedback")).to_contain_text("Enter a rate from 0 to 30%")
    page.get_by_label("Tax 1 rate (%)").fill("13")
    page.get_by_role("button", name="Save taxes").click()
    expect(page.get_by_role("status")).to_contain_text("Taxes saved: HST 13%.")

    page.get_by_role("link", name="Directory").click()
    page.get_by_role("link", name="Keystone Concrete Co.").first.click()
    page.get_by_label("GST/HST registration number").fill("123 456 789 rt 0001")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Keystone Concrete Co. is saved.")
    expect(page.get_by_label("GST/HST registration number")).to_have_value("123456789RT0001")
