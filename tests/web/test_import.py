"""Import commitments from a spreadsheet: upload, preview, confirm; what is refused; export and sample; who may."""

from __future__ import annotations

import csv
import html
import io
import re
import time
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from domain import importer, upload_stash
from domain.models import (
    AccessLevel,
    AuditEvent,
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Project,
    ProjectPermission,
    SovLine,
    SovStatus,
    db,
)
from domain.money import from_cents, sum_cents
from tests import factories
from tests.helpers import count, import_url

COLUMNS = list(importer.COLUMNS)
HEADER = ",".join(COLUMNS)


@pytest.fixture
def config_overrides(tmp_path: Path) -> dict[str, object]:
    return {"IMPORT_FOLDER": str(tmp_path / "imports")}


@pytest.fixture
def vendors(world):  # type: ignore[no-untyped-def]
    names = ["Keystone Concrete Co.", "Brightline Electric LLC", "Summit Mechanical Inc.", "Pacific Plumbing Supply"]
    made = [factories.vendor(name, f"contact@{name.split()[0].lower()}.example") for name in names]
    db.session.commit()
    return made


def _csv(rows: list[list[str]], header: list[str] | None = None, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header or COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def _upload(client, world, data: bytes, name: str = "commitments.csv"):  # type: ignore[no-untyped-def]
    return client.post(import_url(world), data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _preview(client, world, data: bytes, name: str = "commitments.csv") -> str:  # type: ignore[no-untyped-def]
    """Upload a file without problems; the preview's address."""
    response = _upload(client, world, data, name)
    assert response.status_code == 303, _text(response)
    return response.headers["Location"]


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def _problems(page: str) -> list[tuple[int, str, str]]:
    """(row, column, problem) of each item of the preview's list of problems."""
    listing = page[page.index('id="import-problems"'):]
    listing = listing[:listing.index("</ol>")]
    items = re.findall(r"Row (\d+)</div>\s*<div[^>]*><code>(.*?)</code>.*?</div>\s*"
                       r"<div class=\"col-12 col-md-7\">(.*?)</div>", listing, re.S)
    return [(int(row), column, message) for row, column, message in items]


def _nothing_written() -> None:
    assert count(Commitment) == 0 and count(SovLine) == 0 and count(AuditEvent) == 0


def _line(number: str, cost_code: str, value: str, *, kind: str = "Subcontract", title: str = "Concrete works",
          vendor: str = "Keystone Concrete Co.", status: str = "Approved", retention: str = "10",
          description: str = "Concrete forming") -> list[str]:
    return [number, kind, title, vendor, status, retention, cost_code, description, value]


# --- the whole way through ------------------------------------------------------------------------


def _realistic_file(vendor_names: list[str]) -> tuple[bytes, dict[str, Decimal], int]:
    """200 commitments of 1 to 6 lines each, as a contractor's spreadsheet would have them."""
    trades = [("03 30 00", "Cast-in-place concrete"), ("05 12 00", "Structural steel framing"),
              ("09 21 16", "Gypsum board assemblies"), ("23 31 00", "HVAC ducts and casings"),
              ("26 05 00", "Common work results for electrical"), ("22 41 00", "Plumbing fixtures")]
    statuses = ["Approved", "Draft", "Out for Signature", "approved", "Complete"]
    rows, totals = [], {}
    for n in range(1, 201):
        purchase_order = n % 7 == 0
        number = f"PO-{n:03d}" if purchase_order else f"SC-{n:03d}"
        kind = "Purchase Order" if purchase_order else "Subcontract"
        total = Decimal("0.00")
        for i in range(1 + n % 6):
            code, description = trades[(n + i) % len(trades)]
            value = Decimal(1000 * n + 137 * i) + Decimal(n % 100) / 100
            total += value
            first = i == 0
            rows.append([number, kind if first or n % 3 else "", f"Package {n}: {trades[n % 6][1].lower()}",
                         vendor_names[n % len(vendor_names)], statuses[n % len(statuses)],
                         "" if n % 5 == 0 else ("5.5" if n % 4 == 0 else "10"),
                         code, f"{description}, part {i + 1}", f"{value:,}" if n % 2 else str(value)])
        totals[number] = total
    return _csv(rows), totals, len(rows)


def test_a_200_commitment_file_is_previewed_then_imported_in_one_go(client, world, vendors, auth):
    auth.sign_in(world.admin.email)
    data, totals, line_count = _realistic_file([v.name.upper() if i == 1 else v.name for i, v in enumerate(vendors)])

    preview_url = _preview(client, world, data, "Riverside commitments.csv")
    page = client.get(preview_url)
    assert page.status_code == 200
    text = _text(page)
    grand_total = sum(totals.values(), Decimal("0.00"))
    assert "Ready to import" in text and f"200 commitments with {line_count:,} SOV lines, ${grand_total:,}" in text
    assert "Riverside commitments.csv" in text and "Import 200 commitments" in text
    _nothing_written()  # the preview writes nothing

    started = time.perf_counter()
    response = client.post(f"{preview_url}/confirm")
    elapsed = time.perf_counter() - started
    # it lands on the commitments it created, not on the import page
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/projects/{world.project.id}/commitments")
    landed = _text(client.get(response.headers["Location"]))
    assert f"Imported 200 commitments with {line_count:,} SOV lines, ${grand_total:,} in all." in landed
    assert "SC-001" in landed and "SC-200" in landed
    assert elapsed < 20

    assert count(Commitment) == 200 and count(SovLine) == line_count
    by_number = {c.number: c for c in db.session.scalars(select(Commitment))}
    for number in ["SC-001", "PO-007", "SC-150", "SC-200"]:
        total = from_cents(db.session.scalar(select(sum_cents(SovLine.original_value)).join(Commitment)
                                             .where(Commitment.number == number)))
        assert total == totals[number], number
    assert from_cents(db.session.scalar(select(sum_cents(SovLine.original_value)))) == grand_total
    sc5 = by_number["SC-005"]
    assert sc5.kind is CommitmentKind.SUBCONTRACT and sc5.status is CommitmentStatus.APPROVED
    assert sc5.retention_pct == Decimal("10.00")  # empty: the company default
    assert by_number["PO-007"].kind is CommitmentKind.PURCHASE_ORDER
    assert by_number["SC-004"].retention_pct == Decimal("5.50")
    assert by_number["SC-002"].status is CommitmentStatus.OUT_FOR_SIGNATURE
    assert by_number["SC-001"].vendor.name == "Brightline Electric LLC"  # matched whatever its case
    assert all(c.sov_status is SovStatus.DRAFT for c in by_number.values())
    sc11 = by_number["SC-011"]
    assert [line.position for line in sc11.sov_lines] == list(range(1, 7))
    assert [line.description for line in sc11.sov_lines][:2] == ["Plumbing fixtures, part 1",
                                                                 "Cast-in-place concrete, part 2"]
    assert sc11.sov_lines[1].original_value == Decimal("11137.11")
    # The vendor's default progress claim contact is the contact, and on the Private list.
    contact = sc11.vendor.default_claim_contact
    assert sc11.claim_contacts == [contact] and sc11.private_users == [contact]
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "commitment",
                                                              AuditEvent.entity_id == sc11.id)
                              .order_by(AuditEvent.id)).all() == ["imported", "claim contact added",
                                                                  "private list: added"]
    imported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "imported")).all()
    assert len(imported) == 200 and {e.actor_id for e in imported} == {world.admin.id}
    assert any(e.new_value == "Subcontract SC-011 Package 11: plumbing fixtures: 6 SOV lines from "
                              "Riverside commitments.csv" for e in imported)


def test_a_second_confirmation_imports_nothing_more(client, world, vendors, app, auth):
    auth.sign_in(world.admin.email)
    preview_url = _preview(client, world, _csv([_line("SC-001", "03 11 00", "100.00"),
                                                _line("SC-001", "03 21 00", "200.00")]))
    assert client.post(f"{preview_url}/confirm").status_code == 303
    again = client.post(f"{preview_url}/confirm")
    assert again.status_code == 303
    assert "This file was already imported (1 commitments). Nothing was imported twice." in _text(
        client.get(again.headers["Location"]))
    assert client.get(preview_url).status_code == 303  # the preview of an imported file says so too
    assert count(Commitment) == 1 and count(SovLine) == 2
    assert list(Path(app.config["IMPORT_FOLDER"]).glob("*.pending")) == []


def test_two_confirmations_at_once_import_once(client, world, vendors, app, auth):
    auth.sign_in(world.admin.email)
    preview_url = _preview(client, world, _csv([_line("SC-001", "03 11 00", "100.00")]))
    token = preview_url.rsplit("/", 1)[1]
    stash = upload_stash.UploadStash(app.config["IMPORT_FOLDER"])
    stashed = stash.find(token, user_id=world.admin.id, project_id=world.project.id)
    assert stash.take(stashed) is not None  # the first confirmation holds the file...
    assert stash.take(stashed) is None  # ...so a second one at the same moment finds nothing to take
    response = client.post(f"{preview_url}/confirm")
    assert response.status_code == 303
    assert "being imported right now" in _text(client.get(response.headers["Location"]))
    _nothing_written()


def test_a_number_taken_after_the_preview_is_caught_at_the_confirmation(client, world, vendors, auth):
    auth.sign_in(world.admin.email)
    preview_url = _preview(client, world, _csv([_line("SC-001", "03 11 00", "100.00"),
                                                _line("SC-002", "03 11 00", "100.00")]))
    factories.commitment(world.project, vendors[0], number="SC-002")
    db.session.commit()
    response = client.post(f"{preview_url}/confirm")
    assert response.status_code == 422
    assert _problems(_text(response)) == [(3, "commitment_number", "Commitment SC-002 is already on this project.")]
    assert count(Commitment) == 1 and count(AuditEvent) == 0
    assert client.get(preview_url).status_code == 200  # the upload still waits, with its problem shown


# --- problems in rows -----------------------------------------------------------------------------


def test_a_broken_file_shows_every_problem_with_its_row_and_writes_nothing(client, world, vendors, app, auth):
    factories.commitment(world.project, vendors[0], number="SC-900")
    db.session.commit()
    auth.sign_in(world.admin.email)
    before = (count(Commitment), count(SovLine))
    rows = [
        _line("SC-001", "03 11 00", "100.00"),                                           # 2: fine
        _line("SC-002", "03 11 00", "100.00", vendor="Nobody Builders Ltd"),             # 3
        _line("SC-900", "03 11 00", "100.00"),                                           # 4
        _line("SC-003", "03 11 00", "12x.00"),                                           # 5
        _line("SC-003", "03 21 00", "100.005"),                                          # 6
        _line("SC-003", "03 31 00", "-5.00"),                                            # 7
        _line("SC-004", "03 11 00", "1.00", kind="Lease"),                               # 8
        _line("SC-005", "03 11 00", "1.00", status="Signed"),                            # 9
        _line("SC-006", "03 11 00", "1.00", retention="150"),                            # 10
        _line("SC-007", "", "1.00", title="", description=""),                           # 11
        _line("SC-008", "C" * 41, "1.00", title="T" * 201, description="D" * 301),       # 12
        _line("X" * 31, "03 11 00", "1.00"),                                             # 13
        _line("SC-001", "03 21 00", "1.00", title="Another title"),                      # 14
        _line("SC-009", "03 11 00", "=B2*2"),                                            # 15
        _line("", "03 11 00", "1.00"),                                                   # 16
        _line("SC-010", "03 11 00", "1.00") + ["", "stray"],                             # 17
        _line("sc-900", "03 11 00", "1.00"),                                             # 18
        _line("sc-001", "03 11 00", "1.00"),                                             # 19
    ]
    response = _upload(client, world, _csv(rows))
    assert response.status_code == 422
    page = _text(response)
    assert "21 problems on 17 rows: nothing has been imported" in page
    assert _problems(page) == [
        (3, "vendor", "No vendor company is called “Nobody Builders Ltd”. Add it to the directory first, "
                      "or correct the name."),
        (4, "commitment_number", "Commitment SC-900 is already on this project."),
        (5, "scheduled_value", "Enter a number, like 1250.00."),
        (6, "scheduled_value", "Use at most two decimals (cents)."),
        (7, "scheduled_value", "A scheduled value cannot be negative."),
        (8, "kind", "Unknown kind: use Subcontract or Purchase Order."),
        (9, "status", "Unknown status: use Draft, Out for Signature, Approved, Complete, Terminated or Void."),
        (10, "retention_pct", "Enter a percentage from 0 to 100. Use at most two decimals."),
        (11, "title", "Enter the title."),
        (11, "cost_code", "Enter the cost code."),
        (11, "description", "Enter the description."),
        (12, "title", "Too long: 201 characters, at most 200."),
        (12, "cost_code", "Too long: 41 characters, at most 40."),
        (12, "description", "Too long: 301 characters, at most 300."),
        (13, "commitment_number", "Too long: 31 characters, at most 30."),
        (14, "title", "Differs from row 2, the first row of commitment SC-001: every row of a commitment "
                      "must have the same title."),
        (15, "scheduled_value", "Enter a number, like 1250.00. Formulas are not calculated: type the amount "
                                "itself."),
        (16, "commitment_number", "Enter the commitment number."),
        (17, "extra cells", "This row has cells to the right of the last column: remove them."),
        (18, "commitment_number", "Commitment SC-900 is already on this project."),
        (19, "commitment_number", "Differs only in case from SC-001 (row 2): spell the number the same way on "
                                  "every row."),
    ]
    assert "Upload the corrected file" in page and "/confirm" not in page
    assert (count(Commitment), count(SovLine)) == before and count(AuditEvent) == 0
    assert not list(Path(app.config["IMPORT_FOLDER"]).glob("*"))  # a file with problems is not kept


def test_a_commitments_later_rows_may_leave_its_fields_empty(client, world, vendors, auth):
    auth.sign_in(world.admin.email)
    rows = [_line("SC-001", "03 11 00", "100.00"),
            ["SC-001", "", "", "", "", "", "03 21 00", "Reinforcing", "50.00"],
            ["SC-001", "subcontract", "Concrete works", "keystone concrete co.", "APPROVED", "10.00", "03 31 00",
             "Placing", "1,000.50"]]
    client.post(f"{_preview(client, world, _csv(rows))}/confirm")
    commitment = db.session.scalar(select(Commitment))
    assert [line.original_value for line in commitment.sov_lines] == [Decimal("100.00"), Decimal("50.00"),
                                                                      Decimal("1000.50")]


# --- files refused as a whole ---------------------------------------------------------------------


@pytest.mark.parametrize(("data", "message"), [
    (_csv([["SC-1", "Subcontract", "T", "V", "Draft", "10", "01", "D", "1", "red"]], COLUMNS + ["colour"]),
     "The file has columns this import does not know: colour."),
    (_csv([["SC-1", "Subcontract", "T", "V", "01", "D"]], COLUMNS[:4] + ["cost_code", "description"]),
     "The file is missing the column scheduled_value."),
    (_csv([["SC-1", "T", "1"]], ["commitment_number", "title", "scheduled_value"]),
     "The file is missing the columns kind, vendor, cost_code, description."),
    (b"", "The file is empty."),
    (HEADER.encode() + b"\r\n", "The file has no rows below its header row"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "This file is not a CSV or Excel (.xlsx) spreadsheet."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "This is an old Excel 97–2003 (.xls) file."),
])
def test_a_file_that_is_not_our_table_is_refused_next_to_the_field(client, world, vendors, data, message, auth):
    auth.sign_in(world.admin.email)
    response = _upload(client, world, data)
    assert response.status_code == 422
    page = _text(response)
    assert message in page and 'class="form-control is-invalid"' in response.get_data(as_text=True)
    _nothing_written()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "latin-1", "cp1252"])
def test_a_file_not_in_utf8_is_refused_with_how_to_save_it(client, world, vendors, encoding, auth):
    auth.sign_in(world.admin.email)
    data = _csv([_line("SC-001", "03 11 00", "100.00", title="Béton coulé en place")], encoding=encoding)
    response = _upload(client, world, data)
    assert response.status_code == 422
    assert "Save the file as CSV UTF-8" in _text(response)
    _nothing_written()


def test_utf8_with_or_without_byte_order_mark_is_read(client, world, vendors, auth):
    auth.sign_in(world.admin.email)
    for n, prefix in enumerate([b"\xef\xbb\xbf", b""]):
        data = prefix + _csv([_line(f"SC-00{n}", "03 11 00", "100.00", title="Béton coulé en place")])
        client.post(f"{_preview(client, world, data)}/confirm")
    assert [c.title for c in db.session.scalars(select(Commitment))] == ["Béton coulé en place"] * 2


def test_fifty_thousand_rows_are_refused_quickly(client, world, vendors, auth):
    auth.sign_in(world.admin.email)
    row = ",".join(_line("SC-001", "03 30 00", "186500.00", title="Concrete foundations and slabs")).encode()
    data = HEADER.encode() + b"\r\n" + (row + b"\r\n") * 50_000
    started = time.perf_counter()
    response = _upload(client, world, data)
    elapsed = time.perf_counter() - started
    assert response.status_code == 422
    assert "The file has more than 5,000 rows." in _text(response)
    assert elapsed < 5, f"took {elapsed:.1f} s"
    _nothing_written()


def test_an_upload_without_a_file_asks_for_one(client, world, auth):
    auth.sign_in(world.admin.email)
    response = client.post(import_url(world), data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a CSV or Excel (.xlsx) file to upload." in _text(response)


# --- formulas -------------------------------------------------------------------------------------


FORMULAS = {
    "title": "=HYPERLINK(\"http://evil.example\",\"Click\")",
    "cost_code": "+1+cmd|' /C calc'!A0",
    "description": "@SUM(A1:A9)",
}


def test_formula_cells_are_kept_as_text_and_neutralised_in_the_export(client, world, vendors, app, auth):
    auth.sign_in(world.admin.email)
    rows = [_line("-SC-1", FORMULAS["cost_code"], "100.00", title=FORMULAS["title"],
                  description=FORMULAS["description"]),
            _line("-SC-1", "\t=1+2", "5.00", title=FORMULAS["title"], description="-2+3")]
    page = _text(client.get(_preview(client, world, _csv(rows))))
    assert FORMULAS["title"] in page  # shown, escaped, as the text it is
    client.post(f"{_preview(client, world, _csv(rows))}/confirm")
    commitment = db.session.scalar(select(Commitment))
    assert (commitment.number, commitment.title) == ("-SC-1", FORMULAS["title"])
    assert [(line.cost_code, line.description) for line in commitment.sov_lines] == [
        (FORMULAS["cost_code"], FORMULAS["description"]), ("=1+2", "-2+3")]

    export = client.get(import_url(world, "/commitments.csv"))
    lines = list(csv.reader(io.StringIO(export.get_data().decode("utf-8-sig"))))
    assert lines[1] == ["'-SC-1", "Subcontract", "'" + FORMULAS["title"], "Keystone Concrete Co.", "Approved",
                        "10.00", "'" + FORMULAS["cost_code"], "'" + FORMULAS["description"], "100.00"]
    assert lines[2][6:] == ["'=1+2", "'-2+3", "5.00"]

    # The export imports back into another project as the same text.
    other = Project(number="P-2", name="Second")
    db.session.add(other)
    db.session.commit()
    response = client.post(f"/projects/{other.id}/import", data={"file": (io.BytesIO(export.get_data()), "x.csv")},
                           content_type="multipart/form-data")
    client.post(f"{response.headers['Location']}/confirm")
    copy = db.session.scalar(select(Commitment).where(Commitment.project_id == other.id))
    assert copy.title == FORMULAS["title"] and copy.number == "-SC-1"
    assert [(line.cost_code, line.description) for line in copy.sov_lines] == [
        (FORMULAS["cost_code"], FORMULAS["description"]), ("=1+2", "-2+3")]


# --- .xlsx ----------------------------------------------------------------------------------------


def _xlsx(rows: list[list[object]], header: list[str] | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header or [c.replace("_", " ").title() for c in COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_file_is_imported_with_exact_amounts(client, world, vendors, auth):
    auth.sign_in(world.admin.email)
    data = _xlsx([
        ["SC-001", "Subcontract", "Concrete", "Keystone Concrete Co.", "Approved", 10, "03 11 00", "Forming",
         186500.25],
        ["SC-001", None, None, None, None, None, "03 21 00", "Rebar", 0.1],
        [1002, "Purchase Order", "Fixtures", "Pacific Plumbing Supply", "Draft", 7.5, 224100, "Fixtures", 84625],
    ])
    preview_url = _preview(client, world, data, "commitments.xlsx")
    assert "2 commitments with 3 SOV lines, $271,125.35" in _text(client.get(preview_url))
    client.post(f"{preview_url}/confirm")
    sc1, po = db.session.scalars(select(Commitment).order_by(Commitment.id)).all()
    assert [line.original_value for line in sc1.sov_lines] == [Decimal("186500.25"), Decimal("0.10")]
    assert (po.number, po.retention_pct, po.sov_lines[0].cost_code) == ("1002", Decimal("7.50"), "224100")


def test_xlsx_formulas_are_text_never_calculated(client, world, vendors, auth):
    auth.sign_in(world.admin.email)
    data = _xlsx([
        ["SC-001", "Subcontract", "=HYPERLINK(\"http://evil.example\")", "Keystone Concrete Co.", "Approved", 10,
         "03 11 00", "Forming", "=SUM(1,2)"],
    ])
    response = _upload(client, world, data, "commitments.xlsx")
    assert response.status_code == 422
    assert _problems(_text(response)) == [
        (2, "scheduled_value", "Enter a number, like 1250.00. Formulas are not calculated: type the amount itself.")]
    _nothing_written()


def test_xlsx_with_wrong_columns_is_refused(client, world, auth):
    auth.sign_in(world.admin.email)
    response = _upload(client, world, _xlsx([["a"]], header=["Number", "Colour"]), "commitments.xlsx")
    assert response.status_code == 422
    assert "columns this import does not know: Number, Colour." in _text(response)


# --- export and sample ----------------------------------------------------------------------------


def test_current_commitments_download_in_the_import_columns(client, world, vendors, auth):
    factories.commitment(world.project, vendors[1], number="SC-002", title="Electrical", lines=("1250.00", "0.50"))
    factories.commitment(world.project, vendors[0], number="SC-001", title="=cmd", retention="5.00")
    db.session.commit()
    auth.sign_in(world.admin.email)
    response = client.get(import_url(world, "/commitments.csv"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'attachment; filename=P-1-commitments.csv' in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_data(as_text=True).split("\r\n") == [
        "\ufeff" + HEADER,
        "SC-001,Subcontract,'=cmd,Keystone Concrete Co.,Approved,5.00,01 00 00,Line 1,100000.00",
        "SC-001,Subcontract,'=cmd,Keystone Concrete Co.,Approved,5.00,02 00 00,Line 2,50000.00",
        "SC-002,Subcontract,Electrical,Brightline Electric LLC,Approved,10.00,01 00 00,Line 1,1250.00",
        "SC-002,Subcontract,Electrical,Brightline Electric LLC,Approved,10.00,02 00 00,Line 2,0.50",
        "",
    ]


def test_the_sample_file_imports_once_its_vendors_exist(client, world, vendors, auth):
    auth.sign_in(world.admin.email)
    page = _text(client.get(import_url(world)))
    assert "Download a sample file" in page and "Download current commitments" in page
    response = client.get(import_url(world, "/sample.csv"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "commitments-import-sample.csv" in response.headers["Content-Disposition"]
    client.post(f"{_preview(client, world, response.get_data(), 'sample.csv')}/confirm")
    assert sorted(db.session.scalars(select(Commitment.number))) == ["PO-201", "SC-201", "SC-202"]
    assert count(SovLine) == 7


# --- who may --------------------------------------------------------------------------------------


@pytest.fixture
def people(world, vendors):  # type: ignore[no-untyped-def]
    project_admin = factories.user(world.company, "padmin@pb.example", "Pat Projectadmin")
    db.session.add(ProjectPermission(project=world.project, user=project_admin, level=AccessLevel.ADMIN))
    db.session.commit()
    return {"company admin": world.admin.email, "project Admin": project_admin.email,
            "Standard": world.standard.email, "Read Only": world.readonly.email, "None": world.nobody.email,
            "vendor contact": vendors[0].default_claim_contact.email}


@pytest.mark.parametrize(("who", "status"), [
    ("company admin", 200), ("project Admin", 200), ("Standard", 403), ("Read Only", 403), ("None", 404),
    ("vendor contact", 404), ("anonymous", 302),
])
def test_only_admins_of_the_project_may_import(client, world, people, who, status, auth):
    if who != "anonymous":
        auth.sign_in(people[who])
    for suffix in ["", "/sample.csv", "/commitments.csv"]:
        assert client.get(import_url(world, suffix)).status_code == status, suffix
    upload = _upload(client, world, _csv([_line("SC-001", "03 11 00", "100.00")]))
    assert upload.status_code == (303 if status == 200 else status)
    if status == 200:
        assert client.post(f"{upload.headers['Location']}/confirm").status_code == 303
        assert count(Commitment) == 1
    else:
        _nothing_written()


def test_an_upload_is_bound_to_its_user_and_project(client, world, people, vendors, auth):
    auth.sign_in(people["company admin"])
    preview_url = _preview(client, world, _csv([_line("SC-001", "03 11 00", "100.00")]))
    token = preview_url.rsplit("/", 1)[1]
    other = Project(number="P-2", name="Second")
    db.session.add(other)
    db.session.commit()
    assert client.get(f"/projects/{other.id}/import/{token}").status_code == 404
    assert client.post(f"/projects/{other.id}/import/{token}/confirm").status_code == 404
    client.post("/sign-out")
    auth.sign_in(people["project Admin"])
    assert client.get(preview_url).status_code == 404
    response = client.post(f"{preview_url}/confirm")
    assert response.status_code == 404 and "no longer waiting" in _text(response)
    assert client.post(import_url(world, "/" + "A" * 43 + "/confirm")).status_code == 404
    assert client.get(import_url(world, "/../../etc/passwd")).status_code == 404
    _nothing_written()


def test_an_upload_expires_after_a_day(client, world, vendors, app, monkeypatch, auth):
    auth.sign_in(world.admin.email)
    preview_url = _preview(client, world, _csv([_line("SC-001", "03 11 00", "100.00")]))
    later = time.time() + upload_stash.UploadStash.MAX_AGE_SECONDS + 1
    monkeypatch.setattr(upload_stash.time, "time", lambda: later)
    response = client.post(f"{preview_url}/confirm")
    assert response.status_code == 404 and "no longer waiting" in _text(response)
    _nothing_written()
    _preview(client, world, _csv([_line("SC-001", "03 11 00", "100.00")]))  # a new upload sweeps the old one
    assert len(list(Path(app.config["IMPORT_FOLDER"]).glob("*.pending"))) == 1
