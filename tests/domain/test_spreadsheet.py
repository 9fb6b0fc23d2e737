"""Spreadsheets in and out: neutralising formulas, reading CSV and .xlsx as text, refusing what is not a table."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.worksheet.formula import ArrayFormula

from domain.money import MAX_AMOUNT, parse_money
from domain.spreadsheet import (
    SpreadsheetRefused,
    cell_text,
    column_name,
    looks_like_formula,
    neutralise,
    read_table,
    sniff,
    unneutralise,
    write_csv,
)

COLUMNS = ("number", "title", "amount")


def _read(data: bytes, *, required=COLUMNS, max_rows: int = 100):  # type: ignore[no-untyped-def]
    return read_table(io.BytesIO(data), columns=COLUMNS, required=required, max_rows=max_rows)


def _refused(data: bytes, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(SpreadsheetRefused) as refused:
        _read(data, **kwargs)
    return refused.value.message


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- neutralise -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "written"), [
    ("=HYPERLINK(\"http://evil.example\",\"Click\")", "'=HYPERLINK(\"http://evil.example\",\"Click\")"),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1+2", "'\t=1+2"),
    ("\r=1+2", "'\r=1+2"),
    ("\uff1d1+2", "'\uff1d1+2"),  # a full-width equals sign
    ("'=already quoted", "''=already quoted"),
    ("Concrete forming", "Concrete forming"),
    ("03 30 00", "03 30 00"),
    ("Rock 'n' roll", "Rock 'n' roll"),
    ("'quoted", "'quoted"),
    ("a=b", "a=b"),
    ("", ""),
])
def test_neutralise_quotes_what_a_spreadsheet_would_run(value: str, written: str) -> None:
    assert neutralise(value) == written
    assert unneutralise(written) == value


@given(st.text())
def test_unneutralise_gives_back_what_was_neutralised(value: str) -> None:
    assert unneutralise(neutralise(value)) == value
    assert not neutralise(value).startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize(("value", "formula"), [
    ("=B2*2", True), ("@SUM(A1)", True), ("\t=1", True), ("-100", False), ("+100", False), ("100", False), ("", False),
])
def test_looks_like_formula(value: str, formula: bool) -> None:
    assert looks_like_formula(value) is formula


def test_write_csv_is_utf8_with_bom_amounts_plain_and_text_neutralised() -> None:
    data = write_csv(["name", "value"], [["=cmd", Decimal("1250.00")], ["Caf\u00e9, \"Bar\"", Decimal("-5.50")]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").split("\r\n") == [
        "name,value", "'=cmd,1250.00", "\"Caf\u00e9, \"\"Bar\"\"\",-5.50", ""]


# --- cell values from .xlsx ---------------------------------------------------------------------


@pytest.mark.parametrize(("value", "text"), [
    (None, ""),
    ("  Concrete  ", "Concrete"),
    ("=SUM(B2:B3)", "=SUM(B2:B3)"),
    (1001, "1001"),
    (True, "TRUE"),
    (1250.1, "1250.1"),
    (0.1, "0.1"),
    (186500.0, "186500.0"),
    (12345678901.23, "12345678901.23"),
    (999999999999.99, "999999999999.99"),
    (1e-05, "0.00001"),
    (1e16, "10000000000000000"),
    (0.1 + 0.2, "0.30000000000000004"),  # kept whole, so the money parser refuses it instead of rounding
    (datetime(2026, 3, 1), "2026-03-01"),
    (date(2026, 3, 1), "2026-03-01"),
    (ArrayFormula("A1:A1", "=SUM(B1:B3)"), "=SUM(B1:B3)"),
])
def test_cell_text_is_what_was_written(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_a_float_artefact_is_refused_not_rounded() -> None:
    with pytest.raises(ValueError, match="at most two decimals"):
        parse_money(cell_text(0.1 + 0.2))


@given(st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2, allow_nan=False, allow_infinity=False))
def test_every_amount_comes_back_exactly_from_a_float_cell(amount: Decimal) -> None:
    # Excel keeps a typed amount as a double; reading it back must give the same cents.
    assert parse_money(cell_text(float(amount))) == amount


# --- reading --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "name"), [
    ("commitment_number", "commitment_number"), ("Commitment Number", "commitment_number"),
    ("  COST-CODE ", "cost_code"), ("Scheduled_Value", "scheduled_value"),
])
def test_column_names_ignore_case_and_spacing(header: str, name: str) -> None:
    assert column_name(header) == name


def test_csv_rows_by_column_with_spreadsheet_row_numbers() -> None:
    data = ("\ufeffNumber,TITLE,Amount\r\n"
            "SC-1,\"Forming, and \"\"stripping\"\"\",100.00\r\n"
            "\r\n"
            ",,\r\n"
            "SC-2,\"Two\nlines\",  =A1 \r\n"
            "SC-3,Short\r\n"
            "SC-4,Wide,1,,extra\r\n").encode()
    table = _read(data)
    assert table.kind == "CSV" and table.columns == ["number", "title", "amount"]
    assert [(r.number, r.cells, r.extra) for r in table.rows] == [
        (2, {"number": "SC-1", "title": "Forming, and \"stripping\"", "amount": "100.00"}, ()),
        (5, {"number": "SC-2", "title": "Two\nlines", "amount": "=A1"}, ()),
        (6, {"number": "SC-3", "title": "Short", "amount": ""}, ()),
        (7, {"number": "SC-4", "title": "Wide", "amount": "1"}, ("extra",)),
    ]


def test_optional_columns_may_be_left_out() -> None:
    table = _read(b"number,title\nSC-1,A\n", required=("number", "title"))
    assert table.columns == ["number", "title"] and table.rows[0].cells == {"number": "SC-1", "title": "A"}


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty."),
    (b"\n\n,,\n", "The file is empty."),
    (b"number,title,amount\n", "The file has no rows below its header row"),
    (b"number,title,amount,colour\n1,a,1,red\n",
     "The file has columns this import does not know: colour. The columns are: number, title, amount."),
    (b"number,title\n1,a\n", "The file is missing the column amount."),
    (b"number\n1\n", "The file is missing the columns title, amount."),
    (b"number,Title,title,amount\n1,a,b,1\n", "These columns appear more than once: title."),
    (b"number,,title,amount\n", "Column 2 of the first row has no name."),
    (b"number;title;amount\n1;a;1\n", "The columns are separated by semicolons. Save the file as CSV UTF-8"),
])
def test_bad_tables_are_refused_with_what_to_do(data: bytes, message: str) -> None:
    assert message in _refused(data)


@pytest.mark.parametrize("data", [
    "number,title,amount\n1,Caf\u00e9,1\n".encode("utf-16"),  # with a byte-order mark
    "number,title,amount\n1,Caf\u00e9,1\n".encode("utf-16-le"),  # without
])
def test_utf16_is_refused(data: bytes) -> None:
    message = _refused(data)
    assert "UTF-16" in message and "Save the file as CSV UTF-8" in message


def test_latin1_is_refused_naming_the_row() -> None:
    data = ("number,title,amount\n" + "1,plain,1\n" * 3000 + "2,Caf\u00e9,1\n").encode("latin-1")
    message = _refused(data, max_rows=5000)
    assert "not UTF-8 text: row 3002 " in message and "Save the file as CSV UTF-8" in message


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n1 0 obj <<>> endobj\n",
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 32,
    b"MZ\x90\x00\x03\x00\x00\x00",
    b"number,title,amount\n1,a\x00b,1\n",
])
def test_what_is_not_text_is_refused(data: bytes) -> None:
    assert _refused(data) == "This file is not a CSV or Excel (.xlsx) spreadsheet. Upload a .csv or .xlsx file."


def test_old_excel_and_other_zips_are_refused() -> None:
    assert "old Excel 97" in _refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    assert "not a CSV or Excel" in _refused(buffer.getvalue())
    assert "cannot be read: it may be damaged" in _refused(b"PK\x03\x04 not really a zip")


def test_sniff_decides_by_content() -> None:
    assert sniff(b"number,title\n") == "CSV"
    assert sniff(_xlsx([["a"]])[:16]) == "XLSX"


class CountingStream(io.BytesIO):
    """A file that counts how much of it was read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def read1(self, size: int = -1) -> bytes:
        chunk = super().read1(size)
        self.bytes_read += len(chunk)
        return chunk

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        count = super().readinto(buffer)
        self.bytes_read += count
        return count


def test_too_many_rows_stops_reading_at_the_limit() -> None:
    data = b"number,title,amount\n" + b"SC-001,Concrete foundations and slabs,186500.00\n" * 50_000
    stream = CountingStream(data)
    with pytest.raises(SpreadsheetRefused, match="more than 5,000 rows"):
        read_table(stream, columns=COLUMNS, required=COLUMNS, max_rows=5000)
    assert stream.bytes_read < len(data) / 5


@pytest.mark.parametrize(("rows", "refused"), [(3, False), (4, True)])
def test_the_row_limit_counts_rows_with_something_in_them(rows: int, refused: bool) -> None:
    data = b"number,title,amount\n" + b",,\n" * 2 + b"1,a,1\n" * rows
    if refused:
        assert "more than 3 rows" in _refused(data, max_rows=3)
    else:
        assert len(_read(data, max_rows=3).rows) == 3


def test_blank_rows_cannot_hide_a_huge_file() -> None:
    assert "more than 3 rows" in _refused(b"number,title,amount\n" + b",,\n" * 1000, max_rows=3)


def test_xlsx_formulas_are_text_and_numbers_exact() -> None:
    data = _xlsx([
        [None],
        ["Number", "TITLE", "amount"],
        ["SC-1", "=HYPERLINK(\"http://evil.example\")", 186500.25],
        [1001, "@cmd", "=B3*2"],
        [None, None, None],
        ["SC-3", "Plain", 0.1],
    ])
    table = _read(data)
    assert table.kind == "XLSX"
    assert [(r.number, r.cells) for r in table.rows] == [
        (3, {"number": "SC-1", "title": "=HYPERLINK(\"http://evil.example\")", "amount": "186500.25"}),
        (4, {"number": "1001", "title": "@cmd", "amount": "=B3*2"}),
        (6, {"number": "SC-3", "title": "Plain", "amount": "0.1"}),
    ]


def test_xlsx_wrong_columns_and_row_limit() -> None:
    assert "missing the column amount" in _refused(_xlsx([["number", "title"], [1, "a"]]))
    assert "more than 2 rows" in _refused(_xlsx([list(COLUMNS)] + [[1, "a", 1]] * 10), max_rows=2)
