"""In a real Chromium, on the demo's Progress Billings page: the search box and the sortable headers swap
the list in place, the address keeps them, and Send Invites answers in the same view."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import COUNT_LOADS, sign_in_as

pytestmark = pytest.mark.browser


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


def _rows(page: Page) -> list[str]:
    return page.eval_on_selector_all("#board-list tbody tr[data-commitment]",
                                     "rows => rows.map(r => r.dataset.commitment)")


def _args(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_typing_a_search_swaps_the_list_in_place_and_the_address_keeps_it(board: Page):
    page = board
    loads = _loads(page)
    totals = page.locator("#board-totals")
    expect(totals).to_contain_text("Totals of 10 contracts shown")
    page.get_by_label("Search contracts").press_sequentially("bright", delay=30)
    expect(page.locator("#board-list tbody tr[data-commitment]")).to_have_count(1)
    assert _rows(page) == ["SC-002"]
    expect(totals).to_contain_text("Totals of 1 contract shown")
    expect(page).to_have_url(re.compile(r"[?&]q=bright"))
    expect(page.get_by_label("Search contracts")).to_be_focused()  # typing goes on where it was
    # a contact's name finds the row too; clearing the box shows every row again
    page.get_by_label("Search contracts").fill("")
    expect(page.locator("#board-list tbody tr[data-commitment]")).to_have_count(10)
    assert _loads(page) == loads, "searching reloaded the page"


def test_clicking_a_header_sorts_and_the_search_keeps_the_sort(board: Page):
    page = board
    loads = _loads(page)
    vendor = page.locator("th", has=page.locator("[data-sort-key=vendor]"))
    page.locator("[data-sort-key=vendor]").click()
    expect(vendor).to_have_attribute("aria-sort", "ascending")
    assert _rows(page)[0] == "SC-008"  # Allied Roofing Systems
    expect(page).to_have_url(re.compile(r"[?&]sort=vendor"))
    page.locator("[data-sort-key=vendor]").click()
    expect(vendor).to_have_attribute("aria-sort", "descending")
    assert _rows(page)[0] == "SC-009"  # Vertical Lift Co.
    expect(page).to_have_url(re.compile(r"[?&]dir=desc"))
    # A search now keeps the sort (the search form learnt it from the list), and the sort keeps the search.
    page.get_by_label("Search contracts").fill("co")
    expect(page).to_have_url(re.compile(r"[?&]q=co"))
    args = _args(page)
    assert args["sort"] == ["vendor"] and args["dir"] == ["desc"], args
    found = _rows(page)
    assert found and found[0] == "SC-009" and "SC-001" in found
    page.locator("[data-sort-key=number]").click()
    expect(page.locator("th", has=page.locator("[data-sort-key=number]"))).to_have_attribute("aria-sort", "ascending")
    assert _args(page).get("q") == ["co"] and _rows(page) == sorted(found)
    assert _loads(page) == loads, "sorting reloaded the page"
    # the address restores the same view
    page.reload()
    assert _rows(page) == sorted(found)
    expect(page.get_by_label("Search contracts")).to_have_value("co")


def test_send_invites_answers_in_the_same_sorted_and_searched_view(board: Page):
    page = board
    page.locator("[data-sort-key=vendor]").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=vendor"))
    page.get_by_label("Search contracts").fill("SC-00")
    expect(page).to_have_url(re.compile(r"[?&]q=SC-00"))
    shown = _rows(page)
    loads = _loads(page)
    page.get_by_label(re.compile("Invite SC-001")).check()
    page.get_by_role("button", name=re.compile("Send Invites")).click()
    expect(page.locator("#flash")).to_contain_text("Invite")
    expect(page.locator("#row-1 [data-invite-status], [data-commitment='SC-001'] [data-invite-status]").first
           ).to_have_text("Invited")
    assert _rows(page) == shown
    assert _loads(page) == loads
