"""Claim attachments: PDFs, photos, Word and spreadsheet files, checked by content, kept under the upload folder.

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
from domain.statuses import EDITABLE

MAX_BYTES = 20 * 1024 * 1024
MAX_NAME = 120  # characters of the name a person sees; longer names are shortened, keeping the extension


class AttachmentRefused(Exception):
    pass


@dataclass(frozen=True)
class Kind:
    content_type: str
    extensions: tuple[str, ...]


PDF = Kind("application/pdf", (".pdf",))
PNG = Kind("image/png", (".png",))
JPEG = Kind("image/jpeg", (".jpg", ".jpeg"))
HEIC = Kind("image/heic", (".heic", ".heif", ".hif"))
HEIF = Kind("image/heif", (".heif", ".heic", ".hif"))  # the same container without HEVC's brands
DOCX = Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",))
XLSX = Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
XLS = Kind("application/vnd.ms-excel", (".xls",))
ODS = Kind("application/vnd.oasis.opendocument.spreadsheet", (".ods",))
CSV = Kind("text/csv", (".csv",))
ACCEPTED = "PDF, JPEG, PNG, HEIC/HEIF photos, Word (.docx), Excel (.xlsx, .xls), ODS or CSV"
# What the file input offers; a phone offers its camera as well as its files for these.
ACCEPT_ATTRIBUTE = ",".join([*(e for k in (PDF, JPEG, PNG, HEIF, DOCX, XLSX, XLS, ODS, CSV) for e in k.extensions),
                             JPEG.content_type, PNG.content_type, HEIC.content_type, HEIF.content_type])

HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
VIDEO_BRANDS = {b"isom", b"iso2", b"mp41", b"mp42", b"qt  ", b"M4V ", b"3gp4", b"3gp5", b"avc1", b"dash"}
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Files we recognise but do not take: how the refusal names them.
REFUSED_BY_HEAD = [
    (b"MZ", "a Windows program (.exe)"),
    (b"\x7fELF", "a program (ELF)"),
    (b"\xca\xfe\xba\xbe", "a program (Mach-O)"),
    (b"\xcf\xfa\xed\xfe", "a program (Mach-O)"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"ID3", "an MP3 audio file"),
    (b"{\\rtf", "an RTF document"),
]


@dataclass(frozen=True)
class Sniffed:
    """What a file's bytes say it is: an accepted kind, or the words for what was found instead."""
    kind: Kind | None
    found: str = ""


def sniff(data: bytes) -> Sniffed:
    """The kind of file the bytes are, whatever it is called."""
    head = data[:32]
    if head.startswith(b"%PDF-"):
        return Sniffed(PDF)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(PNG)
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed(JPEG)
    if head[4:8] == b"ftyp":
        return _iso_media(data)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed(None, "a WebP image")
    if head.startswith(OLE):
        # Word 97-2003 and Outlook share Excel's container; their directory names the stream.
        if "WordDocument".encode("utf-16-le") in data:
            return Sniffed(None, "a Word 97-2003 document (.doc)")
        if "PowerPoint Document".encode("utf-16-le") in data:
            return Sniffed(None, "a PowerPoint 97-2003 presentation (.ppt)")
        return Sniffed(XLS)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip(data)
    for magic, found in REFUSED_BY_HEAD:
        if head.startswith(magic):
            return Sniffed(None, found)
    return _text(data)


def _iso_media(data: bytes) -> Sniffed:
    size = int.from_bytes(data[:4], "big")
    box = data[8:min(max(size, 12), 256)]
    # The major brand, the minor version (never a brand) and the compatible brands, four bytes each.
    brands = {box[i:i + 4] for i in range(0, len(box) - 3, 4) if i != 4}
    major = box[:4]
    if major in {b"avif", b"avis"}:
        return Sniffed(None, "an AVIF image")
    if brands & (HEIF_BRANDS - {b"mif1", b"msf1"}):  # the major brand is among the brands
        return Sniffed(HEIC)
    if brands & {b"avif", b"avis"}:
        return Sniffed(None, "an AVIF image")
    if brands & {b"mif1", b"msf1"}:
        return Sniffed(HEIF)
    if major in {b"qt  "}:
        return Sniffed(None, "a QuickTime video (.mov)")
    if brands & VIDEO_BRANDS or major.startswith(b"3g"):
        return Sniffed(None, "an MP4 video")
    return Sniffed(None, "unknown binary")


def _zip(data: bytes) -> Sniffed:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names:
                return Sniffed(DOCX)
            if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
                return Sniffed(XLSX)
            if "ppt/presentation.xml" in names:
                return Sniffed(None, "a PowerPoint presentation (.pptx)")
            if "mimetype" in names:
                with archive.open("mimetype") as entry:  # read a little: the entry may be a zip bomb
                    mimetype = entry.read(100).strip()
                if mimetype == ODS.content_type.encode():
                    return Sniffed(ODS)
                if mimetype.startswith(b"application/vnd.oasis.opendocument."):
                    return Sniffed(None, "an OpenDocument file other than a spreadsheet (.odt, .odp)")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
        return Sniffed(None, "a damaged ZIP archive")
    return Sniffed(None, "a ZIP archive")


def _text(data: bytes) -> Sniffed:
    sample = data[:65536]
    if b"\x00" in sample:
        return Sniffed(None, "unknown binary")
    try:
        text = sample.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start < len(sample) - 3:  # not merely a character cut in two at the sample's end
            return Sniffed(None, "unknown binary")
        text = sample[:error.start].decode("utf-8-sig")
    if any(ord(ch) < 32 and ch not in "\t\r\n\f" for ch in text):
        return Sniffed(None, "unknown binary")
    stripped = text.lstrip().lower()
    if stripped.startswith(("<!doctype html", "<html")):
        return Sniffed(None, "a web page (HTML)")
    if stripped.startswith("<"):
        return Sniffed(None, "an XML file")
    if stripped.startswith("#!"):
        return Sniffed(None, "a script")
    if not any(sep in text for sep in ",;\t"):
        return Sniffed(None, "a plain text file without columns")
    return Sniffed(CSV)


def safe_name(filename: str) -> str:
    """The name a person sees: no folders, no control characters, at most MAX_NAME characters with its
    extension kept; "" when nothing usable is left."""
    # A browser on Windows may send the whole path, with backslashes.
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    # Control characters (a line break sent in a multipart header, say) would make every later
    # download fail: its Content-Disposition header cannot carry them.
    name = " ".join("".join(ch for ch in name if ch.isprintable()).split()).strip(". ")
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        if not dot or len(extension) > 10:
            return name[:MAX_NAME].rstrip(". ")
        name = f"{stem[:MAX_NAME - len(extension) - 2].rstrip('. ')}~.{extension}"
    return name


@dataclass
class Upload:
    """One file as it arrived: its name as sent, and its content."""
    filename: str
    stream: BinaryIO


@dataclass(frozen=True)
class Checked:
    name: str
    kind: Kind
    data: bytes


def check(upload: Upload) -> Checked:
    """The file's shown name, kind and bytes, or AttachmentRefused with a message naming the file."""
    sent = upload.filename or ""
    name = safe_name(sent)
    if not sent.strip():
        raise AttachmentRefused("Choose a file to attach.")
    if not name:
        raise AttachmentRefused(f"The file name \u201c{sent[:60]}\u201d cannot be used: rename the file "
                                f"(for example invoice.pdf) and attach it again.")
    data = upload.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise AttachmentRefused(f"{name} is larger than 20 MB; files can be at most 20 MB each.")
    if not data:
        raise AttachmentRefused(f"{name} is empty (0 bytes): choose the file again.")
    sniffed = sniff(data)
    if sniffed.kind is None:
        raise AttachmentRefused(f"{name} is {sniffed.found}, which cannot be attached. Accepted: {ACCEPTED}.")
    kind = sniffed.kind
    if not name.lower().endswith(kind.extensions):
        raise AttachmentRefused(f"The file's content is {kind.extensions[0][1:].upper()}, but its name says "
                                f"otherwise. Rename it to end in {kind.extensions[0]}.")
    return Checked(name, kind, data)


def _why_not(claim: Claim) -> str:
    if claim.status not in EDITABLE:
        return (f"This claim is {claim.status.value}: its attachments can no longer be added or removed. "
                "They can change while it is a draft or sent back for revision.")
    return "Only the claim's progress claim contacts and project Admins may change its attachments."


def store_all(claim: Claim, uploads: list[Upload], by: User, folder: str) -> list[Attachment]:
    """Keep every file or none: each is checked before any is written; one history entry per file."""
    permissions.require(permissions.can_change_attachments(by, claim), _why_not(claim))
    uploads = [u for u in uploads if u.filename]  # a file input left empty still sends one nameless part
    if not uploads:
        raise AttachmentRefused("Choose a file to attach.")
    checked = [check(upload) for upload in uploads]
    written: list[Path] = []
    try:
        attachments = []
        for file in checked:
            key = f"{secrets.token_hex(16)}{file.kind.extensions[0]}"
            target = Path(folder) / key
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(file.data)
            written.append(target)
            attachment = Attachment(claim_id=claim.id, filename=file.name, content_type=file.kind.content_type,
                                    size_bytes=len(file.data), sha256=hashlib.sha256(file.data).hexdigest(),
                                    storage_key=key, uploaded_by_id=by.id)
            db.session.add(attachment)
            audit.record(actor=by, entity_type="claim", entity_id=claim.id,
                         project_id=claim.commitment.project_id, action="attachment added", field="attachment",
                         new=file.name)
            attachments.append(attachment)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return attachments


def store(claim: Claim, filename: str, stream: BinaryIO, by: User, folder: str) -> Attachment:
    """Check and keep one uploaded file; raises AttachmentRefused with a message for the person."""
    return store_all(claim, [Upload(filename, stream)], by, folder)[0]


def remove(attachment: Attachment, by: User, folder: str) -> None:
    """The file and its row go together, with a history entry; only while the claim can change."""
    claim = attachment.claim
    permissions.require(permissions.can_change_attachments(by, claim), _why_not(claim))
    audit.record(actor=by, entity_type="claim", entity_id=claim.id, project_id=claim.commitment.project_id,
                 action="attachment removed", field="attachment", old=attachment.filename)
    path = Path(folder) / attachment.storage_key
    db.session.delete(attachment)
    db.session.commit()
    path.unlink(missing_ok=True)


def get(attachment_id: int) -> Attachment | None:
    return db.session.scalar(select(Attachment).where(Attachment.id == attachment_id))
