"""The admin's pages in French (issue 18) fit as the English ones do: French is longer, yet at 1280 px the claim
review's controls are in view with nothing scrolling sideways, and on the board at 1280 and 375 px no button's
words are cut off. Found by structure, not by their words, so that the check holds whatever the language."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from domain.models import User, db
from tests.browser.conftest import sign_in_as
from tests.browser.test_review_fits import NO_SIDEWAYS_SCROLL, _under_review_claim

pytestmark = pytest.mark.browser

CUT_OFF_BUTTONS = """(selector) => [...document.querySelectorAll(selector)]
  .filter(b => b.offsetParent !== null && (b.scrollWidth > b.clientWidth + 1
          || b.getBoundingClientRect().right > document.documentElement.clientWidth + 1))
  .map(b => b.innerText.trim())"""


def _french_admin() -> None:
    admin = db.session.scalar(select(User).where(User.email == "admin@example.com"))
    admin.language = "fr"
    db.session.commit()


def test_the_french_review_page_and_board_fit(app, live_server, browser: Browser):
    app.test_cli_runner().invoke(args=["demo"])
    claim_path = _under_review_claim()
    _french_admin()
    board_path = claim_path.split("/claims/")[0]
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in_as(page, live_server.url)
    page.goto(live_server.url + claim_path)
    expect(page.locator("html")).to_have_attribute("lang", "fr-CA")
    controls = page.locator("[data-review-controls]")
    expect(controls).to_have_count(4)
    for width in (1280, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        page_width, page_client, table_width, table_client = page.evaluate(NO_SIDEWAYS_SCROLL)
        assert page_width <= page_client and table_width <= table_client, (width, page_width, table_width)
        for n in range(4):
            for control in controls.nth(n).locator("input, textarea").all():
                box = control.bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (width, n, box)
        assert page.evaluate(CUT_OFF_BUTTONS, "main .btn") == []

    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + board_path)
        assert page.evaluate("() => document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth")
        assert page.evaluate(CUT_OFF_BUTTONS, "#board .btn, #board .badge") == [], width
