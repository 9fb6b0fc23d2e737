"""In a real Chromium: a company admin adds a vendor and a person, who activates from the e-mail;
the people list filters and deactivates in place, without a page load."""

from __future__ import annotations

import re
import time

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import COUNT_LOADS, sign_in_as
from tests.smtp import SmtpServer

pytestmark = pytest.mark.browser

def _loads(page: Page) -> str:
    page.wait_for_load_state("load")
    return page.evaluate("sessionStorage.getItem('loads')")


def _wait_for_mail(app: Flask, smtp: SmtpServer, n: int) -> None:
    """The app delivers right after the request that queued the e-mail; give a busy machine time."""
    deadline = time.monotonic() + 30
    while len(smtp.messages) < n and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(smtp.messages) >= n


def test_add_a_vendor_and_a_person_who_activates(app, live_server, page: Page, browser: Browser, smtp: SmtpServer):
    app.test_cli_runner().invoke(args=["demo"])
    page.add_init_script(COUNT_LOADS)
    sign_in_as(page, live_server.url)

    page.get_by_role("link", name="Directory").click()
    page.get_by_role("link", name="Add vendor").click()
    page.get_by_label("Name").fill("Cascade Painting")
    page.get_by_label("Trade").fill("Painting")
    page.get_by_role("button", name="Add vendor").click()
    expect(page.get_by_role("status")).to_contain_text("Cascade Painting is added")

    page.get_by_role("link", name="Add person").click()
    expect(page.get_by_label("Company", exact=True)).to_have_value(re.compile(r"\d+"))
    page.get_by_label("Name").fill("Rosa Diaz")
    page.get_by_label("E-mail").fill("rosa@cascade-painting.example")
    page.get_by_role("button", name=re.compile("Add person")).click()
    expect(page.get_by_role("status")).to_contain_text("Rosa Diaz is added; an activation e-mail is on its way")
    expect(page.get_by_role("status")).to_contain_text("Rosa Diaz is now Cascade Painting's default contact.")

    # the list narrows to a company in place
    page.get_by_role("link", name="People").click()
    loads = _loads(page)
    page.get_by_label("Company", exact=True).select_option(label="Keystone Concrete Co.")
    expect(page.locator("#people")).to_contain_text("Maria Gonzalez")
    expect(page.locator("#people")).not_to_contain_text("Rosa Diaz")
    assert "company=" in page.url
    assert _loads(page) == loads, "the page reloaded"

    # deactivate and reactivate in place
    row = page.locator("li", has_text="maria@keystone-concrete.example")
    row.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("status")).to_contain_text("Maria Gonzalez is deactivated")
    expect(row).to_contain_text("Deactivated")
    row.get_by_role("button", name="Reactivate").click()
    expect(page.get_by_role("status")).to_contain_text("Maria Gonzalez is active again")
    expect(row.get_by_role("button", name="Deactivate")).to_be_visible()
    assert _loads(page) == loads, "the page reloaded"

    # Rosa opens her e-mail, sets a password, and is signed in to the portal
    _wait_for_mail(app, smtp, 1)
    mail = next(m for m in smtp.messages if m.rcpt_tos == ("rosa@cascade-painting.example",))
    link = re.search(r"http://\S+/activate\?token=\S+", mail.text).group(0)
    link = re.sub(r"^http://[^/]+", live_server.url, link)
    rosa = browser.new_context().new_page()
    rosa.goto(link)
    expect(rosa.get_by_role("heading", name="Welcome, Rosa Diaz")).to_be_visible()
    rosa.get_by_label("Choose a password").fill("rosa-long-password")
    rosa.get_by_label("Repeat the password").fill("rosa-long-password")
    rosa.get_by_role("button", name="Set password and sign in").click()
    expect(rosa.get_by_role("status")).to_have_text("Your password is set and you are signed in.")
    expect(rosa.get_by_role("link", name="My invites")).to_be_visible()
    rosa.goto(link)  # the link is spent: it leads home
    expect(rosa).to_have_url(live_server.url + "/portal")
    expect(rosa.get_by_label("Choose a password")).to_have_count(0)
