"""A taxed Ontario claim (CAD, HST 13%, 10% holdback) shows the same line 8, HST and current amount due with
tax on the claim page, the portal, the PDF, the claim's CSV and Excel lines and the board's CSV and Excel
export, written in CAD as en_CA writes it (issue 17: exports and PDFs show the same figures).

By hand: line 1 bills 12,345.67 of work; line 2 bills 2,000.00 of work and 500.00 of stored materials.
4 = 14,845.67. Holdback 10%: 1,234.567 -> 1,234.57; 200.00; 50.00 on stored: 5 = 1,484.57.
6 = 13,361.10; 7 = 0.00; 8 = 13,361.10. HST 13%: 1,736.943 -> 1,736.94. Due with tax 15,098.04.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from html import unescape

import pytest
from openpyxl import load_workbook

from domain import claims
from domain.models import db
from tests import factories
from tests.helpers import billings_url
from tests.web.portal_helpers import SIGNED
from tests.web.test_sales_taxes import _pdf_text, _tax_lines

D = Decimal
LINE_8, HST, DUE = D("13361.10"), D("1736.94"), D("15098.04")
SHOWN = ["$13,361.10", "$1,736.94", "$15,098.04"]  # en_CA writes CAD with a bare $


@pytest.fixture
def ontario_claim(world):  # type: ignore[no-untyped-def]
    factories.ontario(world.project)
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    vendor.tax_number = "123456789RT0001"
    commitment = factories.commitment(world.project, vendor, number="SC-001")
    db.session.commit()
    contact = vendor.default_claim_contact
    claim = claims.start_claim(commitment, world.period, contact)
    first, second = commitment.sov_lines
    entries = [claims.LineEntry(first.id, this_period="12345.67"),
               claims.LineEntry(second.id, this_period="2000.00", stored="500.00")]
    assert claims.save_entries(claim, entries, contact, submit=True, signature=SIGNED).ok
    return claim


def _claim_url(world, claim, suffix: str = "") -> str:  # type: ignore[no-untyped-def]
    return billings_url(world, suffix=f"/claims/{claim.id}{suffix}")


def _no_other_dollars(text: str) -> None:
    assert "CA$" not in text and "US$" not in text and "USD" not in text


def test_the_figures_stored_on_the_claim(ontario_claim):
    _, totals = claims.figures(ontario_claim)
    assert (totals.retention_total, totals.current_amount_due) == (D("1484.57"), LINE_8)
    assert [(t.label, t.amount) for t in totals.taxes] == [("HST 13%", HST)]
    assert totals.current_amount_due_with_tax == DUE
    assert (ontario_claim.current_amount_due, ontario_claim.sales_tax) == (LINE_8, HST)


def test_the_claim_page_and_the_portal_show_them_in_cad_with_holdback(client, auth, world, ontario_claim):
    auth.sign_in(world.admin.email)
    html = unescape(client.get(_claim_url(world, ontario_claim)).get_data(as_text=True))
    assert _tax_lines(html) == SHOWN
    assert "HST 13%" in html and "Holdback (work $1,434.57, stored $50.00)" in html
    assert "GST/HST no. 123456789RT0001" in html
    _no_other_dollars(html)
    auth.switch("maria@keystone.example")
    portal = unescape(client.get(f"/portal/claims/{ontario_claim.id}").get_data(as_text=True))
    assert _tax_lines(portal) == SHOWN
    _no_other_dollars(portal)


def test_the_pdf_shows_the_same_figures(admin_client, world, ontario_claim):
    text = _pdf_text(admin_client.get(_claim_url(world, ontario_claim, "/pdf")))
    for figure in [*SHOWN, "$1,484.57", "$14,845.67"]:
        assert figure in text, figure
    assert "HST 13%" in text and "Current amount due before tax" in text and "Holdback" in text
    assert "GST/HST no. 123456789RT0001" in text
    _no_other_dollars(text)


def _csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def _xlsx(response) -> list[tuple]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))


TAX_COLUMNS = ["Current amount due before tax (CAD)", "HST 13% (CAD)", "Current amount due (CAD)"]


def test_the_claim_lines_csv_and_excel_show_the_same_figures(admin_client, world, ontario_claim):
    header, *_, totals = _csv(admin_client.get(_claim_url(world, ontario_claim, "/lines.csv")))
    assert header[-3:] == TAX_COLUMNS and "Holdback (I) (CAD)" in header
    assert totals[-3:] == ["13361.10", "1736.94", "15098.04"]
    assert totals[header.index("Holdback (I) (CAD)")] == "1484.57"
    rows = _xlsx(admin_client.get(_claim_url(world, ontario_claim, "/lines.xlsx")))
    assert list(rows[0][-3:]) == TAX_COLUMNS
    assert [D(str(v)) for v in rows[-1][-3:]] == [LINE_8, HST, DUE]


def test_the_board_csv_and_excel_show_the_same_figures(admin_client, world, ontario_claim):
    columns = ["Current amount due before tax (CAD)", "Sales tax (CAD)", "Current amount due (CAD)"]
    header, row = _csv(admin_client.get(billings_url(world, suffix=f"/export.csv?period={world.period.id}")))
    assert header[-3:] == columns and row[-3:] == ["13361.10", "1736.94", "15098.04"]
    assert row[header.index("Holdback (CAD)")] == "1484.57"
    header, row = _xlsx(admin_client.get(billings_url(world, suffix=f"/export.xlsx?period={world.period.id}")))
    assert list(header[-3:]) == columns and [D(str(v)) for v in row[-3:]] == [LINE_8, HST, DUE]
    board = unescape(admin_client.get(billings_url(world)).get_data(as_text=True))
    assert "<td>$15,098.04</td>" in board  # the row's amount due: with its tax, as the claim page


def test_a_french_reader_sees_the_tax_named_as_the_pdf_names_it(client, auth, world, ontario_claim):
    """The claim page names each tax in the reader's language, as the PDF, exports and e-mails do."""
    world.admin.language = "fr"
    db.session.commit()
    auth.sign_in(world.admin.email)
    html = unescape(client.get(_claim_url(world, ontario_claim)).get_data(as_text=True)).replace("\u00a0", " ")
    assert "TVH 13 %" in html and "HST 13%" not in html
    pdf = _pdf_text(client.get(_claim_url(world, ontario_claim, "/pdf"))).replace("\u00a0", " ")
    assert "TVH 13 %" in pdf
