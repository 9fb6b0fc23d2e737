"""In a real Chromium at 375 px: a contact who forgot the password asks for a link, gets it by e-mail
(a real SMTP server) and sets a new one; the link then no longer works."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

CONTACT = "maria@keystone-concrete.example"
NEW_PASSWORD = "a-brand-new-password"


def test_a_contact_resets_a_forgotten_password_on_a_phone(app, live_server, page: Page, smtp):
    app.test_cli_runner().invoke(args=["demo"])
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + "/sign-in")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail").fill(CONTACT)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    expect(page.get_by_text("The link works once, for 60 minutes.")).to_be_visible()

    deadline = time.monotonic() + 10
    while not [m for m in smtp.messages if CONTACT in m.rcpt_tos] and time.monotonic() < deadline:
        time.sleep(0.1)
    [mail] = [m for m in smtp.messages if CONTACT in m.rcpt_tos]
    link = re.search(r"(http://\S+/reset-password\?token=\S+)", mail.text).group(1)
    path = link[link.index("/reset-password"):]

    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("Repeat the new password").fill("short")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_text("Use at least 10 characters (and at most 200).")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_text("Your new password is set and you are signed in.")).to_be_visible()
    expect(page).to_have_url(live_server.url + "/portal")

    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", name="This link has been used")).to_be_visible()
