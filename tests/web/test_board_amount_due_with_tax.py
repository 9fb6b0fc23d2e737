"""The board's "Amount due this period" on a taxed project is what the claim page calls the current amount
due: line 8 and its sales tax (issue 17). The rows, the totals, the CSV and Excel exports agree; the page
loads in as many statements as an untaxed one."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from html import unescape

from openpyxl import load_workbook
from sqlalchemy import event

from blueprints.page_cache import page_cache
from domain import claims
from domain.models import db
from tests import factories
from tests.helpers import billings_url
from tests.web.portal_helpers import SIGNED

D = Decimal


def _claim(world, number: str, amount: str, submit: bool):  # type: ignore[no-untyped-def]
    vendor = factories.vendor(f"Vendor {number}", f"{number.lower()}@vendor.example")
    commitment = factories.commitment(world.project, vendor, number=number)
    db.session.commit()
    contact = vendor.default_claim_contact
    claim = claims.start_claim(commitment, world.period, contact)
    entry = claims.LineEntry(commitment.sov_lines[0].id, this_period=amount)
    assert claims.save_entries(claim, [entry], contact, submit=submit, signature=SIGNED if submit else None).ok
    return claim


def _taxed_board(world):  # type: ignore[no-untyped-def]
    """Ontario, HST 13%, 10% holdback.
    SC-001 submitted: 12,345.67 of work less 1,234.57 holdback = 11,111.10; HST 1,444.443 -> 1,444.44;
    due with tax 12,555.54.
    SC-002 in Draft: 1,000.00 less 100.00 = 900.00; HST 117.00; due with tax 1,017.00."""
    factories.ontario(world.project)
    return _claim(world, "SC-001", "12345.67", submit=True), _claim(world, "SC-002", "1000.00", submit=False)


def _row(html: str, number: str) -> str:
    match = re.search(rf'<tr id="row-\d+" data-commitment="{number}".*?</tr>', html, re.S)
    assert match, number
    return match.group(0)


def _due_cell(row: str) -> str:
    """The row's amount due: the cell before the % complete one."""
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    return unescape(cells[-2])


def test_the_rows_and_the_totals_show_the_amount_due_with_tax_as_the_claim_page_does(admin_client, world):
    submitted, _draft = _taxed_board(world)
    html = admin_client.get(billings_url(world)).get_data(as_text=True)
    assert _due_cell(_row(html, "SC-001")) == "$12,555.54"
    assert _due_cell(_row(html, "SC-002")) == "$1,017.00"
    assert 'data-total="due-submitted">$12,555.54</strong>' in html
    assert 'data-total="due-draft"><span class="tabular">$1,017.00</span>' in html
    assert "Amount due this period, with tax:" in html
    claim_page = unescape(admin_client.get(
        f"/projects/{world.project.id}/billings/claims/{submitted.id}").get_data(as_text=True))
    assert "$11,111.10" in claim_page and "$1,444.44" in claim_page and "$12,555.54" in claim_page


def test_an_untaxed_board_still_shows_line_8(admin_client, world):
    _claim(world, "SC-001", "12345.67", submit=True)
    html = admin_client.get(billings_url(world)).get_data(as_text=True)
    assert _due_cell(_row(html, "SC-001")) == "$11,111.10"
    assert 'data-total="due-submitted">$11,111.10</strong>' in html
    assert "Amount due this period:" in html and "with tax" not in html


def test_sorting_by_amount_due_sorts_by_the_amount_with_tax(admin_client, world):
    _taxed_board(world)
    html = admin_client.get(billings_url(world) + "?sort=due&dir=desc").get_data(as_text=True)
    assert re.findall(r'data-commitment="(SC-\d+)"', html) == ["SC-001", "SC-002"]


def test_the_board_exports_give_the_same_amount_due_with_tax(admin_client, world):
    _taxed_board(world)
    url = billings_url(world, suffix=f"/export.csv?period={world.period.id}")
    header, *rows = list(csv.reader(io.StringIO(admin_client.get(url).get_data().decode("utf-8-sig"))))
    assert header[-3:] == ["Current amount due before tax (CAD)", "Sales tax (CAD)", "Current amount due (CAD)"]
    assert [row[-3:] for row in rows] == [["11111.10", "1444.44", "12555.54"], ["900.00", "117.00", "1017.00"]]
    sheet = load_workbook(io.BytesIO(admin_client.get(
        billings_url(world, suffix=f"/export.xlsx?period={world.period.id}")).data)).active
    values = list(sheet.iter_rows(values_only=True))
    column = list(values[0]).index("Current amount due (CAD)")
    assert [D(str(r[column])) for r in values[1:3]] == [D("12555.54"), D("1017.00")]


def test_a_taxed_board_loads_in_as_many_statements_as_an_untaxed_one(app, admin_client, world):
    def statements() -> int:
        seen = []

        def one(*_args):  # type: ignore[no-untyped-def]
            seen.append(1)

        admin_client.get(billings_url(world))  # warm: the session's own look-ups settle
        page_cache(app).clear()
        event.listen(db.engine, "before_cursor_execute", one)
        try:
            assert admin_client.get(billings_url(world)).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", one)
        return len(seen)

    _claim(world, "SC-001", "12345.67", submit=True)
    untaxed = statements()
    factories.ontario(world.project)
    _claim(world, "SC-002", "1000.00", submit=False)
    assert statements() == untaxed
