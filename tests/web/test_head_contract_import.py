"""Import the head contract's schedule of values from a spreadsheet (issue 16): upload, preview, confirm, as
the commitments' import does; all or nothing; problems by row; who may."""

from __future__ import annotations

import csv
import html
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from domain import head_contract, importer, sov
from domain.head_contract import HeadContractData
from domain.models import AccessLevel, AuditEvent, Commitment, ProjectPermission, SovLine, SovStatus, db
from tests import factories
from tests.helpers import count, project_url

HEADER = list(importer.SOV_COLUMNS)


@pytest.fixture
def config_overrides(tmp_path: Path) -> dict[str, object]:
    return {"IMPORT_FOLDER": str(tmp_path / "imports")}


@pytest.fixture
def head(world) -> Commitment:  # type: ignore[no-untyped-def]
    made = head_contract.create_head_contract(world.project, HeadContractData(
        number="HC-777", title="Prime contract", client_name="Riverside Health Partners",
        client_contact_name="Elena Brooks", client_contact_email="elena@riverside.example",
        contract_date=date(2026, 3, 2)), world.admin)
    sov.add_line(made, sov.LineData("01 00 00", "General conditions", Decimal("5000.00")), world.admin)
    return made


def url(world, suffix: str = "") -> str:  # type: ignore[no-untyped-def]
    return project_url(world, "import", suffix="/head-contract-sov" + suffix)


def _csv(rows: list[list[str]], header: list[str] | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header or HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _upload(client, world, data: bytes, name: str = "sov.csv"):  # type: ignore[no-untyped-def]
    return client.post(url(world), data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def _lines(head: Commitment) -> list[tuple]:
    db.session.expire_all()
    return [tuple(r) for r in db.session.execute(
        select(SovLine.position, SovLine.cost_code, SovLine.description, SovLine.original_value)
        .where(SovLine.commitment_id == head.id).order_by(SovLine.position)).all()]


def _written() -> tuple[int, int]:
    return count(SovLine), count(AuditEvent)


GOOD = [["03 30 00", "Cast-in-place concrete", "712,400.00"], ["05 12 00", "Structural steel", "486250.5"],
        ["03 30 00", "Concrete: allowance", "25000"]]


def test_a_file_is_previewed_then_added_after_the_lines_there_are(client, world, head, auth):
    auth.sign_in(world.admin.email)
    page = _text(client.get(url(world)))
    assert "Import the schedule of values of HC-777" in page and "cost_code" in page
    response = _upload(client, world, _csv(GOOD))
    assert response.status_code == 303
    preview = _text(client.get(response.headers["Location"]))
    assert "Ready to import" in preview and "3 SOV lines, $1,223,650.50 in all" in preview
    assert "after the 1 line the schedule has already" in preview
    assert "Cost code 03 30 00 will be on more than one line. That is allowed" in preview  # noted, not refused
    assert _lines(head) == [(1, "01 00 00", "General conditions", Decimal("5000.00"))]  # nothing yet
    response = client.post(response.headers["Location"] + "/confirm")
    assert response.status_code == 303 and response.headers["Location"].endswith(
        project_url(world, "head-contract", suffix="/sov"))
    assert _lines(head) == [(1, "01 00 00", "General conditions", Decimal("5000.00")),
                            (2, "03 30 00", "Cast-in-place concrete", Decimal("712400.00")),
                            (3, "05 12 00", "Structural steel", Decimal("486250.50")),
                            (4, "03 30 00", "Concrete: allowance", Decimal("25000.00"))]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "SOV imported"))
    assert event.entity_id == head.id and "3 SOV lines" in event.new_value and "sov.csv" in event.new_value
    page = _text(client.get(response.headers["Location"]))
    assert "Imported 3 SOV lines, $1,223,650.50 in all." in page and "$1,228,650.50" in page
    assert db.session.get(Commitment, head.id).sov_status is SovStatus.DRAFT


def test_confirming_twice_imports_once(client, world, head, auth):
    auth.sign_in(world.admin.email)
    preview = _upload(client, world, _csv(GOOD[:1])).headers["Location"]
    assert client.post(preview + "/confirm").status_code == 303
    second = client.post(preview + "/confirm")
    assert second.status_code == 303
    assert "already imported (1 SOV lines)" in _text(client.get(second.headers["Location"]))
    assert len(_lines(head)) == 2


def test_an_xlsx_file_is_read_with_exact_amounts(client, world, head, auth):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["26 05 00", "Electrical", 318900.5])
    buffer = io.BytesIO()
    book.save(buffer)
    auth.sign_in(world.admin.email)
    preview = _upload(client, world, buffer.getvalue(), "sov.xlsx").headers["Location"]
    client.post(preview + "/confirm")
    assert _lines(head)[-1] == (2, "26 05 00", "Electrical", Decimal("318900.50"))


def test_a_broken_file_shows_every_problem_by_row_and_writes_nothing(client, world, head, app, auth):
    auth.sign_in(world.admin.email)
    before = _written()
    response = _upload(client, world, _csv([
        ["03 30 00", "Concrete", "100.00"],
        ["", "No code", "5"],
        ["05 12 00", "", "-3"],
        ["C" * 41, "Too long a code", "1.234"],
        ["06 10 00", "Carpentry", "=B2*2"],
    ]))
    page = _text(response)
    assert response.status_code == 422 and "nothing has been imported" in page
    assert 'id="import-problems"' in page and "on 4 rows" in page
    for message in ("Enter the cost code.", "Enter the description.", "A scheduled value cannot be negative.",
                    "Too long: 41 characters, at most 40.", "Formulas are not calculated"):
        assert message in page, message
    assert "Upload the corrected file" in page
    assert _written() == before and not list(Path(app.config["IMPORT_FOLDER"]).rglob("*.pending"))


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty."),
    (_csv([["a", "b", "1"]], header=["cost_code", "description"]), "missing the column scheduled_value"),
    (_csv([["SC-1", "a", "b", "1"]], header=["commitment_number", "cost_code", "description", "scheduled_value"]),
     "columns this import does not know: commitment_number"),
    (b"cost_code,description,scheduled_value\r\n", "no rows below its header"),
])
def test_a_file_that_is_not_an_sov_is_refused_next_to_the_field(client, world, head, data, message, auth):
    auth.sign_in(world.admin.email)
    before = _written()
    response = _upload(client, world, data)
    page = _text(response)
    assert response.status_code == 422 and message in page and 'id="file-feedback"' in page
    assert _written() == before


def test_an_upload_without_a_file_asks_for_one(client, world, head, auth):
    auth.sign_in(world.admin.email)
    response = client.post(url(world), data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a CSV or Excel (.xlsx) file to upload." in _text(response)


def test_an_approved_sov_takes_no_file(client, world, head, auth):
    auth.sign_in(world.admin.email)
    preview = _upload(client, world, _csv(GOOD)).headers["Location"]
    sov.approve_sov(head, world.admin)
    before = _written()
    assert "was approved meanwhile" in _text(client.get(preview))
    response = client.post(preview + "/confirm")
    assert response.status_code == 303
    assert importer.SOV_NOT_DRAFT in _text(client.get(response.headers["Location"]))
    response = _upload(client, world, _csv(GOOD))
    assert response.status_code == 422 and importer.SOV_NOT_DRAFT in _text(response)
    assert _written() == before


def test_a_commitments_upload_does_not_open_here_nor_this_one_there(client, world, head, auth):
    factories.vendor("Keystone Concrete Co.")
    db.session.commit()
    auth.sign_in(world.admin.email)
    theirs = client.post(project_url(world, "import"), data={"file": (io.BytesIO(_csv(
        [["SC-1", "Subcontract", "Concrete", "Keystone Concrete Co.", "Draft", "10", "03", "Forms", "1"]],
        header=list(importer.COLUMNS))), "c.csv")}, content_type="multipart/form-data").headers["Location"]
    mine = _upload(client, world, _csv(GOOD)).headers["Location"]
    their_token, my_token = theirs.rsplit("/", 1)[1], mine.rsplit("/", 1)[1]
    assert client.get(url(world, f"/{their_token}")).status_code == 404
    assert client.post(url(world, f"/{their_token}/confirm")).status_code == 404
    assert client.get(project_url(world, "import", suffix=f"/{my_token}")).status_code == 404
    assert client.post(project_url(world, "import", suffix=f"/{my_token}/confirm")).status_code == 404
    assert count(Commitment) == 1 and len(_lines(head)) == 1


def test_the_sample_file_imports(client, world, head, auth):
    auth.sign_in(world.admin.email)
    sample = client.get(url(world, "/sample.csv"))
    assert sample.status_code == 200 and sample.mimetype == "text/csv"
    preview = _upload(client, world, sample.data).headers["Location"]
    assert client.post(preview + "/confirm").status_code == 303
    assert len(_lines(head)) == 1 + len(importer.SOV_SAMPLE)


@pytest.fixture
def people(world, head):  # type: ignore[no-untyped-def]
    project_admin = factories.user(world.company, "padmin@pb.example", "Pat Projectadmin")
    db.session.add(ProjectPermission(project=world.project, user=project_admin, level=AccessLevel.ADMIN))
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    db.session.commit()
    return {"company admin": world.admin.email, "project Admin": project_admin.email,
            "Standard": world.standard.email, "Read Only": world.readonly.email, "None": world.nobody.email,
            "vendor contact": vendor.default_claim_contact.email}


@pytest.mark.parametrize(("who", "status"), [
    ("company admin", 200), ("project Admin", 200), ("Standard", 403), ("Read Only", 403), ("None", 404),
    ("vendor contact", 404), ("anonymous", 302),
])
def test_only_admins_of_the_project_may_import(client, world, people, head, who, status, auth):
    if who != "anonymous":
        auth.sign_in(people[who])
    for suffix in ["", "/sample.csv"]:
        assert client.get(url(world, suffix)).status_code == status, suffix
    before = _written()
    upload = _upload(client, world, _csv(GOOD[:1]))
    assert upload.status_code == (303 if status == 200 else status)
    if status == 200:
        assert client.post(f"{upload.headers['Location']}/confirm").status_code == 303
        assert len(_lines(head)) == 2
    else:
        assert _written() == before


def test_without_a_head_contract_there_is_nothing_to_import_into(client, world, auth):
    auth.sign_in(world.admin.email)
    assert client.get(url(world)).status_code == 404
    assert _upload(client, world, _csv(GOOD)).status_code == 404
