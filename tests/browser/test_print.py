"""Printing from the browser (issue 14, Print): a claim (admin and portal) and the board print without the
navigation or controls, with every column, and a claim's summary on a page of its own before its lines.
With SCREENSHOT_DIR set, the pages as printed are saved there to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from domain.models import Claim, ClaimStatus, db
from tests.browser.conftest import sign_in_as

pytestmark = pytest.mark.browser

PAPER = {"width": 794, "height": 1123}  # A4 at 96 dpi: narrower than the screens that show every column


def _shoot(page: Page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _approved_claim(app) -> tuple[int, int, str]:  # type: ignore[no-untyped-def]
    """The demo's latest Approved claim with a contact: its project, id and the contact's e-mail."""
    with app.app_context():
        for claim in db.session.scalars(select(Claim).where(Claim.status == ClaimStatus.APPROVED)
                                        .order_by(Claim.number.desc())):
            contacts = [u for u in claim.commitment.claim_contacts if u.password_hash]
            if contacts:
                return claim.commitment.project_id, claim.id, contacts[0].email
    raise AssertionError("the demo has an Approved claim")


def _printed(page: Page, url: str) -> None:
    page.goto(url)
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.locator("nav[aria-label=breadcrumb]")).to_be_hidden()
    assert page.locator("button:visible, .btn:visible, input[type=checkbox]:visible").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PAPER["width"], "nothing is cut off at the side"


def _summary_first_then_a_new_page(page: Page, lines_selector: str) -> None:
    summary = page.locator("#claim-totals").bounding_box()
    lines = page.locator(lines_selector).first.bounding_box()
    assert summary and lines and summary["y"] < lines["y"], "the summary comes before the lines"
    brk = page.evaluate("getComputedStyle(document.querySelector('#claim-totals').parentElement).breakAfter")
    assert brk == "page"


def test_an_admin_prints_a_claim_with_every_column_and_no_navigation(app, live_server, browser: Browser):
    app.test_cli_runner().invoke(args=["demo"])
    project_id, claim_id, _contact = _approved_claim(app)
    page = browser.new_context(viewport=PAPER).new_page()
    sign_in_as(page, live_server.url)
    _printed(page, f"{live_server.url}/projects/{project_id}/billings/claims/{claim_id}")
    table = page.get_by_role("region", name="Lines of this progress claim").locator("table")
    headers = table.locator("thead th")
    assert headers.count() >= 9  # the line, then C to I with % and previous: the review sits under each line
    for i in range(headers.count()):
        expect(headers.nth(i)).to_be_visible()
    box = table.bounding_box()
    assert box and box["x"] + box["width"] <= PAPER["width"], "the lines table fits the paper"
    expect(page.get_by_role("link", name="CSV")).to_be_hidden()
    _summary_first_then_a_new_page(page, "table")
    _shoot(page, "print-admin-claim")
    assert page.pdf(format="A4")[:4] == b"%PDF"  # Chromium prints it


def test_a_contact_prints_their_claim_without_the_portal_around_it(app, live_server, browser: Browser):
    app.test_cli_runner().invoke(args=["demo"])
    _project_id, claim_id, contact = _approved_claim(app)
    page = browser.new_context(viewport=PAPER).new_page()
    sign_in_as(page, live_server.url, contact, "demo-contact")
    _printed(page, f"{live_server.url}/portal/claims/{claim_id}")
    expect(page.locator("[data-line-card]").first).to_be_visible()
    _summary_first_then_a_new_page(page, "[data-line-card]")
    _shoot(page, "print-portal-claim")


def test_the_board_prints_every_column(app, live_server, browser: Browser):
    app.test_cli_runner().invoke(args=["demo"])
    page = browser.new_context(viewport=PAPER).new_page()
    sign_in_as(page, live_server.url)
    page.goto(f"{live_server.url}/projects/1/billings")
    expect(page.get_by_role("columnheader", name="Vendor")).to_be_hidden()  # on a screen this narrow
    _printed(page, f"{live_server.url}/projects/1/billings")
    headers = page.locator("#board-list thead th")
    for i in range(headers.count()):
        if headers.nth(i).locator("input").count():  # the select-all box is a control, not printed
            continue
        expect(headers.nth(i)).to_be_visible()
    expect(page.get_by_role("columnheader", name="Vendor")).to_be_visible()
    expect(page.locator("#billing-periods")).to_be_hidden()
    _shoot(page, "print-board")
