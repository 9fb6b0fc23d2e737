"""The admin's claim review page fits (issue 13): at 1280, 1440 and 1920 px every line's Approve/Reject and
comment are in the viewport and nothing scrolls sideways; at 375 px the lines stack. Approve as Noted
without a note is refused by the note, in place; with one the claim is Approved as Noted.
With SCREENSHOT_DIR set, the review page is saved there at 1280 and 375 px to look at."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from domain import claims
from domain.models import BillingPeriod, Commitment, PeriodStatus, User, db
from tests.browser.conftest import sign_in_as

pytestmark = pytest.mark.browser
SLOW = 20_000  # ms: a review posts, e-mails the contact, then the page loads again; a loaded machine takes time

NO_SIDEWAYS_SCROLL = """() => {
  const page = document.scrollingElement, table = document.querySelector(".review-lines");
  return [page.scrollWidth, page.clientWidth, table.scrollWidth, table.clientWidth];
}"""


def _under_review_claim() -> str:
    """The demo's SC-001 billed this period (work on every line, materials on the first), submitted."""
    admin = db.session.scalar(select(User).where(User.email == "admin@example.com"))
    commitment = db.session.scalar(select(Commitment).where(Commitment.number == "SC-001"))
    period = db.session.scalar(select(BillingPeriod).where(BillingPeriod.project_id == commitment.project_id,
                                                           BillingPeriod.status == PeriodStatus.OPEN))
    claim = claims.start_claim(commitment, period, admin)
    entries = [claims.LineEntry(sov_line_id=s.id, this_period=f"{1000 * (n + 7)}.25", percent_to_date="",
                                stored="1250.00" if n == 0 else "")
               for n, s in enumerate(commitment.sov_lines)]
    entered = claims.save_entries(claim, entries, admin, submit=True,
                                  signature=claims.Signature(confirmed=True, name="Avery Morgan"))
    assert entered.ok
    return f"/projects/{commitment.project_id}/billings/claims/{claim.id}"


def _shoot(page: Page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def test_every_review_control_is_in_view_without_sideways_scrolling(app, live_server, browser: Browser):
    app.test_cli_runner().invoke(args=["demo"])
    url = live_server.url + _under_review_claim()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in_as(page, live_server.url)
    page.goto(url)
    controls = page.locator("[data-review-controls]")
    expect(controls).to_have_count(4)
    for width in (1280, 1440, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        page_width, page_client, table_width, table_client = page.evaluate(NO_SIDEWAYS_SCROLL)
        assert page_width <= page_client and table_width <= table_client, (width, page_width, table_width)
        for n in range(4):
            for control in (controls.nth(n).get_by_label("Approve"), controls.nth(n).get_by_label("Reject"),
                            controls.nth(n).get_by_role("textbox")):
                box = control.bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (width, n, box)
        for total in page.locator("[data-line-totals] > *").all():  # every column, the totals row too
            box = total.bounding_box()
            assert box["x"] + box["width"] <= width
    page.set_viewport_size({"width": 1280, "height": 900})
    _shoot(page, "review-1280.png")

    # Approve as Noted needs a note: said by the note, in place, and nothing changes
    controls.nth(0).get_by_label("Approve").check()
    page.get_by_role("button", name="Approve as Noted").click()
    expect(page.locator("#review-note-feedback")).to_have_text(
        "Write a note to approve as noted: what the approval is subject to.", timeout=SLOW)
    expect(page.get_by_label("Note on this progress claim")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[data-claim-status]")).to_have_text("Under Review")
    expect(controls.nth(0).get_by_label("Approve")).to_be_checked()  # what was chosen stays
    page.get_by_label("Note on this progress claim").fill("Retention held until the lien release.")
    page.get_by_role("button", name="Approve as Noted").click()
    expect(page.locator("[data-claim-status]")).to_have_text("Approved as Noted", timeout=SLOW)
    page.locator("#claim-history-card summary").click()
    expect(page.locator("#claim-history [data-comment]").first).to_contain_text(
        "Retention held until the lien release.")


def test_on_a_phone_the_lines_stack_and_nothing_scrolls_sideways(app, live_server, browser: Browser):
    app.test_cli_runner().invoke(args=["demo"])
    url = live_server.url + _under_review_claim()
    page = browser.new_context(viewport={"width": 375, "height": 812}).new_page()
    sign_in_as(page, live_server.url)
    page.goto(url)
    page_width, page_client, table_width, table_client = page.evaluate(NO_SIDEWAYS_SCROLL)
    assert page_width <= page_client and table_width <= table_client
    first = page.locator("[data-review-controls]").first
    box = first.get_by_role("textbox").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    expect(page.locator("[data-line-totals] [data-total='to-date']")).to_be_visible()
    assert re.fullmatch(r"\$[\d,]+\.\d\d", page.locator("[data-line-totals] [data-total='to-date']").inner_text())
    _shoot(page, "review-375.png")
