"""Claim attachments: PDFs, images and spreadsheets, checked by content, kept under the upload folder.

A file's type is what its first bytes say it is, and its name must agree; the stored file
gets a random name, so nothing a person types ever becomes a path.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select

from domain import audit, permissions
from domain.models import Attachment, Claim, User, db

MAX_BYTES = 20 * 1024 * 1024


class AttachmentRefused(Exception):
    pass


@dataclass(frozen=True)
class Kind:
    content_type: str
    extensions: tuple[str, ...]


PDF = Kind("application/pdf", (".pdf",))
PNG = Kind("image/png", (".png",))
JPEG = Kind("image/jpeg", (".jpg", ".jpeg"))
GIF = Kind("image/gif", (".gif",))
WEBP = Kind("image/webp", (".webp",))
XLSX = Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
XLS = Kind("application/vnd.ms-excel", (".xls",))
ODS = Kind("application/vnd.oasis.opendocument.spreadsheet", (".ods",))
CSV = Kind("text/csv", (".csv",))
ALLOWED_NAMES = "PDF, PNG, JPEG, GIF, WebP, XLSX, XLS, ODS or CSV"


def sniff(head: bytes, data: bytes) -> Kind | None:
    """The kind of file the bytes are, whatever it is called."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return XLS
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
                    return XLSX
                if "mimetype" in names and archive.read("mimetype") == ODS.content_type.encode():
                    return ODS
        except zipfile.BadZipFile:
            return None
        return None
    if b"\x00" not in data[:65536]:
        try:
            data[:65536].decode("utf-8")
        except UnicodeDecodeError:
            return None
        return CSV
    return None


def store(claim: Claim, filename: str, stream: BinaryIO, by: User, folder: str) -> Attachment:
    """Check and keep one uploaded file; raises AttachmentRefused with a message for the person."""
    permissions.require(permissions.can_change_attachments(by, claim),
                        "Attachments can change only while the claim is a draft or sent back.")
    # Control characters (a line break sent in a multipart header, say) would make every later
    # download fail: its Content-Disposition header cannot carry them.
    name = "".join(ch for ch in Path(filename or "").name if ch.isprintable()).strip()
    if not name:
        raise AttachmentRefused("Choose a file to attach.")
    if len(name) > 200:
        raise AttachmentRefused("The file name is too long (200 characters at most).")
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise AttachmentRefused("Files can be at most 20 MB.")
    if not data:
        raise AttachmentRefused("The file is empty.")
    kind = sniff(data[:16], data)
    if kind is None:
        raise AttachmentRefused(f"Only {ALLOWED_NAMES} files can be attached.")
    if not name.lower().endswith(kind.extensions):
        raise AttachmentRefused(f"The file's content is {kind.extensions[0][1:].upper()}, but its name says "
                                f"otherwise. Rename it to end in {kind.extensions[0]}.")
    key = f"{secrets.token_hex(16)}{kind.extensions[0]}"
    target = Path(folder) / key
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    attachment = Attachment(claim_id=claim.id, filename=name, content_type=kind.content_type, size_bytes=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), storage_key=key, uploaded_by_id=by.id)
    db.session.add(attachment)
    db.session.flush()
    audit.record(actor=by, entity_type="claim", entity_id=claim.id, project_id=claim.commitment.project_id,
                 action="attachment added", field="attachment", new=name)
    db.session.commit()
    return attachment


def remove(attachment: Attachment, by: User, folder: str) -> None:
    claim = attachment.claim
    permissions.require(permissions.can_change_attachments(by, claim),
                        "Attachments can change only while the claim is a draft or sent back.")
    audit.record(actor=by, entity_type="claim", entity_id=claim.id, project_id=claim.commitment.project_id,
                 action="attachment removed", field="attachment", old=attachment.filename)
    path = Path(folder) / attachment.storage_key
    db.session.delete(attachment)
    db.session.commit()
    path.unlink(missing_ok=True)


def get(attachment_id: int) -> Attachment | None:
    return db.session.scalar(select(Attachment).where(Attachment.id == attachment_id))
