"""In a real Chromium, an Admin sets up the project's head contract (issue 16): the form with a bad e-mail
refused next to the field, then the head contract, two SOV lines added in place (no page load), one sharing
the other's cost code, and the SOV approved after its confirmation page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import COUNT_LOADS, sign_in_as

pytestmark = pytest.mark.browser


def _loads(page: Page) -> str:
    page.wait_for_load_state("load")
    return page.evaluate("sessionStorage.getItem('loads')")


def _add_line(page: Page, code: str, description: str, value: str) -> None:
    form = page.locator("#sov-add")
    form.get_by_label("Cost code").fill(code)
    form.get_by_label("Description").fill(description)
    form.get_by_label("Scheduled value").fill(value)
    form.get_by_role("button", name="Add line").click()
    expect(page.locator("#flash")).to_contain_text(f"Line {code} added.")


def test_an_admin_sets_up_the_head_contract_and_its_sov(app, live_server, page: Page, world):
    page.add_init_script(COUNT_LOADS)
    sign_in_as(page, live_server.url, world.admin.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/projects/{world.project.id}")
    page.get_by_role("link", name="Set up the head contract").click()
    expect(page.get_by_role("heading", name="New head contract")).to_be_visible()

    page.get_by_label("Number").fill("HC-100")
    page.get_by_label("Contract date").fill("2026-03-02")
    page.get_by_label("Title").fill("Prime contract with the hospital")
    page.get_by_label("Client company").fill("Riverside Health Partners")
    page.get_by_label("Client contact", exact=True).fill("Elena Brooks")
    page.get_by_label("Client contact's e-mail").fill("elena@riverside")
    page.get_by_label("Retention %", exact=True).fill("5")
    page.get_by_role("button", name="Create head contract").click()
    email = page.get_by_label("Client contact's e-mail")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#client_contact_email-feedback")).to_contain_text("Enter a valid e-mail address")
    expect(page.get_by_label("Title")).to_have_value("Prime contract with the hospital")  # what was typed stays

    email.fill("elena@riverside.example")
    page.get_by_role("button", name="Create head contract").click()
    expect(page.get_by_role("status")).to_contain_text("HC-100 Prime contract with the hospital is created")
    expect(page.get_by_role("heading", name="Schedule of values")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/head-contract/sov$"))

    loads = _loads(page)
    _add_line(page, "03 30 00", "Cast-in-place concrete", "712,400.00")
    _add_line(page, "03 30 00", "Concrete: owner's allowance", "25000")  # a shared cost code is allowed
    expect(page.locator("#sov-lines tr")).to_have_count(2)
    expect(page.locator("#sov-totals [data-sov-total]")).to_have_text("$737,400.00")
    assert _loads(page) == loads  # added in place

    page.get_by_role("button", name="Approve SOV").click()
    expect(page.get_by_role("heading", name=re.compile("Approve the schedule of values of HC-100"))).to_be_visible()
    page.get_by_role("button", name="Yes, approve and lock").click()
    expect(page.get_by_role("status")).to_contain_text("The schedule of values is approved and locked")
    expect(page.locator("#sov-heading")).to_contain_text("SOV Approved")
    expect(page.get_by_role("heading", name="Add a line from an approved change order")).to_be_visible()

    page.get_by_role("link", name="Head Contract", exact=True).click()
    facts = page.locator("#head-contract-facts")
    expect(facts).to_contain_text("Riverside Health Partners")
    expect(facts).to_contain_text("elena@riverside.example")
    expect(facts).to_contain_text("5.00%")
    expect(page.locator("[data-sov-total]")).to_have_text("$737,400.00")
