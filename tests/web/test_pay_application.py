"""Downloading a claim's pay application PDF and its package, as each role; the approval e-mail's link."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from domain import attachments, claims, emails, pay_application, sov
from domain.claims import LineDecision
from domain.models import AuditEvent, Claim, ClaimStatus, LineReview, OutboxMessage, Project, User, db
from tests import factories
from tests.web.portal_helpers import SIGNED


@dataclass
class Setup:
    claim: Claim
    contact: User
    other_contact: User
    other_claim: Claim  # another vendor's claim on the same project
    foreign_claim: Claim  # a claim on another project

    @property
    def admin_pdf(self) -> str:
        return f"/projects/{self.claim.commitment.project_id}/billings/claims/{self.claim.id}/pdf"

    @property
    def portal_pdf(self) -> str:
        return f"/portal/claims/{self.claim.id}/pdf"


def _claim(project: Project, vendor_name: str, contact_email: str, admin: User, period,
           number: str) -> tuple[Claim, User]:
    vendor = factories.vendor(vendor_name, contact_email)
    commitment = factories.commitment(project, vendor, number=number, title="Glazing")
    db.session.commit()
    return claims.start_claim(commitment, period, admin), vendor.default_claim_contact


def _fill_and_approve(claim: Claim, contact: User, admin: User) -> None:
    sov = claim.commitment.sov_lines
    entries = [claims.LineEntry(sov[0].id, this_period="12345.67", stored="1000"),
               claims.LineEntry(sov[1].id, percent_to_date="33.3")]
    assert claims.save_entries(claim, entries, contact, submit=True, signature=SIGNED).ok
    claims.review(claim, [LineDecision(line.id, LineReview.APPROVED) for line in claim.lines],
                  ClaimStatus.APPROVED, admin)


@pytest.fixture
def setup(world) -> Setup:
    claim, contact = _claim(world.project, "Łódź Glazing Sp. z o.o.", "ola@lodz.example", world.admin, world.period,
                           "SC/ŁÓDŹ 7")
    other_claim, other_contact = _claim(world.project, "Çelik Yapı", "cem@celik.example", world.admin,
                                         world.period, "SC-002")
    elsewhere = Project(number="P-2", name="Harbor Tower")
    db.session.add(elsewhere)
    period = factories.period(elsewhere)
    db.session.commit()
    foreign_claim, _ = _claim(elsewhere, "Société Générale de Vitrage", "sg@vitrage.example", world.admin,
                              period, "SC-001")
    return Setup(claim, contact, other_contact, other_claim, foreign_claim)


def _pdf_text(response) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def test_the_pdf_shows_every_figure_of_the_claim_page_exactly(client, world, setup, auth):
    _fill_and_approve(setup.claim, setup.contact, world.admin)
    auth.sign_in(world.admin.email)
    page = client.get(setup.admin_pdf.removesuffix("/pdf")).get_data(as_text=True)
    shown = re.findall(r'data-g702="\d"[^>]*>.*?<dd class="money mb-0">([^<]+)</dd>', page, re.S)
    assert len(shown) == 9
    pdf = client.get(setup.admin_pdf)
    assert pdf.status_code == 200
    text = _pdf_text(pdf)
    for figure in shown:
        assert figure.strip() in text
    assert "Łódź Glazing Sp. z o.o." in text and "Maria Lopez" in text and "Approved on" in text
    assert f'href="{setup.admin_pdf}"' in page and ">PDF</a>" in page and ">package</a>" in page


def test_the_download_is_a_pdf_named_after_project_contract_claim_and_month(client, world, setup, auth):
    auth.sign_in(world.admin.email)
    response = client.get(setup.admin_pdf)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    month = setup.claim.billing_period.start_date.strftime("%Y-%m")
    assert response.headers["Content-Disposition"] == f"attachment; filename=P-1_SC-ODZ-7_claim-1_{month}.pdf"
    assert response.data.startswith(b"%PDF-")
    package = client.get(setup.admin_pdf.replace("/pdf", "/package"))
    assert package.headers["Content-Disposition"] == f"attachment; filename=P-1_SC-ODZ-7_claim-1_{month}_package.pdf"


@pytest.mark.parametrize(("who", "status"), [("admin", 200), ("standard", 200), ("readonly", 200), ("nobody", 404)])
def test_staff_download_by_their_level_on_the_project(client, world, setup, auth, who, status):
    auth.sign_in(getattr(world, who).email)
    assert client.get(setup.admin_pdf).status_code == status
    assert client.get(setup.admin_pdf.replace("/pdf", "/package")).status_code == status


def test_another_project_or_an_unknown_claim_is_404(client, world, setup, auth):
    auth.sign_in(world.admin.email)
    base = f"/projects/{world.project.id}/billings/claims"
    for claim_id in (setup.foreign_claim.id, 999999):
        assert client.get(f"{base}/{claim_id}/pdf").status_code == 404
        assert client.get(f"{base}/{claim_id}/package").status_code == 404


def test_a_contact_downloads_their_own_claim_only(client, world, setup, auth):
    auth.sign_in(setup.contact.email)
    own = client.get(setup.portal_pdf)
    assert own.status_code == 200 and own.mimetype == "application/pdf"
    assert client.get(setup.portal_pdf.replace("/pdf", "/package")).status_code == 200
    page = client.get(f"/portal/claims/{setup.claim.id}").get_data(as_text=True)
    assert f'href="{setup.portal_pdf}"' in page and ">package</a>" in page
    for other in (setup.other_claim, setup.foreign_claim):
        assert client.get(f"/portal/claims/{other.id}/pdf").status_code == 404
        assert client.get(f"/portal/claims/{other.id}/package").status_code == 404
    assert client.get(setup.admin_pdf).status_code == 404  # the staff address is not theirs
    auth.switch(setup.other_contact.email)
    assert client.get(setup.portal_pdf).status_code == 404


def _pdf_bytes(words: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, words)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _locked_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(_pdf_bytes("Secret delivery note")))
    writer.encrypt("s3cret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 400), (30, 90, 160)).save(out, "PNG")
    return out.getvalue()


def test_the_package_appends_pdfs_and_photos_and_lists_what_it_cannot_show(app, client, world, setup, auth):
    folder = app.config["UPLOAD_FOLDER"]
    for name, data in [("delivery-ticket.pdf", _pdf_bytes("Delivery ticket 4711")), ("site-photo.png", _png()),
                       ("broken.pdf", b"%PDF-1.4\n this is not really a PDF"), ("locked.pdf", _locked_pdf()),
                       ("quantities.csv", b"item,qty\nglass,12\n")]:
        attachments.store(setup.claim, name, io.BytesIO(data), world.admin, folder)
    auth.sign_in(setup.contact.email)
    response = client.get(f"/portal/claims/{setup.claim.id}/package")
    assert response.status_code == 200
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages]
    # The pay application (2 pages), the delivery ticket, the photo, the list of the rest.
    assert len(pages) == 5
    assert "Pay application" in pages[0]
    assert "Delivery ticket 4711" in pages[2]
    assert "site-photo.png" in pages[3]
    for name, why in [("broken.pdf", "could not be read"), ("locked.pdf", "password-protected"),
                      ("quantities.csv", "not a PDF or a JPEG/PNG photo")]:
        assert name in pages[4] and why in pages[4]
    assert "Secret delivery note" not in "\n".join(pages)


def test_a_package_over_the_limit_is_refused_with_a_message(app, client, world, setup, auth):
    attachments.store(setup.claim, "ticket.pdf", io.BytesIO(_pdf_bytes("Ticket")), world.admin,
                      app.config["UPLOAD_FOLDER"])
    app.config["PACKAGE_MAX_BYTES"] = 100  # stands for 100 MB: the limit, not the files, is what is tested
    auth.sign_in(world.admin.email)
    url = setup.admin_pdf.replace("/pdf", "/package")
    response = client.get(url)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(setup.admin_pdf.removesuffix("/pdf"))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "more than the 100 bytes a package can hold" in page
    assert client.get(setup.admin_pdf).status_code == 200  # the PDF alone still downloads


def test_the_approval_email_links_the_pdf(world, setup):
    _fill_and_approve(setup.claim, setup.contact, world.admin)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == emails.CLAIM_APPROVED))
    rendered = emails.render(message)
    link = f"http://pb.example/portal/claims/{setup.claim.id}/pdf"
    assert f"Pay application (PDF): {link}" in rendered.text
    assert f'href="{link}"' in rendered.html


def test_a_claim_sent_back_is_not_mailed_a_pdf_link(world, setup):
    sov = setup.claim.commitment.sov_lines
    claims.save_entries(setup.claim, [claims.LineEntry(sov[0].id, this_period="100")], setup.contact, submit=True,
                        signature=SIGNED)
    line = setup.claim.lines[0]
    claims.review(setup.claim, [LineDecision(line.id, LineReview.REJECTED, "Too much")],
                  ClaimStatus.REVISE_AND_RESUBMIT, world.admin)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == emails.CLAIM_RETURNED))
    assert "/pdf" not in emails.render(message).text


def test_change_orders_are_split_by_when_they_were_approved(world, setup):
    commitment = setup.claim.commitment
    period = setup.claim.billing_period
    period.start_date = date.today() - timedelta(days=5)  # today, in any time zone, is in the period
    period.end_date = period.due_date = date.today() + timedelta(days=5)
    added = sov.add_change_order_line(commitment, sov.LineData("09 00 00", "Extra glazing", Decimal("7500.00")),
                                      world.admin)
    sov.change_scheduled_value(commitment.sov_lines[0], Decimal("99000.00"), world.admin)  # a deduction of 1,000
    sov.change_scheduled_value(commitment.sov_lines[1], Decimal("52500.00"), world.admin)  # an addition of 2,500
    # The last one was approved before this period began.
    last = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("change order:%"))
                              .order_by(AuditEvent.id.desc())).first()
    last.occurred_at = datetime.combine(period.start_date - timedelta(days=10), time(12))
    db.session.commit()
    application = pay_application.from_claim(setup.claim)
    co = application.change_orders
    assert (co.previous_additions, co.previous_deductions) == (Decimal("2500.00"), Decimal("0.00"))
    assert (co.this_period_additions, co.this_period_deductions) == (Decimal("7500.00"), Decimal("1000.00"))
    assert co.undated == 0 and co.net == application.totals.net_change_orders == Decimal("9000.00")
    assert [line.from_change_order for line in application.lines] == [False, False, True]
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pay_application.render_pdf(application))).pages)
    words = " ".join(text.split())  # a description wraps in its cell
    assert "Change order · 09 00 00 · Extra glazing" in words and "$9,000.00" in text
    assert added.scheduled_value == Decimal("7500.00")


def test_change_orders_the_history_does_not_date_are_shown_as_such(world, setup):
    line = setup.claim.commitment.sov_lines[0]
    line.approved_changes = Decimal("-400.00")  # as a claim made before the history kept change orders
    db.session.commit()
    application = pay_application.from_claim(setup.claim)
    assert application.change_orders.undated == Decimal("-400.00")
    assert application.change_orders.net == application.totals.net_change_orders
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pay_application.render_pdf(application))).pages)
    assert "date not in the change history" in text


def test_the_notary_block_is_a_company_setting_off_by_default(client, world, setup, auth):
    auth.sign_in(world.admin.email)
    assert "Notary public" not in _pdf_text(client.get(setup.admin_pdf))
    settings = {"name": world.company.name, "dictionary": "SPECIALTY", "default_retention_pct": "10",
                "invite_message": "", "time_zone": "America/New_York", "notary_block_on_pay_applications": "y"}
    assert client.post("/settings/company", data=settings).status_code == 303
    assert db.session.get(type(world.company), world.company.id).notary_block_on_pay_applications is True
    assert "Add a notary block to pay application PDFs" in client.get("/settings/company").get_data(as_text=True)
    text = _pdf_text(client.get(setup.admin_pdf))
    assert "Notary public" in text and "My commission expires" in text


def test_a_photo_taken_sideways_is_turned_upright_and_a_damaged_one_is_listed(app, client, world, setup, auth):
    sideways = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned a quarter: the stored picture is wide, the scene is tall
    Image.new("RGB", (600, 200), (200, 40, 40)).save(sideways, "JPEG", exif=exif)
    folder = app.config["UPLOAD_FOLDER"]
    attachments.store(setup.claim, "sideways.jpg", io.BytesIO(sideways.getvalue()), world.admin, folder)
    attachments.store(setup.claim, "damaged.png", io.BytesIO(_png()[:200]), world.admin, folder)
    auth.sign_in(world.admin.email)
    reader = PdfReader(io.BytesIO(client.get(setup.admin_pdf.replace("/pdf", "/package")).data))
    photo_page = reader.pages[2]
    (image,) = photo_page.images
    assert image.image.size == (200, 600)  # upright
    assert "damaged.png" in reader.pages[3].extract_text() and "could not be read" in reader.pages[3].extract_text()
