"""In a real Chromium on a phone-sized screen: a contact attaches a photo and a PDF at once to their draft
claim, sees both listed, removes one, and the figures being typed stay (no page load)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from domain import claims
from domain.models import db
from tests import factories
from tests.browser.conftest import COUNT_LOADS, sign_in_as

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def test_a_contact_attaches_a_photo_and_a_pdf_at_once_on_a_phone(app, live_server, browser: Browser, world,
                                                                  tmp_path: Path):
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    commitment = factories.commitment(world.project, vendor, number="SC-001")
    db.session.commit()
    claim = claims.start_claim(commitment, world.period, world.admin)
    photo, invoice = tmp_path / "pour photo.png", tmp_path / "invoice 0042.pdf"
    photo.write_bytes(PNG)
    invoice.write_bytes(PDF)
    shots = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))

    page = browser.new_context(viewport={"width": 375, "height": 812}).new_page()
    page.add_init_script(COUNT_LOADS)
    sign_in_as(page, live_server.url, "maria@keystone.example", factories.PASSWORD)
    page.goto(f"{live_server.url}/portal/claims/{claim.id}")
    section = page.get_by_role("region", name=re.compile("^Attachments"))
    expect(section).to_contain_text("No attachments yet.")
    loads = page.evaluate("sessionStorage.getItem('loads')")

    page.get_by_label("Add invoices, delivery tickets, photos or lien releases").set_input_files([photo, invoice])
    section.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status")).to_have_text("Attached pour photo.png, invoice 0042.pdf.")
    expect(section.get_by_role("link")).to_have_text(["pour photo.png", "invoice 0042.pdf"])
    expect(section.get_by_role("heading")).to_have_text("Attachments (2)")
    page.screenshot(path=str(shots / "portal-claim-attachments-375.png"), full_page=True)

    section.get_by_role("button", name="Remove pour photo.png").click()
    expect(page.get_by_role("status")).to_have_text("Removed pour photo.png.")
    expect(section.get_by_role("link")).to_have_text(["invoice 0042.pdf"])
    assert page.evaluate("sessionStorage.getItem('loads')") == loads  # all in place

    # A wrong type is refused beside the field, naming what the file is.
    program = tmp_path / "setup.exe"
    program.write_bytes(b"MZ\x90\x00" + b"\x00" * 64)
    page.get_by_label("Add invoices, delivery tickets, photos or lien releases").set_input_files(program)
    section.get_by_role("button", name="Upload").click()
    expect(section.locator("#attachment-error")).to_contain_text("setup.exe is a Windows program (.exe)")
    expect(section.get_by_role("link")).to_have_text(["invoice 0042.pdf"])
    section.screenshot(path=str(shots / "portal-claim-attachment-refused-375.png"))

    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    expect(page.get_by_role("region", name=re.compile("^Attachments"))).to_contain_text("invoice 0042.pdf")
    page.screenshot(path=str(shots / "portal-claim-attachments-1280.png"), full_page=True)
