"""In a real Chromium, on the demo's Progress Billings page: select-all, the counts as filters, Resend,
and what an admin sees when the page went stale, all without a page load."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from domain.models import AccessLevel, BillingPeriod, PeriodStatus, ProjectPermission, User, db
from tests.browser.conftest import COUNT_LOADS, sign_in_as

pytestmark = pytest.mark.browser

ELIGIBLE = 7  # the demo's first project: 10 commitments, 3 of which cannot be invited


@pytest.fixture
def board(app, live_server, page: Page) -> Page:
    app.test_cli_runner().invoke(args=["demo"])
    page.add_init_script(COUNT_LOADS)
    sign_in_as(page, live_server.url)
    page.goto(live_server.url + "/projects/1/billings")
    expect(page.get_by_role("heading", name="Progress Billings")).to_be_visible()
    return page


def _loads(page: Page) -> str:
    return page.evaluate("sessionStorage.getItem('loads')")


def _send(page: Page, *numbers: str) -> None:
    for number in numbers:
        page.get_by_label(re.compile(f"Invite {number}")).check()
    page.get_by_role("button", name=re.compile("Send Invites")).click()


def test_select_all_ticks_only_the_rows_that_can_be_invited(board: Page):
    page = board
    send = page.get_by_role("button", name=re.compile("Send Invites"))
    select_all = page.get_by_label("Select every contract that can be invited")
    select_all.check()
    expect(send).to_contain_text(str(ELIGIBLE))
    expect(page.locator('input[name="commitment_ids"]:checked')).to_have_count(ELIGIBLE)
    expect(page.locator("[data-commitment='SC-006'] input[type=checkbox]")).to_be_disabled()
    page.get_by_label(re.compile("Invite SC-001")).uncheck()
    expect(send).to_contain_text(str(ELIGIBLE - 1))
    assert page.evaluate("document.querySelector('[data-select-all]').indeterminate")
    page.get_by_label(re.compile("Invite SC-001")).check()
    select_all.uncheck()
    expect(send).to_be_disabled()
    expect(send).to_contain_text("0")


def test_a_count_filters_the_list_in_place_and_the_address_keeps_it(board: Page):
    page = board
    _send(page, "SC-001")
    expect(page.get_by_role("status")).to_have_text("Invites sent for 1 contract.")
    loads = _loads(page)
    page.locator('[data-count="invited"]').click()
    expect(page.locator("#board-list tbody tr")).to_have_count(1)
    expect(page.locator("[data-commitment='SC-001']")).to_be_visible()
    expect(page).to_have_url(re.compile(r"status=invited"))
    expect(page.locator('[data-count="invited"]')).to_have_attribute("aria-current", "true")
    assert _loads(page) == loads, "the page reloaded"
    page.reload()  # the filter survives a reload
    expect(page.locator("#board-list tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Show all").click()
    expect(page.locator("#board-list tbody tr")).to_have_count(10)
    expect(page).not_to_have_url(re.compile(r"status="))


def test_resend_counts_the_sendings_in_place(board: Page):
    page = board
    _send(page, "SC-002")
    row = page.locator("[data-commitment='SC-002']")
    expect(row.locator("[data-invite-status]")).to_have_text("Invited")
    loads = _loads(page)
    row.get_by_role("button", name="Resend").click()
    expect(page.get_by_role("status")).to_have_text("Invite sent again for SC-002 (sent 2 times).")
    expect(row).to_contain_text("sent 2 times")
    assert _loads(page) == loads, "the page reloaded"


def test_a_period_closed_since_the_page_loaded_is_said_in_the_banner(app, board: Page):
    page = board
    page.get_by_label(re.compile("Invite SC-003")).check()
    # Another admin opens the next period meanwhile.
    current = db.session.scalar(select(BillingPeriod).where(BillingPeriod.status == PeriodStatus.OPEN,
                                                            BillingPeriod.project_id == 1))
    current.status = PeriodStatus.CLOSED
    start = current.end_date + timedelta(days=1)
    new = BillingPeriod(project_id=1, number=current.number + 1, start_date=start,
                        end_date=start + timedelta(days=29), due_date=start + timedelta(days=24))
    db.session.add(new)
    db.session.commit()
    loads = _loads(page)
    page.get_by_role("button", name=re.compile("Send Invites")).click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Nothing was sent: billing period #{current.number} was closed after this page was loaded.")
    # The board turned to the new current period, where the contracts can be chosen again.
    expect(page.locator("#period-picker")).to_have_value(str(new.id))
    expect(page).to_have_url(re.compile(rf"period={new.id}$"))
    expect(page.locator('input[name="commitment_ids"]')).to_have_count(ELIGIBLE)
    expect(page.get_by_role("button", name=re.compile("Send Invites"))).to_be_disabled()
    assert _loads(page) == loads, "the page reloaded"


def test_a_refused_request_shows_a_banner_and_leaves_the_list_alone(app, board: Page):
    page = board
    page.get_by_label(re.compile("Invite SC-004")).check()
    # The admin is made a Standard user of the project while the page is open (another admin stays).
    admin = db.session.scalar(select(User).where(User.email == "admin@example.com"))
    db.session.add(User(company_id=admin.company_id, email="second-admin@example.com", name="Second Admin",
                        is_company_admin=True))
    db.session.add(ProjectPermission(project_id=1, user_id=admin.id, level=AccessLevel.STANDARD))
    admin.is_company_admin = False
    db.session.commit()
    loads = _loads(page)
    page.get_by_role("button", name=re.compile("Send Invites")).click()
    expect(page.get_by_role("alert")).to_contain_text("You do not have permission to do that.")
    expect(page.locator("#board-list tbody tr")).to_have_count(10)  # the list is still there, as it was
    expect(page.get_by_label(re.compile("Invite SC-004"))).to_be_checked()
    assert _loads(page) == loads, "the page reloaded"
