"""Claim attachments: type by content, size, safe names, who may upload, remove and download, and the history."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from domain import claims
from domain.models import Attachment, AuditEvent, ClaimStatus, db
from tests import factories
from tests.helpers import count

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32 + b"\xff\xd9"
# An iPhone photo starts with an ISO media "ftyp" box: size, "ftyp", major brand, minor version, compatible brands.
HEIC = (24).to_bytes(4, "big") + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic" + b"\x00" * 64
HEIF = (24).to_bytes(4, "big") + b"ftypmif1" + b"\x00\x00\x00\x00" + b"mif1miaf" + b"\x00" * 64
# Excel 97-2003: the OLE compound file header, and its directory naming the Workbook stream (UTF-16).
XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 64
DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "WordDocument".encode("utf-16-le") + b"\x00" * 64
CSV = b"code,amount\n03 30 00,1200.00\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"This program cannot be run in DOS mode" * 4
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,"
ACCEPTED = "Accepted: PDF, JPEG, PNG, HEIC/HEIF photos, Word (.docx), Excel (.xlsx, .xls), ODS or CSV."


def _zip(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
XLSX = _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})
ODS = _zip({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<office:document/>"})
ZIP = _zip({"notes.txt": "hello"})


@pytest.fixture
def claim(world):
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    commitment = factories.commitment(world.project, vendor, number="SC-001")
    db.session.commit()
    return claims.start_claim(commitment, world.period, world.admin)


def _upload(client, claim, *files: tuple[str, bytes], htmx: bool = False):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/claims/{claim.id}/attachments", headers=headers, content_type="multipart/form-data",
                       data={"file": [(io.BytesIO(data), name) for name, data in files]})


def _followed(client, response) -> str:
    assert response.status_code == 303
    return client.get(response.headers["Location"]).get_data(as_text=True)


def _history(*actions: str) -> int:
    return count(AuditEvent, AuditEvent.action.in_(actions or ("attachment added", "attachment removed")))


def _nothing_written(app) -> None:
    assert count(Attachment) == 0
    assert _history() == 0
    folder = Path(app.config["UPLOAD_FOLDER"])
    assert not folder.exists() or not any(folder.iterdir())


@pytest.mark.parametrize(("name", "data", "content_type"), [
    ("invoice.pdf", PDF, "application/pdf"),
    ("site photo.PNG", PNG, "image/png"),
    ("delivery ticket.jpg", JPEG, "image/jpeg"),
    ("IMG_0042.HEIC", HEIC, "image/heic"),
    ("pour.heif", HEIF, "image/heif"),
    ("lien release.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("quantities.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("quantities.xls", XLS, "application/vnd.ms-excel"),
    ("quantities.ods", ODS, "application/vnd.oasis.opendocument.spreadsheet"),
    ("quantities.csv", CSV, "text/csv"),
])
def test_contact_attaches_each_accepted_type_and_downloads_it(client, world, claim, name, data, content_type, auth):
    auth.sign_in("maria@keystone.example")
    page = _followed(client, _upload(client, claim, (name, data)))
    assert f"Attached {name}." in page and name in page
    attachment = db.session.scalar(select(Attachment))
    assert attachment.content_type == content_type and attachment.size_bytes == len(data)
    download = client.get(f"/claims/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == data
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download.headers["Content-Disposition"]


def test_several_files_at_once_each_in_the_history(client, world, claim, auth):
    auth.sign_in("maria@keystone.example")
    page = _followed(client, _upload(client, claim, ("invoice.pdf", PDF), ("site photo.jpg", JPEG),
                                     ("quantities.csv", CSV)))
    assert "Attached invoice.pdf, site photo.jpg, quantities.csv." in page
    assert [a.filename for a in db.session.scalars(select(Attachment).order_by(Attachment.id))] == [
        "invoice.pdf", "site photo.jpg", "quantities.csv"]
    added = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attachment added")).all()
    assert sorted(e.new_value for e in added) == ["invoice.pdf", "quantities.csv", "site photo.jpg"]
    assert all(e.entity_type == "claim" and e.entity_id == claim.id for e in added)
    assert "invoice.pdf" in page.split("Change history")[1]


def test_the_portal_claim_page_offers_several_files_from_camera_or_files(client, world, claim, auth):
    auth.sign_in("maria@keystone.example")
    page = client.get(f"/portal/claims/{claim.id}").get_data(as_text=True)
    form = page[page.index('id="claim-attachments"'):]
    assert 'name="file"' in form and " multiple" in form and "capture" not in form
    for extension in (".pdf", ".jpg", ".png", ".heic", ".docx", ".xlsx", ".xls", ".ods", ".csv"):
        assert extension in form
    assert "up to 20 MB each" in form


@pytest.mark.parametrize(("name", "data", "message"), [
    ("setup.exe", EXE, "setup.exe is a Windows program (.exe), which cannot be attached. " + ACCEPTED),
    ("program.csv", EXE, "program.csv is a Windows program (.exe), which cannot be attached."),
    ("backup.zip", ZIP, "backup.zip is a ZIP archive, which cannot be attached. " + ACCEPTED),
    ("invoice.pdf", ZIP, "invoice.pdf is a ZIP archive"),
    ("animation.gif", GIF, "animation.gif is a GIF image, which cannot be attached. " + ACCEPTED),
    ("letter.doc", DOC, "letter.doc is a Word 97-2003 document (.doc), which cannot be attached."),
    ("data.bin", b"\x01\x02\x03\x04" * 16, "data.bin is unknown binary, which cannot be attached."),
    ("notes.csv", b"just one line of words\n", "notes.csv is a plain text file without columns"),
    ("invoice.pdf", PNG, "The file&#39;s content is PNG, but its name says otherwise. Rename it to end in .png."),
    ("empty.pdf", b"", "empty.pdf is empty (0 bytes): choose the file again."),
    ("", PDF, "Choose a file to attach."),
    ("../../", PDF, "The file name “../../” cannot be used: rename the file"),
])
def test_bad_files_are_refused_with_a_message_and_nothing_kept(client, world, claim, app, name, data, message, auth):
    auth.sign_in("maria@keystone.example")
    assert message in _followed(client, _upload(client, claim, (name, data)))
    _nothing_written(app)


def test_one_bad_file_among_several_keeps_none(client, world, claim, app, auth):
    auth.sign_in("maria@keystone.example")
    page = _followed(client, _upload(client, claim, ("invoice.pdf", PDF), ("setup.exe", EXE)))
    assert "setup.exe is a Windows program (.exe)" in page and "Nothing was attached." in page
    _nothing_written(app)


def test_with_htmx_a_refusal_answers_the_section_with_the_message_beside_the_field(client, world, claim, app, auth):
    auth.sign_in("maria@keystone.example")
    response = _upload(client, claim, ("animation.gif", GIF), htmx=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="claim-attachments"' in html and "is-invalid" in html
    assert "animation.gif is a GIF image, which cannot be attached." in html
    _nothing_written(app)


def test_with_htmx_upload_and_removal_answer_the_section_in_place(client, world, claim, app, auth):
    auth.sign_in("maria@keystone.example")
    response = _upload(client, claim, ("invoice.pdf", PDF), ("site photo.png", PNG), htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<section") or 'id="claim-attachments"' in html
    assert "Attachments (2)" in html and "Attached invoice.pdf, site photo.png." in html
    # The change history on the page follows, out of band: it lists both uploads.
    history = html[html.index('id="claim-history-card" hx-swap-oob="true"'):]
    assert history.count("attachment added") == 2 and "site photo.png" in history
    first = db.session.scalar(select(Attachment).order_by(Attachment.id))
    stored = Path(app.config["UPLOAD_FOLDER"]) / first.storage_key
    assert stored.is_file()
    response = client.post(f"/claims/attachments/{first.id}/remove", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Attachments (1)" in html and "Removed invoice.pdf." in html
    assert not stored.exists() and count(Attachment) == 1
    removed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "attachment removed"))
    assert removed.old_value == "invoice.pdf" and removed.entity_id == claim.id


def test_a_file_over_20_mb_is_refused(client, world, claim, app, auth):
    auth.sign_in("maria@keystone.example")
    page = _followed(client, _upload(client, claim, ("huge.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024))))
    assert "huge.pdf is larger than 20 MB; files can be at most 20 MB each." in page
    _nothing_written(app)


def test_an_upload_over_the_request_limit_is_refused_in_words(client, world, claim, app, auth):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024  # the same answer as 100 MB, without sending 100 MB
    auth.sign_in("maria@keystone.example")
    response = _upload(client, claim, ("a.pdf", PDF + b"0" * 40_000), ("b.pdf", PDF + b"0" * 40_000))
    assert response.status_code == 413
    assert "files can be at most 20 MB each and 100 MB together. Nothing was saved." in response.text
    _nothing_written(app)


def test_a_path_in_the_name_is_dropped_and_the_file_kept_under_a_generated_name(client, world, claim, app, auth,
                                                                                tmp_path):
    auth.sign_in("maria@keystone.example")
    page = _followed(client, _upload(client, claim, ("../../x.pdf", PDF)))
    assert "Attached x.pdf. File names were cleaned or shortened to be safe." in page
    attachment = db.session.scalar(select(Attachment))
    assert attachment.filename == "x.pdf"
    folder = Path(app.config["UPLOAD_FOLDER"])
    assert [p.name for p in folder.iterdir()] == [attachment.storage_key]
    assert "x" not in attachment.storage_key.removesuffix(".pdf").strip("0123456789abcdef")
    assert not (folder.parent.parent / "x.pdf").exists() and not (tmp_path / "x.pdf").exists()


def test_a_300_character_name_is_shortened_keeping_its_extension(client, world, claim, auth):
    auth.sign_in("maria@keystone.example")
    name = "a" * 296 + ".pdf"
    page = _followed(client, _upload(client, claim, (name, PDF)))
    attachment = db.session.scalar(select(Attachment))
    assert len(attachment.filename) <= 120 and attachment.filename.endswith("~.pdf")
    assert f"Attached {attachment.filename}. File names were cleaned or shortened to be safe." in page
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "attachment added"))
    assert event.new_value == attachment.filename


def test_control_characters_in_a_file_name_are_dropped_so_it_still_downloads(client, world, claim, auth):
    auth.sign_in("maria@keystone.example")
    _followed(client, _upload(client, claim, ("invoice\x07 march\x1b.pdf", PDF)))
    attachment = db.session.scalar(select(Attachment))
    assert attachment.filename == "invoice march.pdf"
    download = client.get(f"/claims/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    assert "invoice march.pdf" in download.headers["Content-Disposition"]


def test_only_people_who_see_the_claim_may_download(client, world, claim, auth):
    auth.sign_in("maria@keystone.example")
    _upload(client, claim, ("invoice.pdf", PDF))
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


def test_someone_elses_claim_is_not_found_for_upload_or_removal(client, world, claim, app, auth):
    auth.sign_in("maria@keystone.example")
    _upload(client, claim, ("invoice.pdf", PDF))
    attachment = db.session.scalar(select(Attachment))
    auth.sign_out()
    other = factories.vendor("Other Co.", "someone@other.example")
    db.session.commit()
    auth.sign_in(other.default_claim_contact.email)
    before = _history()
    response = _upload(client, claim, ("mine.pdf", PDF))
    assert response.status_code == 404 and "There is nothing here, or it is not shared with you." in response.text
    response = client.post(f"/claims/attachments/{attachment.id}/remove")
    assert response.status_code == 404 and "not shared with you" in response.text
    assert [a.filename for a in db.session.scalars(select(Attachment))] == ["invoice.pdf"]
    assert len(list(Path(app.config["UPLOAD_FOLDER"]).iterdir())) == 1 and _history() == before


def test_a_read_only_user_may_not_change_attachments(client, world, claim, app, auth):
    auth.sign_in(world.readonly.email)
    response = _upload(client, claim, ("invoice.pdf", PDF))
    assert response.status_code == 403
    assert ("Only the claim&#39;s progress claim contacts and project Admins may change its attachments."
            in response.text)
    _nothing_written(app)


def test_attachments_are_read_only_once_submitted(client, world, claim, app, auth):
    auth.sign_in("maria@keystone.example")
    _upload(client, claim, ("invoice.pdf", PDF))
    attachment_id = db.session.scalar(select(Attachment.id))
    db.session.get(type(claim), claim.id).status = ClaimStatus.UNDER_REVIEW
    db.session.commit()
    before = _history()
    page = client.get(f"/portal/claims/{claim.id}").text
    section = page[page.index('id="claim-attachments"'):]
    assert "invoice.pdf" in section and "Remove" not in section and 'type="file"' not in section
    assert "Attachments can no longer change: this" in section
    response = _upload(client, claim, ("more.pdf", PDF))
    assert response.status_code == 403 and "its attachments can no longer be added or removed" in response.text
    response = client.post(f"/claims/attachments/{attachment_id}/remove")
    assert response.status_code == 403 and "its attachments can no longer be added or removed" in response.text
    response = client.post(f"/claims/attachments/{attachment_id}/remove", headers={"HX-Request": "true"})
    assert response.status_code == 403 and "can no longer be added or removed" in response.text
    assert count(Attachment) == 1 and _history() == before
    assert len(list(Path(app.config["UPLOAD_FOLDER"]).iterdir())) == 1
    auth.switch(world.readonly.email)
    assert client.post(f"/claims/attachments/{attachment_id}/remove").status_code == 403


def test_the_admin_sees_the_contacts_attachments_on_the_review_page(client, world, claim, auth):
    auth.sign_in("maria@keystone.example")
    _upload(client, claim, ("invoice.pdf", PDF), ("site photo.jpg", JPEG))
    db.session.get(type(claim), claim.id).status = ClaimStatus.UNDER_REVIEW
    db.session.commit()
    auth.switch(world.admin.email)
    page = client.get(f"/projects/{world.project.id}/billings/claims/{claim.id}").text
    section = page[page.index('id="claim-attachments"'):]
    assert "invoice.pdf" in section and "site photo.jpg" in section and "Remove" not in section


def test_revise_and_resubmit_opens_attachments_again(client, world, claim, auth):
    db.session.get(type(claim), claim.id).status = ClaimStatus.REVISE_AND_RESUBMIT
    db.session.commit()
    auth.sign_in("maria@keystone.example")
    assert "Attached bill of lading.pdf." in _followed(client, _upload(client, claim, ("bill of lading.pdf", PDF)))
