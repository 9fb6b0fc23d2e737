"""Spreadsheets in and out: CSV (UTF-8) and .xlsx, read as plain text, never a formula evaluated.

Reading is streamed: rows are read one at a time and the file is refused as soon as it has
more rows than allowed, so a 50,000-row upload costs about what its first 5,000 rows cost.
The file's kind is decided by its first bytes, not by its name.

A cell that starts with `=`, `+`, `-`, `@` (or a tab or carriage return) is a formula to a
spreadsheet program. Here it is only ever text: CSV gives it as written, and .xlsx is opened
with `data_only=False`, so a formula cell comes back as its formula text ("=B2*2"), which is
then simply not a number in a money column. Text written out goes through `neutralise`, so a
program that opens our export shows such a cell as text instead of running it.

Numbers in .xlsx: openpyxl gives a numeric cell as `int` or `float`. A float is turned into
text by `repr`, the shortest decimal that reads back as the same float; every decimal of at
most 15 significant digits (each amount a NUMERIC(14, 2) column holds, up to
999,999,999,999.99, is one) comes back exactly as it was written. A float with more digits,
such as 0.30000000000000004 from an unrounded calculation, keeps all of them and is then
refused by the money parser as having more than two decimals: never rounded silently, and no
float goes further than this module.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import warnings
import zipfile
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import BinaryIO

from flask_babel import gettext, ngettext

from domain.locales import N_
from domain.money import format_number

# What starts a formula in Excel, LibreOffice or Google Sheets; the full-width forms count in
# East Asian input modes.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

CSV_KIND, XLSX_KIND = "CSV", "XLSX"
SAVE_AS_UTF8 = N_("Save the file as CSV UTF-8 (in Excel: File > Save As > \u201cCSV UTF-8 (Comma delimited)\u201d) "
                "and upload it again.")
NOT_A_SPREADSHEET = N_("This file is not a CSV or Excel (.xlsx) spreadsheet. Upload a .csv or .xlsx file.")
EMPTY = N_("The file is empty.")
HEAD_BYTES = 64 * 1024
# An .xlsx is a zip archive; refuse one that would unpack to more than this (a zip bomb).
MAX_XLSX_UNPACKED = 100 * 1024 * 1024
# Blank rows do not count towards the row limit, but reading stops after this many rows of any kind.
BLANK_ROWS_PER_ROW = 4


class SpreadsheetRefused(Exception):
    """The file cannot be read as the table we want; the message tells the person what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Row:
    number: int  # the row number a spreadsheet program shows; the header is row 1
    cells: dict[str, str]  # column name -> text, stripped; "" for an empty cell
    extra: tuple[str, ...] = ()  # non-empty cells to the right of the last named column


@dataclass
class Table:
    kind: str  # CSV_KIND or XLSX_KIND
    columns: list[str]  # the file's columns, by their canonical names, in the file's order
    rows: list[Row] = field(default_factory=list)


# --- writing ------------------------------------------------------------------------------------


def neutralise(value: str) -> str:
    """The text with a quote before it when a spreadsheet program would read it as a formula.

    A text that already starts with quotes before a formula character gets one more, so that
    `unneutralise` gives back exactly what was written.
    """
    return "'" + value if value.lstrip("'").startswith(FORMULA_PREFIXES) else value


def unneutralise(value: str) -> str:
    """Undo `neutralise`, so that a file we exported imports back to the same text."""
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def looks_like_formula(value: str) -> bool:
    return value.lstrip("\t\r ").startswith(("=", "@", "\uff1d", "\uff20"))


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[str | Decimal | None]]) -> bytes:
    """UTF-8 CSV with a byte-order mark (so Excel reads it as UTF-8).

    Text is neutralised; a Decimal is written plainly ("1250.00", "-80.00"), as a number, since a
    number is not a formula; None is an empty cell.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in columns])
    for row in rows:
        writer.writerow(["" if v is None else format(v, "f") if isinstance(v, Decimal) else neutralise(v)
                         for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


TEXT, MONEY, PERCENT = "text", "money", "percent"
NUMBER_FORMATS = {MONEY: "#,##0.00", PERCENT: "0.0"}
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


def _xlsx_text(value: str) -> str:
    """Neutralised, and without the control characters an .xlsx cannot hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", neutralise(str(value)))


@dataclass(frozen=True)
class SheetColumn:
    header: str
    kind: str = TEXT  # TEXT, MONEY or PERCENT
    width: int = 16  # in characters, as Excel counts them


def write_xlsx(title: str, columns: Sequence[SheetColumn], rows: Iterable[Sequence[str | Decimal | None]]) -> bytes:
    """An .xlsx workbook of one sheet: a bold, frozen header row, then the rows.

    Money and percentages are numeric cells (openpyxl writes a Decimal as the number it is) with a
    number format; text is neutralised, so a cell never becomes a formula.
    """
    from openpyxl import Workbook  # imported here: only exports pay for loading it
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _SHEET_TITLE_FORBIDDEN.sub("-", title)[:31] or "Sheet"
    sheet.append([neutralise(c.header) for c in columns])
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for cell in sheet[1]:
        cell.font, cell.alignment = bold, wrap
    for row in rows:
        sheet.append([None if v is None else v if isinstance(v, Decimal) else _xlsx_text(v) for v in row])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        number_format = NUMBER_FORMATS.get(column.kind)
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
        else:  # "#N/A" and the like stay text too, not an error value
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                if cell.value is not None:
                    cell.data_type = "s"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading ------------------------------------------------------------------------------------


def column_name(header: str) -> str:
    """"Commitment Number" and "commitment_number" are the same column."""
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def read_table(stream: BinaryIO, *, columns: Sequence[str], required: Collection[str], max_rows: int) -> Table:
    """The file's rows as text by column; raises SpreadsheetRefused saying what is wrong with the file.

    The first row names the columns (any case). Blank rows are skipped. More than `max_rows`
    rows below the header is refused without reading the rest of the file.
    """
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    kind = sniff(head)
    source = _xlsx_rows(stream) if kind == XLSX_KIND else _csv_rows(stream)
    raw_rows = enumerate(source, start=1)
    try:
        # The header is the first row with anything in it (some sheets start with a blank row or two).
        header = next((cells for _, cells in raw_rows if any(cells)), None)
        if header is None:
            raise SpreadsheetRefused(gettext(EMPTY))
        table = Table(kind=kind, columns=_check_header(header, columns, required))
        _read_rows(table, raw_rows, max_rows)
    finally:
        source.close()  # stops reading, and closes the workbook
    if not table.rows:
        raise SpreadsheetRefused(gettext("The file has no rows below its header row: add one row per SOV line."))
    return table


def sniff(head: bytes) -> str:
    """CSV_KIND or XLSX_KIND, from the first bytes; SpreadsheetRefused for anything else."""
    if not head:
        raise SpreadsheetRefused(gettext(EMPTY))
    if head.startswith(b"PK\x03\x04"):
        return XLSX_KIND  # any other zip is refused once opened
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise SpreadsheetRefused(gettext("This is an old Excel 97\u20132003 (.xls) file. Save it as Excel Workbook "
                                         "(.xlsx) or as CSV UTF-8, and upload it again."))
    if head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")):
        raise SpreadsheetRefused(gettext(NOT_A_SPREADSHEET))
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_like_utf16(head):
        raise SpreadsheetRefused(gettext("This file is in UTF-16, not UTF-8.") + " " + gettext(SAVE_AS_UTF8))
    if re.search(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]", head):
        raise SpreadsheetRefused(gettext(NOT_A_SPREADSHEET))  # control characters: binary, not text
    return CSV_KIND


def _looks_like_utf16(head: bytes) -> bool:
    # Mostly-ASCII text in UTF-16 has a zero byte in every other place, and only there.
    sample = head[:512]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    return half > 0 and max(even, odd) >= half * 0.3 and min(even, odd) <= half * 0.05


def _read_rows(table: Table, raw_rows: Iterator[tuple[int, list[str]]], max_rows: int) -> None:
    width = len(table.columns)
    read, physical_limit = 0, max_rows * (1 + BLANK_ROWS_PER_ROW)
    too_many = gettext("The file has more than %(count)s rows. Import at most %(count)s rows at a time: split the "
                       "file and upload each part.", count=format_number(Decimal(max_rows), 0))
    for number, cells in raw_rows:
        read += 1
        if read > physical_limit:
            raise SpreadsheetRefused(too_many)
        if not any(cells):
            continue
        if len(table.rows) == max_rows:
            raise SpreadsheetRefused(too_many)
        padded = cells + [""] * (width - len(cells))
        table.rows.append(Row(number=number, cells=dict(zip(table.columns, padded[:width], strict=True)),
                              extra=tuple(c for c in cells[width:] if c)))


def _check_header(header: list[str], columns: Sequence[str], required: Collection[str]) -> list[str]:
    names = [column_name(h) for h in header]
    while names and not names[-1]:
        names.pop()
    expected = ", ".join(columns)
    if len(names) == 1 and ";" in names[0]:
        raise SpreadsheetRefused(gettext("The columns are separated by semicolons.") + " " + gettext(SAVE_AS_UTF8))
    if not names:
        raise SpreadsheetRefused(gettext("The first row must name the columns: %(columns)s.", columns=expected))
    if "" in names:
        position = names.index("") + 1
        raise SpreadsheetRefused(gettext("Column %(position)s of the first row has no name. The first row must name "
                                         "the columns: %(columns)s.", position=position, columns=expected))
    problems = []
    unknown = [header[i].strip() for i, n in enumerate(names) if n not in columns]
    if unknown:
        problems.append(gettext("The file has columns this import does not know: %(columns)s.",
                                columns=", ".join(unknown)))
    missing = [c for c in columns if c in required and c not in names]
    if missing:
        problems.append(ngettext("The file is missing the column %(columns)s.",
                                 "The file is missing the columns %(columns)s.", len(missing),
                                 columns=", ".join(missing)))
    twice = sorted({n for n in names if names.count(n) > 1 and n in columns})
    if twice:
        problems.append(gettext("These columns appear more than once: %(columns)s.", columns=", ".join(twice)))
    if problems:
        raise SpreadsheetRefused(" ".join([*problems, gettext("The columns are: %(columns)s.", columns=expected)]))
    return names


def _csv_rows(stream: BinaryIO) -> Iterator[list[str]]:
    # utf-8-sig drops a byte-order mark; newline="" lets csv see line breaks inside quoted cells.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    reader = csv.reader(text)
    failure = ""
    try:
        for cells in reader:
            if any("\x00" in c for c in cells):
                raise SpreadsheetRefused(gettext(NOT_A_SPREADSHEET))
            yield [c.strip() for c in cells]
    except UnicodeDecodeError:
        failure = "encoding"
    except csv.Error as error:
        failure = gettext("The file cannot be read as CSV near row %(row)s: %(error)s.", row=reader.line_num,
                          error=error)
    finally:
        text.detach()  # leave the caller's stream open
    if failure == "encoding":
        raise SpreadsheetRefused(gettext("This file is not UTF-8 text: row %(row)s has a character saved in another "
                                         "encoding (Latin-1 or Windows-1252, perhaps).",
                                         row=_first_line_not_utf8(stream)) + " " + gettext(SAVE_AS_UTF8))
    if failure:
        raise SpreadsheetRefused(failure)


def _first_line_not_utf8(stream: BinaryIO) -> int:
    # The text layer decodes ahead of the csv reader, so find the line again from the bytes.
    stream.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    for chunk in iter(lambda: stream.read(HEAD_BYTES), b""):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as error:
            return line + chunk[: max(error.start, 0)].count(b"\n")
        line += chunk.count(b"\n")
    return line


def _xlsx_rows(stream: BinaryIO) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    damaged = gettext("This .xlsx file cannot be read: it may be damaged. Open it in Excel and save it again, or "
                      "save it as CSV UTF-8.")
    try:
        with zipfile.ZipFile(stream) as archive:
            names = {i.filename for i in archive.infolist()}
            unpacked = sum(i.file_size for i in archive.infolist())
    except zipfile.BadZipFile:
        raise SpreadsheetRefused(damaged) from None
    if "xl/workbook.xml" not in names:
        raise SpreadsheetRefused(gettext(NOT_A_SPREADSHEET))
    if unpacked > MAX_XLSX_UNPACKED:
        raise SpreadsheetRefused(gettext("This .xlsx file is too large once unpacked. Save it as CSV UTF-8, or split "
                                         "it."))
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns of styles and extensions it skips
            workbook = load_workbook(stream, read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds (KeyError, XML errors) for a bad file
        raise SpreadsheetRefused(damaged) from None
    try:
        if not workbook.worksheets:
            raise SpreadsheetRefused(gettext("The workbook has no worksheet."))
        sheet = workbook.worksheets[0]
        try:
            for values in sheet.iter_rows(values_only=True):
                yield [cell_text(v) for v in values]
        except SpreadsheetRefused:
            raise
        except Exception:  # noqa: BLE001 - as above, while the sheet streams
            raise SpreadsheetRefused(damaged) from None
    finally:
        workbook.close()


def cell_text(value: object) -> str:
    """An .xlsx cell's value as the text it was written as (see the module's note on numbers)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    formula = getattr(value, "text", None)  # openpyxl's ArrayFormula keeps its formula in .text
    if isinstance(formula, str):
        return formula.strip()
    return "=" + type(value).__name__  # another kind of formula (a data table): text, not a number
