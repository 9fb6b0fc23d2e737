"""A Canadian project bills in CAD and reads en_CA on every page, e-mail, PDF and export; a project's currency
follows its country unless the admin picks one (issue 17, currency and formats)."""

from __future__ import annotations

import csv
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from domain import claims, emails
from domain.models import AuditEvent, Country, Currency, OutboxMessage, Project, db
from tests import factories
from tests.helpers import count
from tests.web.portal_helpers import SIGNED

DUE = "$40,837.50"  # 45,375.00 this period less 10% retention, as en_CA writes CAD


@pytest.fixture
def canadian(world):
    """The world's project in Ontario, in CAD, with a submitted claim of 45,375.00 this period."""
    project = world.project
    project.country, project.currency, project.time_zone = Country.CA, Currency.CAD, "America/Toronto"
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    commitment = factories.commitment(project, vendor, number="SC-001", title="Concrete")
    db.session.commit()
    claim = claims.start_claim(commitment, world.period, world.admin)
    first = commitment.sov_lines[0]
    entered = claims.save_entries(claim, [claims.LineEntry(first.id, this_period="45375.00")],
                                  vendor.default_claim_contact, submit=True, signature=SIGNED)
    assert entered.ok
    return claim


def _no_us_symbols(html: str) -> bool:
    return "CA$" not in html and "US$" not in html


def test_the_board_writes_a_canadian_project_s_money_in_cad_as_en_ca_does(client, world, auth, canadian):
    auth.sign_in(world.admin.email)
    html = client.get(f"/projects/{world.project.id}/billings").get_data(as_text=True)
    assert f"<td>{DUE}</td>" in html  # the row's amount due
    assert "$45,375.00 of $150,000.00" in html  # to date of the scheduled value
    assert _no_us_symbols(html)


def test_the_claim_page_and_the_portal_write_cad(client, world, auth, canadian):
    auth.sign_in(world.admin.email)
    html = client.get(f"/projects/{world.project.id}/billings/claims/{canadian.id}").get_data(as_text=True)
    assert DUE in html and "$45,375.00" in html and _no_us_symbols(html)
    auth.switch("maria@keystone.example")
    html = client.get(f"/portal/claims/{canadian.id}").get_data(as_text=True)
    assert DUE in html and _no_us_symbols(html)


def test_the_pdf_writes_cad_as_the_claim_page_does(client, world, auth, canadian):
    auth.sign_in(world.admin.email)
    response = client.get(f"/projects/{world.project.id}/billings/claims/{canadian.id}/pdf")
    assert response.status_code == 200
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert DUE in text and "$45,375.00" in text and _no_us_symbols(text)


def test_the_submitted_e_mail_writes_cad(world, canadian):
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == emails.CLAIM_SUBMITTED))
    rendered = emails.render(message)
    assert f"Current amount due: {DUE}" in rendered.text
    assert DUE in rendered.html and _no_us_symbols(rendered.text)


def test_the_commitment_pages_write_approved_changes_as_the_rest_of_their_money(client, world, auth, canadian):
    """The approved changes (a macro of their own) read the page's project: $0.00 beside $150,000.00, never
    CA$0.00, on the commitment, its SOV line being changed and the commitments list."""
    auth.sign_in(world.admin.email)
    commitment = canadian.commitment
    base = f"/projects/{world.project.id}/commitments"
    line = commitment.sov_lines[0]
    for path in (f"{base}/{commitment.id}", f"{base}/{commitment.id}/sov/lines/{line.id}/edit", base):
        html = client.get(path).get_data(as_text=True)
        assert "$150,000.00" in html or path == base, path
        assert _no_us_symbols(html), path


def _csv_header(response) -> list[str]:
    assert response.status_code == 200
    return next(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_exports_name_the_currency_in_their_money_headers(client, world, auth, canadian):
    auth.sign_in(world.admin.email)
    board = _csv_header(client.get(f"/projects/{world.project.id}/billings/export.csv?period={world.period.id}"))
    assert "Current amount due (CAD)" in board and "Scheduled value (CAD)" in board
    assert "% complete" in board and "Title" in board  # what is not money names no currency
    lines = _csv_header(client.get(f"/projects/{world.project.id}/billings/claims/{canadian.id}/lines.csv"))
    assert "This period (E) (CAD)" in lines and "Holdback (I) (CAD)" in lines and "% (G/C)" in lines


def test_a_page_about_no_project_follows_the_company_s_country(client, world, auth, canadian):
    """The portal's list across projects: a company in Toronto reads en_CA, so a USD amount says US$."""
    world.company.time_zone = "America/Toronto"
    world.project.currency = Currency.USD
    db.session.commit()
    auth.sign_in("maria@keystone.example")
    html = client.get("/portal").get_data(as_text=True)
    assert f"US{DUE}" in html


# --- the project form: the currency follows the country -------------------------------------------------


def _project(number: str = "P-2", **change: str) -> dict[str, str]:
    data = {"number": number, "name": "Lakeshore Library", "address": "", "country": "CA", "currency": "",
            "time_zone": "America/Toronto"}
    data.update(change)
    return data


@pytest.mark.parametrize(("country", "currency", "stored"), [
    ("CA", "", Currency.CAD),  # left to the country: Canada bills in CAD
    ("US", "", Currency.USD),
    ("CA", "USD", Currency.USD),  # the admin chose: kept
    ("US", "CAD", Currency.CAD),
])
def test_a_new_project_s_currency_is_the_country_s_unless_the_admin_chose_one(client, world, auth, country,
                                                                              currency, stored):
    auth.sign_in(world.admin.email)
    response = client.post("/projects/new", data=_project(country=country, currency=currency))
    assert response.status_code == 303
    assert db.session.scalar(select(Project).where(Project.number == "P-2")).currency is stored


def test_the_new_project_form_leaves_the_currency_to_the_country(client, world, auth):
    auth.sign_in(world.admin.email)
    html = client.get("/projects/new").get_data(as_text=True)
    assert '<option selected value="">The country&#39;s (USD or CAD)</option>' in html
    assert "USD in the United States, CAD in Canada" in html
    assert "js/project_form.js" in html  # with JavaScript, choosing Canada shows CAD at once


def test_an_existing_project_keeps_its_currency_when_saved(client, world, auth):
    auth.sign_in(world.admin.email)
    project = world.project
    response = client.post(f"/projects/{project.id}/edit",
                           data=_project(number=project.number, country="CA", currency="USD"))
    assert response.status_code == 303
    db.session.refresh(project)
    assert (project.country, project.currency) == (Country.CA, Currency.USD)
    html = client.get(f"/projects/{project.id}/edit").get_data(as_text=True)
    assert '<option selected value="USD">USD</option>' in html


@pytest.mark.parametrize("currency", ["EUR", "cad", "CA$", " "])
def test_an_unknown_currency_is_refused_and_nothing_is_written(client, world, auth, currency):
    auth.sign_in(world.admin.email)
    before = count(Project), count(AuditEvent)
    response = client.post("/projects/new", data=_project(currency=currency))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose USD or CAD." in html and 'id="currency-feedback"' in html
    assert (count(Project), count(AuditEvent)) == before
