"""Claim attachments: type by content, size, who may upload and download."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from domain import claims
from domain.models import Attachment, ClaimStatus, db
from tests import factories
from tests.helpers import count

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.fixture
def claim(world):
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    commitment = factories.commitment(world.project, vendor, number="SC-001")
    db.session.commit()
    return claims.start_claim(commitment, world.period, world.admin)


def _upload(client, claim, name: str, data: bytes):
    return client.post(f"/claims/{claim.id}/attachments", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize(("name", "data", "content_type"), [
    ("invoice.pdf", PDF, "application/pdf"),
    ("site photo.PNG", PNG, "image/png"),
    ("quantities.xlsx", _xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("quantities.csv", b"code,amount\n03 30 00,1200.00\n", "text/csv"),
])
def test_contact_attaches_and_downloads(client, world, claim, tmp_path, name, data, content_type, auth):
    auth.sign_in("maria@keystone.example")
    response = _upload(client, claim, name, data)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Attached {name}." in page and name in page
    attachment = db.session.scalar(select(Attachment))
    assert attachment.content_type == content_type and attachment.size_bytes == len(data)
    download = client.get(f"/claims/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == data
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download.headers["Content-Disposition"]


@pytest.mark.parametrize(("name", "data", "message"), [
    ("invoice.pdf", PNG, "The file&#39;s content is PNG, but its name says otherwise. Rename it to end in .png."),
    ("program.exe", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100,
     "Only PDF, PNG, JPEG, GIF, WebP, XLSX, XLS, ODS or CSV"),
    ("empty.pdf", b"", "The file is empty."),
    ("", PDF, "Choose a file to attach."),
])
def test_bad_files_are_refused_with_a_message_and_nothing_kept(client, world, claim, app, name, data, message, auth):
    auth.sign_in("maria@keystone.example")
    response = _upload(client, claim, name, data)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in page
    assert count(Attachment) == 0
    from pathlib import Path

    folder = Path(app.config["UPLOAD_FOLDER"])
    assert not folder.exists() or not any(folder.iterdir())


def test_control_characters_in_a_file_name_are_dropped_so_it_still_downloads(client, world, claim, auth):
    auth.sign_in("maria@keystone.example")
    response = _upload(client, claim, "invoice\x07 march\x1b.pdf", PDF)
    assert response.status_code == 303
    attachment = db.session.scalar(select(Attachment))
    assert attachment.filename == "invoice march.pdf"
    download = client.get(f"/claims/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    assert "invoice march.pdf" in download.headers["Content-Disposition"]


def test_a_file_over_20_mb_is_refused(client, world, claim, auth):
    auth.sign_in("maria@keystone.example")
    response = _upload(client, claim, "huge.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024))
    assert response.status_code in (303, 413)
    if response.status_code == 303:
        assert "Files can be at most 20 MB." in client.get(response.headers["Location"]).get_data(as_text=True)
    else:
        assert "at most 20 MB" in response.get_data(as_text=True)
    assert count(Attachment) == 0


def test_only_people_who_see_the_claim_may_download(client, world, claim, auth):
    auth.sign_in("maria@keystone.example")
    _upload(client, claim, "invoice.pdf", PDF)
    attachment_id = db.session.scalar(select(Attachment.id))
    client.post("/sign-out")
    other = factories.vendor("Other Co.", "someone@other.example")
    db.session.commit()
    for email, status in [(other.default_claim_contact.email, 404), (world.nobody.email, 404),
                          (world.readonly.email, 200), (world.admin.email, 200)]:
        auth.sign_in(email)
        assert client.get(f"/claims/attachments/{attachment_id}").status_code == status, email
        client.post("/sign-out")
    assert client.get(f"/claims/attachments/{attachment_id}").status_code == 302  # anonymous: sign in first


def test_attachments_freeze_once_submitted(client, world, claim, auth):
    auth.sign_in("maria@keystone.example")
    _upload(client, claim, "invoice.pdf", PDF)
    attachment_id = db.session.scalar(select(Attachment.id))
    db.session.get(type(claim), claim.id).status = ClaimStatus.UNDER_REVIEW
    db.session.commit()
    assert _upload(client, claim, "more.pdf", PDF).status_code == 403
    assert client.post(f"/claims/attachments/{attachment_id}/remove").status_code == 403
    assert count(Attachment) == 1
    client.post("/sign-out")
    auth.sign_in(world.readonly.email)
    assert client.post(f"/claims/attachments/{attachment_id}/remove").status_code == 403
