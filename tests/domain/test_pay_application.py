"""The pay application PDF: every figure as the claim page writes it, any vendor's name, any length."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from PIL import Image
from pypdf import PdfReader

from domain import g702
from domain.models import Dictionary
from domain.money import format_money
from domain.pay_application import Certification, ChangeOrders, Line, Party, PayApplication, render_pdf
from domain.terms import Terms
from tests.helpers import IN_CI

D = Decimal


def application(lines: int = 3, *, vendor: str = "Keystone Concrete Co.", description: str = "Concrete forming",
                currency: str = "USD", signed: bool = True, notary: bool = False) -> PayApplication:
    figures = []
    for n in range(lines):
        scheduled = D("10000.00") + D(n) * D("1234.57")
        figures.append(Line(
            item=str(n + 1), cost_code=f"03 {n:02d} 00", description=f"{description} {n + 1}",
            from_change_order=n == 2,
            figures=g702.line_figures(g702.LineInput(
                scheduled_value=scheduled, previous=D("1500.00"), this_period=D("2333.33"), stored=D("125.50"),
                retention_pct=D("10"), stored_retention_pct=D("5")))))
    totals = g702.claim_totals([line.figures for line in figures], original_contract_sum=D("20000.00"),
                               previous_earned_less_retention=D("1350.00"))
    return PayApplication(
        to=Party("Harbor & Pine Builders", "500 SW Harbor Way"), vendor=Party(vendor, "88 Quarry Rd"),
        project="P-1001 Riverside Medical", project_address="1450 NE Riverside Dr", contract="Subcontract SC-001",
        contract_title="Concrete", application_number=3, period_from=date(2026, 11, 1), period_to=date(2026, 11, 30),
        application_date=date(2026, 11, 28), due_date=date(2026, 11, 25), currency=currency, status="Approved",
        lines=figures, totals=totals,
        change_orders=ChangeOrders(previous_additions=D("500.00"), this_period_deductions=D("120.00")),
        certification=Certification("Maria Lopez", "Nov 28, 2026 14:05 EST") if signed else Certification(),
        terms=Terms(Dictionary.SPECIALTY), retention_pct=D("10"), stored_retention_pct=D("5"),
        decision="Approved on Nov 30, 2026 09:12 EST by Avery Admin", notary_block=notary)


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_every_figure_of_the_claim_is_in_the_pdf_as_the_claim_page_writes_it():
    app = application(lines=4)
    text = "\n".join(pages_text(render_pdf(app)))
    t = app.totals
    totals = [t.original_contract_sum, t.net_change_orders, t.contract_sum_to_date, t.total_completed_and_stored,
              t.retention_work, t.retention_stored, t.retention_total, t.earned_less_retention, t.previous_claims,
              t.current_amount_due, t.balance_to_finish_including_retention, t.this_period, t.stored,
              t.balance_to_finish, t.work_completed_to_date - t.this_period]
    lines = [value for line in app.lines for value in (
        line.figures.scheduled_value, line.figures.previous, line.figures.this_period, line.figures.stored,
        line.figures.completed_and_stored, line.figures.balance_to_finish, line.figures.retention)]
    for value in totals + lines:
        assert format_money(value, "USD") in text, value
    for line in app.lines:
        assert f"{line.figures.percent_complete:,.1f}%" in text
    for words in ["Harbor & Pine Builders", "Keystone Concrete Co.", "Subcontract SC-001", "Application no. 3",
                  "Nov 1, 2026 to Nov 30, 2026", "Maria Lopez", "Nov 28, 2026 14:05 EST",
                  "Approved on Nov 30, 2026 09:12 EST by Avery Admin", "Current amount due",
                  "Change order · 03 02 00 · Concrete forming 3"]:
        assert words in " ".join(text.split()), words  # a description may wrap in its cell


def test_money_is_written_in_the_projects_currency():
    text = "\n".join(pages_text(render_pdf(application(currency="CAD"))))
    assert "CA$" in text
    assert format_money(application(currency="CAD").totals.current_amount_due, "CAD") in text


def test_the_continuation_sheet_grows_with_the_lines_and_every_page_repeats_its_header_and_number():
    short = PdfReader(io.BytesIO(render_pdf(application(lines=5)))).pages
    pdf = render_pdf(application(lines=300))
    pages = pages_text(pdf)
    assert len(short) == 2
    assert len(pages) > 5
    for n, text in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in text
        assert "Application no. 3" in text
    for text in pages[1:]:
        assert "Description of work" in text and "Balance to finish" in text and "Scheduled value" in text
    every = "\n".join(pages)
    assert "Concrete forming 300" in every and "Grand totals" in every
    assert format_money(application(lines=300).totals.current_amount_due, "USD") in every
    first_size = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    sheet_size = PdfReader(io.BytesIO(pdf)).pages[1].mediabox
    assert first_size.width < first_size.height and sheet_size.width > sheet_size.height  # landscape sheet


@pytest.mark.parametrize("vendor", ["Łódź Glazing Sp. z o.o.", "Société Générale de Vitrage", "Çelik Yapı"])
def test_names_beyond_latin_1_appear_in_the_pdf(vendor):
    text = "\n".join(pages_text(render_pdf(application(vendor=vendor))))
    assert vendor in text


def test_characters_no_font_has_do_not_stop_the_pdf():
    pdf = render_pdf(application(vendor="上海玻璃幕墙有限公司", description="混凝土 <b>&amp; 工程"))
    text = "\n".join(pages_text(pdf))
    assert "Current amount due" in text
    assert "<b>&amp;" in text  # what was typed is text, never markup


def test_a_1000_character_description_wraps_on_the_sheet():
    long = ("Supply and install reinforced concrete walls " * 30)[:1000]
    pages = pages_text(render_pdf(application(lines=3, description=long)))
    assert "Grand totals" in pages[-1]
    assert "Supply and install" in "\n".join(pages[1:])


def test_a_claim_without_lines_still_renders():
    pages = pages_text(render_pdf(application(lines=0)))
    assert len(pages) == 2
    assert "This schedule of values has no lines." in pages[1]
    assert "$0.00" in pages[0]


def test_an_unsigned_claim_has_a_blank_signature_line_and_the_notary_block_is_optional():
    unsigned = "\n".join(pages_text(render_pdf(application(signed=False))))
    assert "Signature" in unsigned and "Maria Lopez" not in unsigned
    assert "Notary" not in unsigned
    notarised = "\n".join(pages_text(render_pdf(application(notary=True))))
    assert "Notary public" in notarised and "My commission expires" in notarised


def test_the_first_page_as_an_image_is_not_blank(tmp_path):
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        if IN_CI:
            pytest.fail("pdftoppm (Debian's poppler-utils) must be installed in CI: make test installs it")
        pytest.skip("pdftoppm is not installed: `make test` (or apt-get install poppler-utils) installs it")
    source = tmp_path / "claim.pdf"
    source.write_bytes(render_pdf(application(lines=12)))
    command = [pdftoppm, "-png", "-r", "40", "-f", "1", "-l", "1", "-gray", str(source), str(tmp_path / "page")]
    subprocess.run(command, check=True, timeout=60)  # noqa: S603 - our own file, no shell
    image = next(tmp_path.glob("page*.png")).read_bytes()
    with Image.open(io.BytesIO(image)) as picture:
        histogram = picture.convert("L").histogram()
    dark = sum(histogram[:128])
    total = sum(histogram)
    assert 0.005 < dark / total < 0.5, f"{dark} dark pixels of {total}"
    assert re.search(rb"IHDR", image)
