"""In a real Chromium, month-end: opening a new period while a claim is still Under Review lists it with a
link; the admin follows it, approves the claim, and then the period opens without a question."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from domain import claims
from domain.models import BillingPeriod, Commitment, PeriodStatus, User, db
from tests.browser.conftest import COUNT_LOADS, sign_in_as

pytestmark = pytest.mark.browser

def _claim_under_review(number: str) -> None:
    """The demo's first project: the commitment's claim submitted by an admin on the vendor's behalf."""
    admin = db.session.scalar(select(User).where(User.email == "admin@example.com"))
    commitment = db.session.scalar(select(Commitment).where(Commitment.project_id == 1, Commitment.number == number))
    period = db.session.scalar(select(BillingPeriod).where(BillingPeriod.project_id == 1,
                                                           BillingPeriod.status == PeriodStatus.OPEN))
    claim = claims.start_claim(commitment, period, admin)
    first = commitment.sov_lines[0]
    entered = claims.save_entries(claim, [claims.LineEntry(first.id, this_period="1000")], admin, submit=True,
                                  signature=claims.Signature(confirmed=True, name="Avery Admin"))
    assert entered.ok


def _open_next_period(page: Page) -> None:
    period = db.session.scalar(select(BillingPeriod).where(BillingPeriod.project_id == 1,
                                                           BillingPeriod.status == PeriodStatus.OPEN))
    start = period.end_date + timedelta(days=1)
    details = page.locator("#billing-periods")
    if details.get_attribute("open") is None:
        page.locator("#billing-periods summary").click()
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("End date").fill((start + timedelta(days=29)).isoformat())
    page.get_by_label("Due date").fill((start + timedelta(days=24)).isoformat())
    page.get_by_role("button", name="Open period").click()


def _periods() -> int:
    db.session.expire_all()
    return db.session.scalar(select(db.func.count(BillingPeriod.id)).where(BillingPeriod.project_id == 1))


def _loads(page: Page) -> int:
    return int(page.evaluate("sessionStorage.getItem('loads') || '0'"))


def test_open_a_period_with_a_claim_under_review(app, live_server, browser: Browser, tmp_path: Path):
    app.test_cli_runner().invoke(args=["demo"])
    _claim_under_review("SC-005")
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(COUNT_LOADS)
    page = context.new_page()
    sign_in_as(page, base)
    board = f"{base}/projects/1/billings"
    page.goto(board)
    loads, periods = _loads(page), _periods()

    # The warning lists the claim, with a link, in place (no reload), and nothing is opened yet.
    _open_next_period(page)
    warning = page.locator("#open-period-confirm")
    expect(warning).to_contain_text(re.compile(r"Period \d+ \(.+\) still has open work"))
    expect(warning.locator("[data-open='claim_under_review']")).to_contain_text("1 progress claim Under Review")
    expect(warning.get_by_role("button", name=re.compile("^Close period"))).to_be_focused()
    assert _loads(page) == loads
    assert _periods() == periods
    warning.scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "confirm-1280.png")
    page.set_viewport_size({"width": 375, "height": 800})
    warning.scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "confirm-375.png")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The link opens the claim; the admin approves it.
    warning.get_by_role("link", name="SC-005 #1").click()
    expect(page.locator("[data-claim-status]")).to_have_text("Under Review")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator("[data-claim-status]")).to_have_text("Approved")

    # Nothing else is open: the period opens at once.
    page.goto(board)
    _open_next_period(page)
    expect(page.get_by_role("status").first).to_contain_text("is open")
    expect(page.locator("#open-period-confirm")).to_have_count(0)
    assert _periods() == periods + 1
