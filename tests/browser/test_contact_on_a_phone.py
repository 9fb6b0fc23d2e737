"""In a real Chromium at 375 px: My invites and a claim's change history read top to bottom, with nothing
to scroll sideways; the same pages at 1280 px. Screenshots go to $SCREENSHOT_DIR when it is set."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import select

from domain import claims, portal
from domain.board import load_board
from domain.invites import send_invites
from domain.models import AccessLevel, ClaimStatus, Commitment, Dictionary, Invite, LineReview, User, db
from domain.terms import Terms
from tests.browser.conftest import sign_in_as

pytestmark = pytest.mark.browser

MARIA = "maria@keystone-concrete.example"
NO_SIDEWAYS_SCROLL = "() => document.scrollingElement.scrollWidth <= window.innerWidth"


def _shoot(page: Page, name: str, part: Locator | None = None) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
        if part is not None:
            part.screenshot(path=str(Path(folder) / f"{name}-part.png"))


def _claim_with_history() -> tuple[int, int]:
    """SC-001 invited, accepted, submitted, one line sent back with a long comment, then edited again."""
    admin = db.session.scalar(select(User).where(User.email == "admin@example.com"))
    maria = db.session.scalar(select(User).where(User.email == MARIA))
    commitment = db.session.scalar(select(Commitment).where(Commitment.number == "SC-001"))
    board = load_board(commitment.project, admin, AccessLevel.ADMIN)  # the current period
    send_invites(board, [commitment.id], admin, Terms(Dictionary.SPECIALTY))
    invite = db.session.scalar(select(Invite).where(Invite.commitment_id == commitment.id,
                                                    Invite.billing_period_id == board.period.id))
    claim = portal.accept(invite, maria)
    first = commitment.sov_lines[0]
    claims.save_entries(claim, [claims.LineEntry(first.id, this_period="12500.00")], maria, submit=True,
                        signature=claims.Signature(confirmed=True, name="Maria Gonzalez"))
    claims.review(claim, [claims.LineDecision(line.id, LineReview.REJECTED if line.sov_line_id == first.id
                                              else LineReview.APPROVED,
                                              "Please attach the bill of lading and the delivery tickets for the "
                                              "rebar delivered on the 14th; the amount should match them."
                                              if line.sov_line_id == first.id else "")
                         for line in claim.lines],
                  ClaimStatus.REVISE_AND_RESUBMIT, admin)
    claims.save_entries(claim, [claims.LineEntry(first.id, this_period="11875.00")], maria)
    return invite.id, claim.id


@pytest.mark.parametrize("width", [375, 1280])
def test_my_invites_and_the_change_history_fit_the_screen(app, live_server, browser: Browser, width: int):
    app.test_cli_runner().invoke(args=["demo"])
    invite_id, claim_id = _claim_with_history()
    base = live_server.url
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    sign_in_as(page, base, MARIA, "demo-contact")

    page.goto(f"{base}/portal")
    expect(page.get_by_role("heading", name="My invites")).to_be_visible()
    item = page.locator(f"#item-invite-{invite_id}")
    expect(item.locator("[data-fact=claim]")).to_contain_text("Revise and Resubmit")
    expect(item.locator("[data-fact=amount-due]")).to_have_text("$10,687.50")  # 11,875.00 less 10%
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "My invites scrolls sideways"
    _shoot(page, f"my-invites-{width}")

    page.goto(f"{base}/portal/claims/{claim_id}")
    page.get_by_text(re.compile(r"^Change history \(\d+\)$")).click()
    history = page.locator("#claim-history")
    expect(history).to_be_visible()
    assert page.locator("#claim-history table").count() == 0
    entries = history.locator("> li")
    assert entries.count() >= 4
    # Each change reads as labelled facts: when, who, what changed, from, to.
    first = entries.first
    for label in ("When", "Who", "What changed", "From", "To"):
        expect(first.locator("dt", has_text=re.compile(f"^{label}$"))).to_be_visible()
    expect(history).to_contain_text("Revise and Resubmit")
    if width == 375:
        # Stacked: "What changed" sits below "When", not beside it.
        when, what = (first.locator("dt", has_text=re.compile(f"^{label}$")).bounding_box()
                      for label in ("When", "What changed"))
        assert what["y"] > when["y"], (when, what)
        assert page.evaluate("() => document.scrollingElement.scrollWidth") <= 375
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "the claim page scrolls sideways"
    history.scroll_into_view_if_needed()
    _shoot(page, f"claim-history-{width}", history)
    context.close()

    # The admin's invite history is the same kind of list.
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    sign_in_as(page, base)
    project_id = db.session.get(Invite, invite_id).commitment.project_id
    page.goto(f"{base}/projects/{project_id}/billings/invites/{invite_id}/history")
    events = page.locator("#invite-history > li")
    expect(events.first).to_be_visible()
    assert page.locator("main table").count() == 0
    for label in ("When", "Who", "What", "Detail"):
        expect(events.first.locator("dt", has_text=re.compile(f"^{label}$"))).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "the invite history scrolls sideways"
    _shoot(page, f"invite-history-{width}")
    context.close()
