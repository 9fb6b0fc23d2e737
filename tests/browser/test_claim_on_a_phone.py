"""At 375 px, the contact's claim as a phone shows it: a line filled by %, its amount before saving, a signed
submission; one line sent back, marked with the reviewer's comment, fixed and signed again.
With SCREENSHOT_DIR set, the claim pages (portal and admin) are saved there at 375 and 1280 px to look at."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import sign_in_as
from tests.browser.test_claim_loop import _mail_to, sign_and_submit
from tests.smtp import SmtpServer

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
DESK = {"width": 1280, "height": 900}


@pytest.fixture
def config_overrides(smtp: SmtpServer) -> dict[str, object]:
    return {**smtp.config, "OUTBOX_DELIVER_AFTER_REQUEST": True, "BASE_URL": "http://links.example"}


def _shoot(page: Page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for label, size in (("375", PHONE), ("1280", DESK)):
        page.set_viewport_size(size)
        page.screenshot(path=str(Path(folder) / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(PHONE)


def test_a_contact_on_a_phone_fills_by_percent_signs_and_fixes_a_rejected_line(app, live_server, browser: Browser,
                                                                               smtp: SmtpServer):
    app.test_cli_runner().invoke(args=["demo"])
    base = live_server.url
    admin = browser.new_context(viewport=PHONE).new_page()
    sign_in_as(admin, base, "admin@example.com", "demo-admin")
    admin.goto(f"{base}/projects/1/billings")
    admin.get_by_label(re.compile("Invite SC-005")).check()
    admin.get_by_role("button", name=re.compile("Send Invites")).click()
    expect(admin.get_by_role("status")).to_have_text("Invites sent for 1 contract.")

    mail = _mail_to(smtp, "priya@clearview-glazing.example")
    yes = re.search(r'href="(http://links\.example/portal/invites/[^"]+answer=yes)"', mail.html).group(1)
    contact = browser.new_context(viewport=PHONE).new_page()
    contact.goto(yes.replace("&amp;", "&").replace("http://links.example", base))
    contact.get_by_label("Choose a password").fill("glass-and-light-2026")
    contact.get_by_label("Repeat the password").fill("glass-and-light-2026")
    contact.get_by_role("button", name="Set password and continue").click()
    contact.get_by_role("button", name="Confirm: yes, I will bill").click()
    expect(contact.get_by_role("heading", name=re.compile("Progress Claim #1"))).to_be_visible()
    assert contact.evaluate("document.documentElement.scrollWidth") <= 375  # nothing scrolls sideways

    # Line 2 by %: the amount it gives shows under the % before anything is saved.
    glazing = contact.locator("[data-line-card='08 80 00']")
    contact.locator("[data-line-card='08 44 13']").get_by_label("Work this period (E)").fill("59740")
    glazing.get_by_label("or % complete to date").fill("50")
    expect(glazing.locator("[data-from-percent]")).to_have_text("= $21,150.00 this period")
    expect(contact.locator("[data-line-total='this-period']")).to_have_text("$80,890.00")
    _shoot(contact, "portal-claim-draft")

    # Submitting without signing says what is missing, next to the fields.
    contact.get_by_role("button", name="Sign and submit for review").click()
    expect(contact.locator("#certify-feedback")).to_have_text(
        "Tick the box to confirm the statement: a claim is submitted only as a signed statement.")
    expect(contact.locator("[data-claim-status]")).to_have_text("Draft")
    sign_and_submit(contact, "Priya Shah")
    expect(contact.locator("[data-claim-status]")).to_have_text("Under Review")

    # The admin approves the first line and rejects the glazing, on a phone too.
    admin.goto(f"{base}/projects/1/billings")
    admin.goto(base + admin.locator("[data-commitment='SC-005'] a[data-claim-status]").first.get_attribute("href"))
    expect(admin.locator("[data-signature]")).to_contain_text("Signed by Priya Shah as “Priya Shah”")
    _shoot(admin, "admin-claim-review")
    admin.locator("[data-line='08 44 13']").get_by_label("Approve").check()
    admin.locator("[data-line='08 80 00']").get_by_label("Reject").check()
    admin.get_by_label("Comment on line 08 80 00").fill("Interior glazing is not installed yet; bill 25%.")
    admin.get_by_role("button", name="Send back for revision").click()
    expect(admin.locator("[data-claim-status]")).to_have_text("Revise and Resubmit", timeout=20_000)  # htmx, a reload

    # The contact sees the line marked, with the comment at the top of its card and in the banner.
    contact.reload()
    expect(contact.locator("[data-returned]")).to_contain_text("08 80 00")
    expect(glazing).to_have_attribute("data-line-review", "rejected")
    expect(glazing.locator("[data-review]")).to_have_text(
        "Rejected by the reviewer: Interior glazing is not installed yet; bill 25%.")
    approved = contact.locator("[data-line-card='08 44 13']")
    expect(approved.get_by_label("Work this period (E)")).to_have_count(0)  # read-only
    _shoot(contact, "portal-claim-returned")
    glazing.get_by_label("or % complete to date").fill("25")
    expect(glazing.locator("[data-from-percent]")).to_have_text("= $10,575.00 this period")
    sign_and_submit(contact, "Priya Shah")
    expect(contact.locator("[data-claim-status]")).to_have_text("Under Review")
    assert contact.evaluate("document.documentElement.scrollWidth") <= 375

    admin.reload()
    expect(admin.locator("[data-line='08 80 00']")).to_contain_text("$10,575.00")
    _shoot(admin, "admin-claim-resubmitted")


PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def test_the_whole_loop_on_a_phone_from_a_forgotten_password_to_a_resubmitted_claim(
        app, live_server, browser: Browser, smtp: SmtpServer, tmp_path: Path):
    """Issue 12's walk: the invite link, a forgotten password reset by e-mail, accept, a line by %, a photo
    and a PDF attached, signed and submitted; one line sent back, marked, fixed and signed again."""
    app.test_cli_runner().invoke(args=["demo"])
    base, maria = live_server.url, "maria@keystone-concrete.example"
    admin = browser.new_context(viewport=DESK).new_page()
    sign_in_as(admin, base, "admin@example.com", "demo-admin")
    admin.goto(f"{base}/projects/1/billings")
    admin.get_by_label(re.compile("Invite SC-001")).check()
    admin.get_by_role("button", name=re.compile("Send Invites")).click()
    expect(admin.get_by_role("status")).to_have_text("Invites sent for 1 contract.")

    invite = _mail_to(smtp, maria)
    yes = re.search(r'href="(http://links\.example/portal/invites/[^"]+answer=yes)"', invite.html).group(1)
    yes = yes.replace("&amp;", "&").replace("http://links.example", base)
    contact = browser.new_context(viewport=PHONE).new_page()
    contact.goto(yes)  # she has a password: the link leads to signing in, with the invited address filled in
    expect(contact.get_by_label("E-mail")).to_have_value(maria)

    # She has forgotten the password: a link by e-mail sets a new one and signs her in.
    contact.get_by_role("link", name="Forgot your password?").click()
    expect(contact.get_by_label("E-mail")).to_have_value(maria)
    contact.get_by_role("button", name="Send me a link").click()
    expect(contact.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    reset = _mail_to(smtp, maria, count=2)
    link = re.search(r"http://links\.example(/reset-password\?token=\S+)", reset.text).group(1)
    contact.goto(base + link)
    contact.get_by_label("New password", exact=True).fill("poured-on-site-2026")
    contact.get_by_label("Repeat the new password").fill("poured-on-site-2026")
    contact.get_by_role("button", name="Set the new password").click()
    expect(contact.get_by_text("Your new password is set and you are signed in.")).to_be_visible()

    contact.goto(yes)
    contact.get_by_role("button", name="Confirm: yes, I will bill").click()
    expect(contact.get_by_role("heading", name=re.compile("Progress Claim #"))).to_be_visible()

    # A line by %, its amount shown before saving.
    forming = contact.locator("[data-line-card='03 11 00']")
    forming.get_by_label("or % complete to date").fill("60")
    expect(forming.locator("[data-from-percent]")).to_have_text(re.compile(r"^= \$[\d,]+\.\d\d this period$"))

    # A photo and a PDF at once.
    photo, invoice = tmp_path / "pour photo.png", tmp_path / "delivery ticket.pdf"
    photo.write_bytes(PNG)
    invoice.write_bytes(PDF)
    section = contact.get_by_role("region", name=re.compile("^Attachments"))
    contact.get_by_label("Add invoices, delivery tickets, photos or lien releases").set_input_files([photo, invoice])
    section.get_by_role("button", name="Upload").click()
    expect(section.get_by_role("link")).to_have_text(["pour photo.png", "delivery ticket.pdf"])
    expect(forming.get_by_label("or % complete to date")).to_have_value("60")  # what was typed stays

    sign_and_submit(contact, "Maria Gonzalez")
    expect(contact.locator("[data-claim-status]")).to_have_text("Under Review")

    # The admin sees the backup and the signature, and sends one line back.
    admin.goto(f"{base}/projects/1/billings")
    admin.goto(base + admin.locator("[data-commitment='SC-001'] a[data-claim-status]").first.get_attribute("href"))
    expect(admin.locator("[data-signature]")).to_contain_text("Maria Gonzalez")
    expect(admin.get_by_role("link", name="delivery ticket.pdf")).to_be_visible()
    admin.locator("[data-line='03 11 00']").get_by_label("Reject").check()
    admin.get_by_label("Comment on line 03 11 00").fill("Forming is at 50%; please bill 50.")
    admin.get_by_role("button", name="Send back for revision").click()
    expect(admin.locator("[data-claim-status]")).to_have_text("Revise and Resubmit", timeout=20_000)  # htmx, a reload

    contact.reload()
    expect(contact.locator("[data-returned]")).to_contain_text("03 11 00")
    expect(forming.locator("[data-review]")).to_have_text(
        "Rejected by the reviewer: Forming is at 50%; please bill 50.")
    forming.get_by_label("or % complete to date").fill("50")
    sign_and_submit(contact, "Maria Gonzalez")
    expect(contact.locator("[data-claim-status]")).to_have_text("Under Review")
    assert contact.evaluate("document.documentElement.scrollWidth") <= 375  # nothing scrolls sideways
