"""On a Canadian project the money kept back from each claim is the statutory holdback: every page, PDF and
export about the project says "Holdback", and a new commitment starts at 10% (issue 17, statutory holdback).
A US project keeps its dictionary's word."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from domain import claims
from domain.claims import LineDecision
from domain.commitments import default_retention_pct
from domain.models import ClaimStatus, Country, Currency, Dictionary, LineReview, Project, db
from domain.terms import Terms
from tests import factories
from tests.web.portal_helpers import SIGNED


@pytest.fixture
def submitted(world):
    """A submitted claim of 45,375.00 this period on the world's project."""
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    commitment = factories.commitment(world.project, vendor, number="SC-001", title="Concrete")
    db.session.commit()
    claim = claims.start_claim(commitment, world.period, world.admin)
    entry = claims.LineEntry(commitment.sov_lines[0].id, this_period="45375.00")
    assert claims.save_entries(claim, [entry], vendor.default_claim_contact, submit=True, signature=SIGNED).ok
    return claim


def _in_canada(project: Project) -> None:
    project.country, project.currency, project.time_zone = Country.CA, Currency.CAD, "America/Toronto"
    db.session.commit()


def _text(page: str) -> str:
    """What a person reads: the page without its tags (class names and data attributes may say retention)."""
    return re.sub(r"<[^>]*>", " ", page)


def _pages(client, world, claim) -> dict[str, str]:
    project_id = world.project.id
    pdf = client.get(f"/projects/{project_id}/billings/claims/{claim.id}/pdf")
    assert pdf.status_code == 200
    lines = client.get(f"/projects/{project_id}/billings/claims/{claim.id}/lines.csv")
    board = client.get(f"/projects/{project_id}/billings/export.csv?period={world.period.id}")
    return {
        "board": client.get(f"/projects/{project_id}/billings").get_data(as_text=True),
        "claim": client.get(f"/projects/{project_id}/billings/claims/{claim.id}").get_data(as_text=True),
        "pdf": "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages),
        "lines": ",".join(next(csv.reader(io.StringIO(lines.get_data(as_text=True))))),
        "export": ",".join(next(csv.reader(io.StringIO(board.get_data(as_text=True))))),
    }


def test_a_canadian_project_says_holdback_on_its_board_claim_pdf_and_export(client, world, auth, submitted):
    _in_canada(world.project)
    # approved: the board shows what is held once a claim is approved (line 5 of the last approved claim)
    claims.review(submitted, [LineDecision(line.id, LineReview.APPROVED) for line in submitted.lines],
                  ClaimStatus.APPROVED, world.admin)
    auth.sign_in(world.admin.email)
    pages = _pages(client, world, submitted)
    assert "<small data-held>Holdback held $4,537.50</small>" in pages["board"]
    assert "Holdback (work $4,537.50, stored $0.00)" in pages["claim"]
    assert "Total earned less holdback" in pages["claim"]
    assert "Holdback (column I)" in pages["pdf"] and "Total holdback" in pages["pdf"]
    assert "Holdback (I) (CAD)" in pages["lines"] and "Holdback (CAD)" in pages["export"]
    for page in pages.values():
        assert "retention" not in _text(page).lower()


def test_the_portal_claim_page_says_holdback_too(client, world, auth, submitted):
    _in_canada(world.project)
    auth.sign_in("maria@keystone.example")
    html = client.get(f"/portal/claims/{submitted.id}").get_data(as_text=True)
    assert "Holdback (work $4,537.50, stored $0.00)" in html


def test_a_us_project_keeps_the_dictionary_s_word(client, world, auth, submitted):
    auth.sign_in(world.admin.email)
    pages = _pages(client, world, submitted)
    assert "Retention (work $4,537.50, stored $0.00)" in pages["claim"]
    assert "Retention (column I)" in pages["pdf"]
    assert "Retention (I) (USD)" in pages["lines"] and "Retention (USD)" in pages["export"]
    for page in pages.values():
        assert "holdback" not in _text(page).lower()


def test_a_general_contractor_s_us_project_says_retainage_and_its_canadian_one_holdback():
    terms = Terms(Dictionary.GENERAL)
    us, ca = Project(country=Country.US), Project(country=Country.CA)
    assert terms.for_project(us)("retention") == "Retainage"
    assert terms.for_project(ca)("retention") == "Holdback"
    assert terms.for_project(ca).lower("retention") == "holdback"
    assert terms.for_project(ca)("claim") == "Subcontractor Invoice"  # only the retention word changes
    assert terms.for_project(None)("retention") == "Retainage"


def test_the_commitment_form_on_a_canadian_project_offers_the_statutory_holdback(client, world, auth):
    world.company.default_retention_pct = Decimal("5.00")
    _in_canada(world.project)
    auth.sign_in(world.admin.email)
    html = client.get(f"/projects/{world.project.id}/commitments/new").get_data(as_text=True)
    assert "Holdback %" in html and 'value="10.00"' in html


def test_the_default_holdback_is_the_company_s_when_it_holds_back_more(world):
    company = world.company
    canadian, american = Project(country=Country.CA), Project(country=Country.US)
    company.default_retention_pct = Decimal("5.00")
    assert default_retention_pct(canadian, company) == Decimal("10.00")  # never below the Act's 10%
    assert default_retention_pct(american, company) == Decimal("5.00")
    company.default_retention_pct = Decimal("12.50")
    assert default_retention_pct(canadian, company) == Decimal("12.50")
    assert default_retention_pct(canadian, None) == Decimal("10.00")
