"""Spreadsheet downloads (issue 14, Exports): the board of a period and a claim's lines as CSV and Excel,
for each role, read back with the csv module and openpyxl and compared with what the pages show."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from domain import board as boards
from domain import claims
from domain.models import (
    AccessLevel,
    Claim,
    ClaimStatus,
    Commitment,
    PeriodStatus,
    Project,
    ProjectPermission,
    User,
    db,
)
from tests import factories
from tests.helpers import billings_url

D = Decimal
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Setup:
    world: factories.World
    contact: User  # Keystone's contact: SC-001 and its claims
    other_contact: User  # the Łódź vendor's contact: the private SC-003 only
    concrete: Commitment  # SC-001, a claim in this period after an Approved one in the period before
    formula: Commitment  # SC-002, title and vendor that a spreadsheet would run as formulas
    private: Commitment  # SC-003, private; only Admins and its contact see it
    claim: Claim  # SC-001's claim of this period
    private_claim: Claim


def _claim(commitment: Commitment, period, admin: User, amounts: dict[int, tuple[str, str]]) -> Claim:  # type: ignore[no-untyped-def]
    claim = claims.start_claim(commitment, period, admin)
    sov = commitment.sov_lines
    entered = claims.save_entries(claim, [claims.LineEntry(sov[i].id, this_period=e, stored=s)
                                          for i, (e, s) in amounts.items()], admin)
    assert entered.ok, (entered.errors, entered.claim_error)
    return claim


@pytest.fixture
def setup(world) -> Setup:
    keystone = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    lodz = factories.vendor("Łódź Glazing Sp. z o.o.", "zofia@lodz.example")
    formulas = factories.vendor("@SUM(1)", "ops@formula.example")
    concrete = factories.commitment(world.project, keystone, number="SC-001", title="Concrete – Béton")
    formula = factories.commitment(world.project, formulas, number="SC-002", title='=HYPERLINK("x")')
    private = factories.commitment(world.project, lodz, number="SC-003", title="Façade glazing", private=True)
    earlier = factories.period(world.project, number=0, start=world.period.start_date - timedelta(days=60),
                               status=PeriodStatus.CLOSED)
    db.session.commit()
    approved = _claim(concrete, earlier, world.admin, {0: ("10000.00", "0.00")})
    approved.status = ClaimStatus.APPROVED  # the review itself is tested elsewhere
    db.session.commit()
    # This period: line 1 corrected down (a negative amount this period), line 2 with stored materials.
    claim = _claim(concrete, world.period, world.admin, {0: ("-2000.00", "0.00"), 1: ("5000.00", "1250.50")})
    private_claim = _claim(private, world.period, world.admin, {0: ("3333.33", "0.00")})
    return Setup(world, keystone.default_claim_contact, lodz.default_claim_contact, concrete, formula, private,
                 claim, private_claim)


def _csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, so Excel reads accents right"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _xlsx(response):  # type: ignore[no-untyped-def]
    assert response.mimetype == XLSX_TYPE
    return load_workbook(io.BytesIO(response.get_data())).active


def _board_url(world, kind: str, **args: object) -> str:  # type: ignore[no-untyped-def]
    query = "&".join(f"{k}={v}" for k, v in {"period": world.period.id, **args}.items())
    return billings_url(world, suffix=f"/export.{kind}?{query}")


def _lines_url(setup: Setup, kind: str, claim: Claim | None = None) -> str:
    return billings_url(setup.world, suffix=f"/claims/{(claim or setup.claim).id}/lines.{kind}")


def _board_figures(world, user: User, level: AccessLevel, status: str | None = None) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """The board's rows as the page has them, as text the CSV should hold."""
    board = boards.load_board(world.project, user, level, period_id=world.period.id, status_filter=status)
    out = []
    for row in board.rows:
        claim = row.claim
        out.append([row.commitment.number, row.commitment.title, row.commitment.vendor.name, row.invite_label,
                    str(claim.number) if claim else "", claim.status.value if claim else "",
                    f"{row.scheduled_value:.2f}", f"{row.to_date:.2f}", f"{row.percent_complete}",
                    f"{claim.current_amount_due:.2f}" if claim else ""])
    return out


BOARD_PICK = (0, 1, 2, 4, 5, 6, 7, 11, 12, 15)  # number, title, vendor, invite, claim #, status, C, G, %, due


# --- the board --------------------------------------------------------------------------------------------


def test_the_board_as_csv_holds_the_rows_and_figures_the_board_shows(client, auth, setup):
    world = setup.world
    auth.sign_in(world.admin.email)
    response = client.get(_board_url(world, "csv"))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    month = world.period.end_date.strftime("%Y-%m")
    assert f"filename=P-1_billings_{month}.csv" in response.headers["Content-Disposition"]
    header, *rows = _csv(response)
    assert header == ["Number", "Title", "Vendor", "Progress Claim Contacts", "Invite", "Progress Claim #",
                      "Progress Claim status", "Scheduled value (USD)", "Previous (USD)", "This period (USD)",
                      "Stored (USD)", "To date (USD)", "% complete", "Balance to finish (USD)", "Retention (USD)",
                      "Current amount due (USD)"]
    assert [[r[i] for i in BOARD_PICK] for r in rows] == [
        [("'" + v) if v.startswith(("=", "@")) else v for v in row]
        for row in _board_figures(world, world.admin, AccessLevel.ADMIN)]
    by_number = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    concrete = by_number["SC-001"]
    # D + E of the Approved claim before, then -2,000.00 and 5,000.00 this period and 1,250.50 stored.
    assert (concrete["Scheduled value (USD)"], concrete["Previous (USD)"], concrete["This period (USD)"],
            concrete["Stored (USD)"], concrete["To date (USD)"], concrete["Balance to finish (USD)"]) == (
        "150000.00", "10000.00", "3000.00", "1250.50", "14250.50", "135749.50")
    assert concrete["% complete"] == "9.5"
    assert concrete["Retention (USD)"] == f"{setup.claim.retention_total:.2f}" == "1425.05"
    assert concrete["Current amount due (USD)"] == f"{setup.claim.current_amount_due:.2f}"
    assert concrete["Progress Claim Contacts"] == "Maria"
    # a row without a claim: what was billed before, no claim figures
    formula = by_number["SC-002"]
    assert (formula["Progress Claim #"], formula["Previous (USD)"], formula["Current amount due (USD)"]) == ("", "", "")
    assert formula["To date (USD)"] == "0.00" and formula["Balance to finish (USD)"] == "150000.00"


def test_a_negative_amount_is_a_number_not_text(client, auth, setup):
    world = setup.world
    auth.sign_in(world.admin.email)
    header, *rows = _csv(client.get(_lines_url(setup, "csv")))
    assert rows[0][4] == "-2000.00"  # E of line 1: a number, not neutralised into text
    sheet = _xlsx(client.get(_lines_url(setup, "xlsx")))
    cell = sheet.cell(row=2, column=5)
    assert cell.data_type == "n" and cell.value == -2000 and cell.number_format == "#,##0.00"


def test_the_board_as_excel_has_numeric_money_a_frozen_header_and_the_same_figures(client, auth, setup):
    world = setup.world
    auth.sign_in(world.admin.email)
    response = client.get(_board_url(world, "xlsx"))
    assert response.status_code == 200
    assert f"P-1_billings_{world.period.end_date:%Y-%m}.xlsx" in response.headers["Content-Disposition"]
    sheet = _xlsx(response)
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b
    assert sheet.column_dimensions["B"].width >= 30  # titles are readable without resizing
    csv_header, *csv_rows = _csv(client.get(_board_url(world, "csv")))
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == csv_header
    for xlsx_row, csv_row in zip(values[1:], csv_rows, strict=True):
        for column, (value, text) in enumerate(zip(xlsx_row, csv_row, strict=True)):
            if column >= 7:  # money and %: numbers, equal to the CSV's text to the cent
                assert value is None if text == "" else D(str(value)) == D(text), (column, value, text)
            else:
                assert (value or "") == text
    money_cell = sheet.cell(row=2, column=8)
    assert money_cell.data_type == "n" and money_cell.number_format == "#,##0.00"
    assert sheet.cell(row=2, column=13).number_format == "0.0"


def test_text_that_a_spreadsheet_would_run_comes_back_as_text(client, auth, setup):
    world = setup.world
    auth.sign_in(world.admin.email)
    rows = _csv(client.get(_board_url(world, "csv")))
    formula = next(r for r in rows if r[0] == "SC-002")
    assert formula[1] == "'=HYPERLINK(\"x\")" and formula[2] == "'@SUM(1)"
    sheet = _xlsx(client.get(_board_url(world, "xlsx")))
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "SC-002")
    assert (row[1].value, row[1].data_type) == ("'=HYPERLINK(\"x\")", "s")
    assert (row[2].value, row[2].data_type) == ("'@SUM(1)", "s")


def test_names_outside_ascii_come_back_as_they_are(client, auth, setup):
    world = setup.world
    auth.sign_in(world.admin.email)
    rows = _csv(client.get(_board_url(world, "csv")))
    assert ["SC-003", "Façade glazing", "Łódź Glazing Sp. z o.o."] in [r[:3] for r in rows]
    assert "Concrete – Béton" in [r[1] for r in rows]
    sheet = _xlsx(client.get(_board_url(world, "xlsx")))
    assert ("SC-003", "Façade glazing", "Łódź Glazing Sp. z o.o.") in [r[:3] for r in sheet.iter_rows(values_only=True)]


def test_the_export_follows_the_filter_of_the_board(client, auth, setup):
    world = setup.world
    auth.sign_in(world.admin.email)
    _, *rows = _csv(client.get(_board_url(world, "csv", status="claim_draft")))
    assert [r[0] for r in rows] == ["SC-001", "SC-003"]
    _, *rows = _csv(client.get(_board_url(world, "csv", status="not_invited")))
    assert [r[0] for r in rows] == ["SC-001", "SC-002", "SC-003"]


@pytest.mark.parametrize("who, level, numbers", [
    ("admin", AccessLevel.ADMIN, ["SC-001", "SC-002", "SC-003"]),
    ("standard", AccessLevel.STANDARD, ["SC-001", "SC-002"]),
    ("readonly", AccessLevel.READ_ONLY, ["SC-001", "SC-002"]),
])
def test_each_role_exports_what_it_sees_and_no_private_rows_it_is_not_listed_on(client, auth, setup, who, level,
                                                                                 numbers):
    world = setup.world
    user = getattr(world, who)
    auth.sign_in(user.email)
    for kind in ("csv", "xlsx"):
        assert client.get(_board_url(world, kind)).status_code == 200
    _, *rows = _csv(client.get(_board_url(world, "csv")))
    assert [r[0] for r in rows] == numbers
    assert [r[0] for r in rows] == [r[0] for r in _board_figures(world, user, level)]
    sheet = _xlsx(client.get(_board_url(world, "xlsx")))
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == numbers
    assert "Façade" not in client.get(_board_url(world, "csv")).get_data(as_text=True) or who == "admin"


def test_a_user_on_the_private_list_gets_the_private_row(client, auth, setup):
    world = setup.world
    setup.private.private_users.append(world.readonly)
    db.session.commit()
    auth.sign_in(world.readonly.email)
    _, *rows = _csv(client.get(_board_url(world, "csv")))
    assert [r[0] for r in rows] == ["SC-001", "SC-002", "SC-003"]


def test_no_board_export_for_a_project_one_cannot_see_or_a_foreign_period(client, auth, setup):
    world = setup.world
    auth.sign_in(world.nobody.email)  # None on the project
    assert client.get(_board_url(world, "csv")).status_code == 404
    auth.switch(setup.contact.email)  # a contact is no project member
    assert client.get(_board_url(world, "xlsx")).status_code == 404
    auth.switch(world.admin.email)
    assert client.get(billings_url(world, suffix="/export.pdf")).status_code == 404
    assert client.get(f"/projects/{world.project.id + 99}/billings/export.csv").status_code == 404


def test_signed_out_the_export_asks_to_sign_in(client, setup):
    response = client.get(_board_url(setup.world, "csv"))
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_board_export_takes_the_same_statements_for_one_commitment_as_for_ten(client, auth, world):
    vendor = factories.vendor("Keystone Concrete Co.")
    admin = world.admin
    counts = {}
    for start, n in ((1, 1), (2, 9)):
        for i in range(start, start + n):
            commitment = factories.commitment(world.project, vendor, number=f"SC-{i:03d}")
            db.session.commit()
            _claim(commitment, world.period, admin, {0: ("100.00", "10.00")})
        auth.sign_in(admin.email)
        counts[start + n - 1] = _statements(client, _board_url(world, "xlsx"))
        auth.sign_out()
    assert counts[1] == counts[10], counts


def _statements(client, url: str) -> int:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def counter(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    assert response.status_code == 200
    return len(seen)


# --- a claim's lines --------------------------------------------------------------------------------------


def _g703(claim: Claim) -> list[list[str]]:
    """The claim's G703 figures as the claim page has them, as CSV text."""
    lines, totals = claims.figures(claim)
    out = []
    for sov, f in zip(claim.commitment.sov_lines, lines, strict=True):
        out.append([sov.cost_code, sov.description] + [f"{v:.2f}" for v in (
            f.scheduled_value, f.previous, f.this_period, f.stored, f.completed_and_stored)]
            + [str(f.percent_complete), f"{f.balance_to_finish:.2f}", f"{f.retention:.2f}"])
    out.append(["", "Totals"] + [f"{v:.2f}" for v in (
        totals.contract_sum_to_date, totals.work_completed_to_date - totals.this_period, totals.this_period,
        totals.stored, totals.total_completed_and_stored)]
        + [str(totals.percent_complete), f"{totals.balance_to_finish:.2f}", f"{totals.retention_total:.2f}"])
    return out


def test_a_claims_lines_as_csv_are_its_g703_figures_with_a_totals_row(client, auth, setup):
    auth.sign_in(setup.world.admin.email)
    response = client.get(_lines_url(setup, "csv"))
    assert response.status_code == 200
    month = setup.world.period.end_date.strftime("%Y-%m")
    assert f"filename=P-1_SC-001_claim-2_{month}.csv" in response.headers["Content-Disposition"]
    header, *rows = _csv(response)
    assert header == ["Item (A)", "Description (B)", "Scheduled value (C) (USD)", "Previous (D) (USD)",
                      "This period (E) (USD)", "Stored (F) (USD)", "Completed and stored to date (G) (USD)", "% (G/C)",
                      "Balance to finish (H) (USD)", "Retention (I) (USD)"]
    assert rows == _g703(setup.claim)
    assert rows[0][2:7] == ["100000.00", "10000.00", "-2000.00", "0.00", "8000.00"]
    assert rows[-1][1:7] == ["Totals", "150000.00", "10000.00", "3000.00", "1250.50", "14250.50"]


def test_a_claims_lines_as_excel_are_numbers_equal_to_the_csv(client, auth, setup):
    auth.sign_in(setup.world.readonly.email)  # Read Only sees the claim, so may download it
    response = client.get(_lines_url(setup, "xlsx"))
    assert response.status_code == 200
    assert f"P-1_SC-001_claim-2_{setup.world.period.end_date:%Y-%m}.xlsx" in response.headers["Content-Disposition"]
    sheet = _xlsx(response)
    assert sheet.freeze_panes == "A2"
    values = list(sheet.iter_rows(values_only=True))
    expected = _g703(setup.claim)
    assert len(values) == 1 + len(expected)
    for got, want in zip(values[1:], expected, strict=True):
        assert (got[0] or "", got[1]) == (want[0], want[1])
        assert [D(str(v)) for v in got[2:]] == [D(w) for w in want[2:]]
    assert all(sheet.cell(row=r, column=3).number_format == "#,##0.00" for r in range(2, len(values) + 1))


@pytest.mark.parametrize("who", ["admin", "standard", "readonly"])
def test_staff_who_see_the_claim_download_its_lines(client, auth, setup, who):
    auth.sign_in(getattr(setup.world, who).email)
    for kind in ("csv", "xlsx"):
        assert client.get(_lines_url(setup, kind)).status_code == 200


@pytest.mark.parametrize("who", ["standard", "readonly", "nobody"])
def test_a_private_claims_lines_are_not_found_for_staff_not_on_its_private_list(client, auth, setup, who):
    auth.sign_in(getattr(setup.world, who).email)
    assert client.get(_lines_url(setup, "csv", setup.private_claim)).status_code == 404


def test_a_claim_of_another_project_is_not_found(client, auth, setup):
    world = setup.world
    other = Project(number="P-2", name="Elsewhere", address="2 Elm St")
    db.session.add(other)
    db.session.add(ProjectPermission(project=other, user=world.readonly, level=AccessLevel.READ_ONLY))
    db.session.commit()
    auth.sign_in(world.admin.email)
    assert client.get(f"/projects/{other.id}/billings/claims/{setup.claim.id}/lines.csv").status_code == 404
    unknown = setup.claim.id + 99
    assert client.get(f"/projects/{world.project.id}/billings/claims/{unknown}/lines.csv").status_code == 404


def test_the_contact_downloads_their_own_claims_lines_in_the_portal(client, auth, setup):
    auth.sign_in(setup.contact.email)
    response = client.get(f"/portal/claims/{setup.claim.id}/lines.csv")
    assert response.status_code == 200
    assert _csv(response)[1:] == _g703(setup.claim)
    response = client.get(f"/portal/claims/{setup.claim.id}/lines.xlsx")
    assert response.status_code == 200 and _xlsx(response)["B2"].value == "Line 1"
    # ... and nothing else: another contact's claim, the staff route, an unknown id
    assert client.get(f"/portal/claims/{setup.private_claim.id}/lines.csv").status_code == 404
    assert client.get(_lines_url(setup, "csv")).status_code == 404
    assert client.get(f"/portal/claims/{setup.claim.id + 99}/lines.xlsx").status_code == 404


def test_another_contact_gets_404_for_a_claim_that_is_not_theirs(client, auth, setup):
    auth.sign_in(setup.other_contact.email)
    assert client.get(f"/portal/claims/{setup.claim.id}/lines.csv").status_code == 404
    assert client.get(f"/portal/claims/{setup.private_claim.id}/lines.csv").status_code == 200


def test_staff_get_404_on_the_portals_download(client, auth, setup):
    auth.sign_in(setup.world.admin.email)
    assert client.get(f"/portal/claims/{setup.claim.id}/lines.csv").status_code == 404


# --- the links ----------------------------------------------------------------------------------------------


def test_the_pages_link_their_downloads_as_csv_and_excel(client, auth, setup):
    world = setup.world
    auth.sign_in(world.readonly.email)
    board = client.get(billings_url(world, suffix=f"?period={world.period.id}&status=claim_draft")).get_data(True)
    assert f'href="/projects/{world.project.id}/billings/export.csv?period={world.period.id}&amp;status=claim_draft"' \
        in board
    assert ">Excel</a>" in board and ">CSV</a>" in board
    page = client.get(billings_url(world, suffix=f"/claims/{setup.claim.id}")).get_data(as_text=True)
    assert f'href="/projects/{world.project.id}/billings/claims/{setup.claim.id}/lines.xlsx"' in page
    auth.switch(setup.contact.email)
    page = client.get(f"/portal/claims/{setup.claim.id}").get_data(as_text=True)
    assert f'href="/portal/claims/{setup.claim.id}/lines.csv"' in page and ">Excel</a>" in page


def test_a_claim_with_no_lines_exports_its_header_and_a_totals_row_of_zeros(client, auth, world):
    empty = factories.commitment(world.project, factories.vendor(), number="SC-010", lines=())
    db.session.commit()
    claim = claims.start_claim(empty, world.period, world.admin)
    auth.sign_in(world.admin.email)
    _, *rows = _csv(client.get(billings_url(world, suffix=f"/claims/{claim.id}/lines.csv")))
    assert rows == [["", "Totals", "0.00", "0.00", "0.00", "0.00", "0.00", "0.0", "0.00", "0.00"]]
    response = client.get(billings_url(world, suffix=f"/claims/{claim.id}/lines.xlsx"))
    assert [r[1] for r in _xlsx(response).iter_rows(values_only=True)] == ["Description (B)", "Totals"]
