"""The board shows the retention (holdback) held per commitment and in its totals: line 5 of the last approved
claim, as the commitment's page, its release page and the Head Contract tab's position say; a claim not yet
approved holds nothing yet (issue 17, statutory holdback)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain import claims
from domain.claims import LineDecision
from domain.models import Claim, ClaimStatus, Country, Currency, LineReview, PeriodStatus, db
from tests import factories
from tests.web.portal_helpers import SIGNED


def _bill(commitment, period, admin, amount: str, approve: bool):  # type: ignore[no-untyped-def]
    claim = claims.start_claim(commitment, period, admin)
    entry = claims.LineEntry(commitment.sov_lines[0].id, this_period=amount)
    contact = commitment.vendor.default_claim_contact
    assert claims.save_entries(claim, [entry], contact, submit=True, signature=SIGNED).ok
    if approve:
        claims.review(claim, [LineDecision(line.id, LineReview.APPROVED) for line in claim.lines],
                      ClaimStatus.APPROVED, admin)
    return claim


@pytest.fixture
def board(world):  # type: ignore[no-untyped-def]
    """SC-001 (10%): 10,000.00 approved last period, 5,000.00 submitted this one: 1,000.00 held until it is approved.
    SC-002 (7.5%): 12,345.67 approved last period, nothing this one: 925.93 held (925.925 half-up).
    SC-003: never billed: nothing held."""
    current = world.period
    current.status = PeriodStatus.CLOSED  # one period open at a time: last month's, while it is billed
    db.session.commit()
    start = (current.start_date - timedelta(days=1)).replace(day=1)
    earlier = factories.period(world.project, number=0, start=start, days=(current.start_date - start).days)
    first = factories.commitment(world.project, factories.vendor("Keystone Concrete", "maria@keystone.example"),
                                 number="SC-001")
    second = factories.commitment(world.project, factories.vendor("Łódź Glazing", "ola@lodz.example"),
                                  number="SC-002", retention="7.50")
    factories.commitment(world.project, factories.vendor("Quiet Paint", "quinn@paint.example"), number="SC-003")
    db.session.commit()
    _bill(first, earlier, world.admin, "10000.00", approve=True)
    _bill(second, earlier, world.admin, "12345.67", approve=True)
    earlier.status = PeriodStatus.CLOSED
    db.session.commit()
    current.status = PeriodStatus.OPEN
    db.session.commit()
    _bill(first, current, world.admin, "5000.00", approve=False)
    return world


def _row(html: str, number: str) -> str:
    match = re.search(rf'<tr id="row-\d+" data-commitment="{number}".*?</tr>', html, re.S)
    assert match, number
    return match.group(0)


def test_each_row_and_the_totals_show_the_retention_held(client, auth, board):
    auth.sign_in(board.admin.email)
    html = client.get(f"/projects/{board.project.id}/billings").get_data(as_text=True)
    assert "<small data-held>Retention held $1,000.00</small>" in _row(html, "SC-001")
    assert "<small data-held>Retention held $925.93</small>" in _row(html, "SC-002")
    assert "data-held" not in _row(html, "SC-003")
    assert re.search(r'Retention held <strong class="tabular" data-total="held">\$1,925.93</strong>', html)


def test_the_row_holds_what_the_commitment_page_holds_and_more_once_approved(client, auth, board):
    """The same words, the same figure: the board's row and the commitment's page (whose release page
    caps a release at it) agree while this period's claim waits for review, and both go up when it is approved."""
    auth.sign_in(board.admin.email)
    commitment = next(c for c in board.project.commitments if c.number == "SC-001")
    page = f"/projects/{board.project.id}/commitments/{commitment.id}"

    def shown() -> tuple[str, str]:
        row = re.search(r"<small data-held>Retention held ([^<]+)</small>", _row(
            client.get(f"/projects/{board.project.id}/billings").get_data(as_text=True), "SC-001"))
        held = re.search(r'data-held>Retention held <span class="money fw-semibold">([^<]+)</span>',
                         client.get(page).get_data(as_text=True))
        return row.group(1) if row else "", held.group(1) if held else ""

    assert shown() == ("$1,000.00", "$1,000.00")
    waiting = db.session.scalar(select(Claim).where(Claim.commitment_id == commitment.id,
                                                    Claim.status == ClaimStatus.UNDER_REVIEW))
    claims.review(waiting, [LineDecision(line.id, LineReview.APPROVED) for line in waiting.lines],
                  ClaimStatus.APPROVED, board.admin)
    assert shown() == ("$1,500.00", "$1,500.00")


def test_a_search_totals_only_the_rows_shown(client, auth, board):
    auth.sign_in(board.admin.email)
    html = client.get(f"/projects/{board.project.id}/billings?q=SC-002").get_data(as_text=True)
    assert 'data-total="held">$925.93</strong>' in html


def test_a_canadian_board_says_holdback_held(client, auth, board):
    project = board.project
    project.country, project.currency, project.time_zone = Country.CA, Currency.CAD, "America/Toronto"
    db.session.commit()
    auth.sign_in(board.admin.email)
    html = client.get(f"/projects/{project.id}/billings").get_data(as_text=True)
    assert "<small data-held>Holdback held $1,000.00</small>" in _row(html, "SC-001")
    assert re.search(r'Holdback held <strong class="tabular" data-total="held">\$1,925.93</strong>', html)
    assert "Retention" not in re.sub(r"<[^>]*>", " ", html)
