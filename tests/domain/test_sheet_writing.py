"""Writing an export (domain/spreadsheet.py, `write_csv` and `write_xlsx`): what a spreadsheet program opens."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from domain.spreadsheet import MONEY, PERCENT, TEXT, SheetColumn, write_csv, write_xlsx

COLUMNS = [SheetColumn("Title", TEXT, 30), SheetColumn("Amount", MONEY), SheetColumn("%", PERCENT, 8)]


def _sheet(rows, title="Board"):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(write_xlsx(title, COLUMNS, rows))).active


@pytest.mark.parametrize("text", ["=1+1", "+44 20", "-dash", "@SUM(A1)", "\tTabbed", "\rReturn", "'=quoted"])
def test_text_that_starts_a_formula_is_written_as_text_with_a_quote(text):
    sheet = _sheet([[text, Decimal("1.00"), Decimal("0.0")]])
    cell = sheet["A2"]
    assert (cell.value, cell.data_type) == ("'" + text.replace("\r", "\n"), "s")  # XML reads a CR as a line break
    row = list(csv.reader(io.StringIO(write_csv(["Title"], [[text]]).decode("utf-8-sig"))))[1]
    assert row == ["'" + text]


def test_money_is_a_number_with_two_decimals_shown_and_a_negative_stays_a_number():
    sheet = _sheet([["Credit", Decimal("-1250.50"), Decimal("-12.5")], ["Big", Decimal("999999999999.99"), None]])
    assert (sheet["B2"].value, sheet["B2"].data_type, sheet["B2"].number_format) == (-1250.5, "n", "#,##0.00")
    assert (sheet["C2"].value, sheet["C2"].number_format) == (-12.5, "0.0")
    assert Decimal(str(sheet["B3"].value)) == Decimal("999999999999.99")
    assert sheet["C3"].value is None  # no figure: an empty cell, not 0
    assert write_csv(["a", "b"], [[Decimal("-1250.50"), None]]).decode("utf-8-sig").splitlines()[1] == "-1250.50,"


def test_the_header_is_bold_and_frozen_and_columns_have_widths():
    sheet = _sheet([["x", Decimal("1.00"), Decimal("1.0")]])
    assert [c.value for c in sheet[1]] == ["Title", "Amount", "%"]
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 30 and sheet.column_dimensions["C"].width == 8


def test_text_a_program_would_read_as_an_error_value_or_a_number_stays_text():
    sheet = _sheet([["#N/A", Decimal("0.00"), Decimal("0.0")], ["00123", Decimal("0.00"), Decimal("0.0")]])
    assert (sheet["A2"].value, sheet["A2"].data_type) == ("#N/A", "s")
    assert (sheet["A3"].value, sheet["A3"].data_type) == ("00123", "s")


def test_control_characters_an_xlsx_cannot_hold_are_left_out_and_a_bad_sheet_title_is_mended():
    sheet = _sheet([["Bell\x07 and NUL\x00", Decimal("0.00"), Decimal("0.0")]], title="Claims [1/2]: what? *" * 3)
    assert sheet["A2"].value == "Bell and NUL"
    assert len(sheet.title) <= 31 and not set("[]:*?/\\") & set(sheet.title)


def test_names_outside_latin_1_round_trip():
    names = ["Łódź Glazing Sp. z o.o.", "Société Générale de Vitrage", "Çelik Yapı", "東京建設"]
    sheet = _sheet([[n, Decimal("0.00"), Decimal("0.0")] for n in names])
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == names
    data = write_csv(["Vendor"], [[n] for n in names])
    assert data.startswith(b"\xef\xbb\xbf")
    assert [r[0] for r in csv.reader(io.StringIO(data.decode("utf-8-sig")))][1:] == names
