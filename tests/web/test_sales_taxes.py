"""Sales taxes per project and a vendor's GST/HST number (issue 17): the taxes page for every role, bad input
refused next to its field with nothing written, and a claim's tax lines the same on the page, the portal, the
PDF and the exports; a submitted claim keeps the rates it was submitted with."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from html import unescape

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from domain import claims, sales_taxes
from domain.claims import LineDecision
from domain.g702 import Tax
from domain.models import AuditEvent, ClaimStatus, Company, LineReview, ProjectTax, db
from tests import factories
from tests.helpers import count
from tests.web.portal_helpers import SIGNED

D = Decimal


def taxes_url(world) -> str:  # type: ignore[no-untyped-def]
    return f"/projects/{world.project.id}/taxes"


def html_of(response) -> str:  # type: ignore[no-untyped-def]
    return unescape(response.get_data(as_text=True))


def stored(world) -> list[tuple[int, str, Decimal]]:  # type: ignore[no-untyped-def]
    return [tuple(r) for r in db.session.execute(  # type: ignore[misc]
        select(ProjectTax.position, ProjectTax.name, ProjectTax.rate).where(ProjectTax.project_id == world.project.id)
        .order_by(ProjectTax.position))]


def assert_message_next_to(html: str, field: str, message: str) -> None:
    assert f'id="{field}-feedback"' in html, html
    assert message in html.split(f'id="{field}-feedback"')[1].split("</div>")[0]


# --- the taxes page ------------------------------------------------------------------------------


def test_the_project_page_links_to_its_taxes(admin_client, world):
    html = html_of(admin_client.get(f"/projects/{world.project.id}"))
    assert f'href="{taxes_url(world)}"' in html and "Sales taxes billed on each" in html


def test_the_picker_fills_in_the_rates_and_saves_nothing(admin_client, world):
    response = admin_client.post(taxes_url(world), data={"jurisdiction": "QC", "fill": "1"})
    html = html_of(response)
    assert response.status_code == 200
    assert 'value="GST"' in html and 'value="5"' in html and 'value="QST"' in html and 'value="9.975"' in html
    assert "Check the rates, then save." in html
    assert stored(world) == []


def test_the_picker_without_a_choice_says_so(admin_client, world):
    response = admin_client.post(taxes_url(world), data={"jurisdiction": "", "fill": "1"})
    assert response.status_code == 422
    assert_message_next_to(html_of(response), "jurisdiction", "Choose a province or territory")


def test_an_admin_saves_edited_taxes_and_the_page_shows_them(admin_client, world):
    data = {"name_1": "GST", "rate_1": "5", "name_2": " QST ", "rate_2": "9.975", "name_3": "", "rate_3": ""}
    response = admin_client.post(taxes_url(world), data=data)
    assert response.status_code == 303
    assert stored(world) == [(1, "GST", D("5.000")), (2, "QST", D("9.975"))]
    html = html_of(admin_client.get(taxes_url(world)))
    assert "Taxes saved: GST 5%, QST 9.975%." in html
    assert 'value="9.975"' in html
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.field == "taxes"))
    assert (event.old_value, event.new_value) == ("none", "GST 5%, QST 9.975%")
    # emptying every row leaves the project without tax
    assert admin_client.post(taxes_url(world), data={"name_1": "", "rate_1": ""}).status_code == 303
    assert stored(world) == []


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name_1": "HST", "rate_1": "-1"}, "rate_1", "Enter a rate from 0 to 30%"),
    ({"name_1": "HST", "rate_1": "31"}, "rate_1", "Enter a rate from 0 to 30%"),
    ({"name_1": "", "rate_1": "13"}, "name_1", "Name the tax, like HST."),
    ({"name_1": "GST", "rate_1": "5", "name_2": "gst", "rate_2": "7"}, "name_2", "Another tax is already called"),
    ({**{f"name_{n}": f"T{n}" for n in range(1, 6)}, **{f"rate_{n}": "1" for n in range(1, 6)}}, "taxes",
     "A project has at most 4 taxes."),
])
def test_bad_taxes_get_a_message_next_to_the_field_and_nothing_is_written(admin_client, world, data, field, message):
    world.project.taxes.append(ProjectTax(position=1, name="HST", rate=D("13")))
    db.session.commit()
    events = count(AuditEvent)
    response = admin_client.post(taxes_url(world), data=data)
    assert response.status_code == 422
    assert_message_next_to(html_of(response), field, message)
    assert stored(world) == [(1, "HST", D("13.000"))]
    assert count(AuditEvent) == events


def test_a_project_admin_may_set_taxes(client, world, auth):
    from domain.models import AccessLevel, ProjectPermission
    pat = factories.user(world.company, "padmin@pb.example", "Pat Projectadmin")
    db.session.add(ProjectPermission(project=world.project, user=pat, level=AccessLevel.ADMIN))
    db.session.commit()
    auth.sign_in(pat.email)
    assert client.get(taxes_url(world)).status_code == 200
    assert client.post(taxes_url(world), data={"name_1": "HST", "rate_1": "13"}).status_code == 303
    assert stored(world) == [(1, "HST", D("13.000"))]


@pytest.mark.parametrize(("who", "status"), [("standard", 403), ("readonly", 403), ("nobody", 404), ("vendor", 404)])
def test_others_may_not_see_or_set_taxes(client, world, auth, who, status):
    if who == "vendor":
        email = factories.vendor("Keystone Concrete Co.", "maria@keystone.example").default_claim_contact.email
        db.session.commit()
    else:
        email = getattr(world, who).email
    auth.sign_in(email)
    assert client.get(taxes_url(world)).status_code == status
    assert client.post(taxes_url(world), data={"name_1": "HST", "rate_1": "13"}).status_code == status
    assert stored(world) == []


# --- a vendor's GST/HST number --------------------------------------------------------------------


def _vendor_form(vendor: Company, **changes: str) -> dict[str, str]:
    return {"name": vendor.name, "trade": vendor.trade, "address": vendor.address, "tax_number": "",
            "default_claim_contact_id": str(vendor.default_claim_contact_id or ""), **changes}


def test_an_admin_records_a_vendors_number_typed_with_spaces(admin_client, world):
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    db.session.commit()
    response = admin_client.post(f"/directory/vendors/{vendor.id}",
                                 data=_vendor_form(vendor, tax_number="123 456 789 rt 0001"))
    assert response.status_code == 303
    assert db.session.get(Company, vendor.id).tax_number == "123456789RT0001"
    assert 'value="123456789RT0001"' in html_of(admin_client.get(f"/directory/vendors/{vendor.id}"))


def test_a_new_vendor_can_have_its_number(admin_client, world):
    response = admin_client.post("/directory/vendors/new",
                                 data={"name": "Nord Électrique", "tax_number": "987654321RT0002"})
    assert response.status_code == 303
    assert db.session.scalar(select(Company.tax_number).where(Company.name == "Nord Électrique")) == "987654321RT0002"


@pytest.mark.parametrize("url", ["/directory/vendors/new", "edit"])
def test_a_number_of_the_wrong_shape_gets_a_message_and_nothing_is_written(admin_client, world, url):
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    vendor.tax_number = "123456789RT0001"
    db.session.commit()
    companies, events = count(Company), count(AuditEvent)
    data = (_vendor_form(vendor, tax_number="12345678RT01", trade="Masonry") if url == "edit"
            else {"name": "Nord Électrique", "tax_number": "12345678RT01"})
    response = admin_client.post(f"/directory/vendors/{vendor.id}" if url == "edit" else url, data=data)
    assert response.status_code == 422
    assert_message_next_to(html_of(response), "tax_number", "9 digits, RT and 4 digits")
    assert (count(Company), count(AuditEvent)) == (companies, events)
    vendor = db.session.get(Company, vendor.id)
    assert (vendor.tax_number, vendor.trade) == ("123456789RT0001", "Concrete")


@pytest.mark.parametrize(("who", "status"), [("standard", 404), ("readonly", 404), ("vendor", 404)])
def test_only_company_admins_edit_a_vendors_number(client, world, auth, who, status):
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    db.session.commit()
    auth.sign_in(vendor.default_claim_contact.email if who == "vendor" else getattr(world, who).email)
    response = client.post(f"/directory/vendors/{vendor.id}", data=_vendor_form(vendor, tax_number="123456789RT0001"))
    assert response.status_code in (403, 404)
    assert db.session.get(Company, vendor.id).tax_number == ""


# --- a claim with taxes ---------------------------------------------------------------------------

# Line 1 (100,000.00): 12,345.67 of work; retention 10% = 1,234.567 -> 1,234.57; line 8 = 11,111.10.
# GST 5% = 555.555 -> 555.56; QST 9.975% = 1,108.332225 -> 1,108.33; due with tax 12,774.99.
FIGURES = ["$11,111.10", "$555.56", "$1,108.33", "$12,774.99"]


@pytest.fixture
def taxed_claim(world):  # type: ignore[no-untyped-def]
    sales_taxes.save_project_taxes(world.project, [Tax("GST", D("5")), Tax("QST", D("9.975"))], world.admin)
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    commitment = factories.commitment(world.project, vendor, number="SC-001")
    db.session.commit()
    contact = vendor.default_claim_contact
    claim = claims.start_claim(commitment, world.period, contact)
    sov = commitment.sov_lines
    assert claims.save_entries(claim, [claims.LineEntry(sov[0].id, this_period="12345.67")], contact,
                               submit=True, signature=SIGNED).ok
    return claim


def _claim_url(claim) -> str:  # type: ignore[no-untyped-def]
    return f"/projects/{claim.commitment.project_id}/billings/claims/{claim.id}"


def _tax_lines(html: str) -> list[str]:
    part = html.split('data-g702="8"', 1)[1].split('data-g702="9"', 1)[0]
    return [cell.split("<", 1)[0].strip() for cell in part.split('<dd class="money mb-0">')[1:]]


def test_the_claim_page_shows_the_tax_lines_after_line_8(admin_client, taxed_claim):
    html = html_of(admin_client.get(_claim_url(taxed_claim)))
    assert _tax_lines(html) == FIGURES
    assert "8. Current amount due before tax" in html and "GST 5%" in html and "QST 9.975%" in html
    assert "No GST/HST registration number on file" in html


def test_the_portal_shows_the_same_tax_lines(client, auth, taxed_claim):
    auth.sign_in("maria@keystone.example")
    html = html_of(client.get(f"/portal/claims/{taxed_claim.id}"))
    assert _tax_lines(html) == FIGURES


def _pdf_text(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def test_the_pdf_shows_the_same_figures_and_the_vendors_number_or_its_absence(admin_client, taxed_claim):
    text = _pdf_text(admin_client.get(_claim_url(taxed_claim) + "/pdf"))
    for figure in FIGURES:
        assert figure in text
    assert "Current amount due before tax" in text and "QST 9.975%" in text
    assert "No GST/HST registration number on file" in text
    taxed_claim.commitment.vendor.tax_number = "123456789RT0001"
    db.session.commit()
    text = _pdf_text(admin_client.get(_claim_url(taxed_claim) + "/pdf"))
    assert "GST/HST no. 123456789RT0001" in text and "No GST/HST registration" not in text


def test_the_claim_lines_export_adds_the_tax_columns_to_the_totals_row(admin_client, taxed_claim):
    rows = list(csv.reader(io.StringIO(admin_client.get(_claim_url(taxed_claim) + "/lines.csv")
                                       .get_data().decode("utf-8-sig"))))
    header, totals = rows[0], rows[-1]
    assert header[-4:] == [f"{name} (USD)" for name in ("Current amount due before tax", "GST 5%", "QST 9.975%",
                                                        "Current amount due")]
    assert totals[-4:] == ["11111.10", "555.56", "1108.33", "12774.99"]
    assert rows[1][-4:] == ["", "", "", ""]
    sheet = load_workbook(io.BytesIO(admin_client.get(_claim_url(taxed_claim) + "/lines.xlsx").data)).active
    last = [c for c in list(sheet.iter_rows(values_only=True))[-1]][-4:]
    assert [D(str(v)) for v in last] == [D("11111.10"), D("555.56"), D("1108.33"), D("12774.99")]


def test_the_board_export_shows_the_tax_and_the_amount_due_with_it(admin_client, world, taxed_claim):
    url = f"/projects/{world.project.id}/billings/export.csv?period={world.period.id}"
    header, row = list(csv.reader(io.StringIO(admin_client.get(url).get_data().decode("utf-8-sig"))))
    assert header[-3:] == ["Current amount due before tax (USD)", "Sales tax (USD)", "Current amount due (USD)"]
    assert row[-3:] == ["11111.10", "1663.89", "12774.99"]


def test_a_submitted_claim_keeps_its_taxes_after_the_projects_rates_change(admin_client, world, taxed_claim):
    sales_taxes.save_project_taxes(world.project, [Tax("HST", D("15"))], world.admin)
    db.session.expire_all()
    _, totals = claims.figures(taxed_claim)
    assert [(t.label, t.amount) for t in totals.taxes] == [("GST 5%", D("555.56")), ("QST 9.975%", D("1108.33"))]
    assert _tax_lines(html_of(admin_client.get(_claim_url(taxed_claim)))) == FIGURES
    claims.review(taxed_claim, [LineDecision(line.id, LineReview.APPROVED) for line in taxed_claim.lines],
                  ClaimStatus.APPROVED, world.admin)
    db.session.expire_all()
    assert taxed_claim.sales_tax == D("1663.89")
    assert [t.label for t in claims.figures(taxed_claim)[1].taxes] == ["GST 5%", "QST 9.975%"]


def test_a_claim_sent_back_follows_todays_rates_until_resubmitted(world, taxed_claim):
    claims.review(taxed_claim, [LineDecision(line.id, LineReview.REJECTED, "Check the quantity")
                                for line in taxed_claim.lines], ClaimStatus.REVISE_AND_RESUBMIT, world.admin)
    sales_taxes.save_project_taxes(world.project, [Tax("HST", D("13"))], world.admin)
    db.session.expire_all()
    # 13% x 11,111.10 = 1,444.443 -> 1,444.44
    assert [(t.label, t.amount) for t in claims.figures(taxed_claim)[1].taxes] == [("HST 13%", D("1444.44"))]


def test_the_claim_e_mails_name_the_amount_due_with_its_tax(world, taxed_claim):
    from domain.emails import amount_due_facts

    facts = amount_due_facts(taxed_claim, taxed_claim.commitment.project)
    # each tax by name and rate, as the claim page and the PDF show them (a Quebec invoice states GST and QST
    # apart): 5% and 9.975% of 11,111.10, each rounded half-up once
    assert facts == [("Current amount due before tax", "$11,111.10"), ("GST 5%", "$555.56"),
                     ("QST 9.975%", "$1,108.33"), ("Current amount due", "$12,774.99")]


SETTINGS = {"name": "Harbor & Pine Builders", "dictionary": "SPECIALTY", "default_retention_pct": "10",
            "invite_message": "", "time_zone": "America/New_York"}


def test_the_company_records_its_own_number_for_its_head_contract_claims(admin_client, world):
    response = admin_client.post("/settings/company", data={**SETTINGS, "tax_number": "111 222 333 RT 0001"})
    assert response.status_code == 303
    assert db.session.get(Company, world.company.id).tax_number == "111222333RT0001"
    response = admin_client.post("/settings/company", data={**SETTINGS, "tax_number": "111222333"})
    assert response.status_code == 422
    assert_message_next_to(html_of(response), "tax_number", "9 digits, RT and 4 digits")
    assert db.session.get(Company, world.company.id).tax_number == "111222333RT0001"


def test_a_head_contract_claim_bills_the_projects_taxes_under_the_own_companys_number(admin_client, world):
    from domain import head_contract
    from tests.domain.test_head_contract import claim_in, make_head, subcontract

    make_head(world, [("03 30 00", "100000.00")])
    concrete = subcontract(world, "SC-1", [("03 30 00", "60000.00")])
    claim_in(world, concrete, world.period, {"03 30 00": ("12000.00", "0")})
    sales_taxes.save_project_taxes(world.project, [Tax("HST", D("13"))], world.admin)
    world.company.tax_number = "111222333RT0001"
    db.session.commit()
    claim = head_contract.start_claim(world.project, world.period, world.admin)
    head_contract.prefill(claim, world.admin)
    head_contract.submit_to_client(claim, world.admin)
    sales_taxes.save_project_taxes(world.project, [Tax("HST", D("15"))], world.admin)  # after: no effect
    db.session.expire_all()
    _, totals = claims.figures(claim)
    # 8 = 12,000.00 less 10% retention = 10,800.00; HST 13% = 1,404.00; due with tax 12,204.00
    assert totals.current_amount_due == D("10800.00")
    assert [(t.label, t.amount) for t in totals.taxes] == [("HST 13%", D("1404.00"))]
    url = f"/projects/{world.project.id}/billings/head-contract/claims/{claim.id}"
    text = _pdf_text(admin_client.get(url + "/pdf"))
    assert "GST/HST no. 111222333RT0001" in text and "HST 13%" in text
    assert "$12,204.00" in text and "$1,404.00" in text
    assert "$12,204.00" in html_of(admin_client.get(url))
