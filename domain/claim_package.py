"""A claim's package: its pay application PDF followed by its backup, as one PDF.

PDF attachments are appended as they are, JPEG and PNG photos one per page scaled to fit, and
everything else (and any PDF that is broken or password-protected) is listed on a last page by
name and size. The total size of the attachments is checked before any file is read. The pages it writes
itself (photo captions, the listing) are in the pay application's language.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _

from domain import pay_application
from domain.attachments import JPEG, PDF, PNG
from domain.locales import N_, current_language, supported, writing
from domain.models import Attachment, Claim

MAX_BYTES = 100 * 1024 * 1024
ORIENTATION = 0x0112  # the EXIF tag a camera records which way up it was held


class PackageTooLarge(Exception):
    """The attachments are too large to put in one PDF; the message says so."""


@dataclass(frozen=True)
class Listed:
    """A file in the backup that is not shown in the document, and why."""

    filename: str
    size_bytes: int
    why: str


def human_size(size: int) -> str:
    """"12 bytes", "3 KB", "1.5 MB" (in French "12 octets", "3 Ko", "1,5 Mo")."""
    if size < 1024:
        return _("%(size)s bytes", size=size)
    if size < 1024 * 1024:
        kilobytes = f"{size / 1024:.0f}"
        return _("%(size)s KB", size=kilobytes)
    megabytes = f"{size / 1024 / 1024:.1f}"
    return _("%(size)s MB", size=megabytes if current_language() == "en" else megabytes.replace(".", ","))


# Why a file of the backup is listed rather than shown (translated where the listing is drawn).
MISSING, NOT_SHOWN = N_("missing from the file store"), N_("not a PDF or a JPEG/PNG photo")
ENCRYPTED, UNREADABLE, NO_PAGES = (N_("a password-protected PDF"), N_("a PDF that could not be read"),
                                   N_("a PDF without pages"))
BAD_IMAGE = N_("an image that could not be read")


def fits_in_email(claim: Claim, max_bytes: int) -> bool:
    """Whether the claim's backup may go in an e-mail with its package: mail servers refuse large messages
    (Postfix's default is 10 MB, and base64 makes attachments a third larger)."""
    return sum(a.size_bytes for a in claim.attachments) <= max_bytes


def build(claim: Claim, folder: str, max_bytes: int = MAX_BYTES, language: str | None = None) -> bytes:
    """The package PDF in `language` (None: the language being written now); PackageTooLarge (before any file
    is read, in the language being written now) when the attachments exceed max_bytes."""
    total = sum(a.size_bytes for a in claim.attachments)
    if total > max_bytes:
        raise PackageTooLarge(_(
            "The attachments of this claim come to %(total)s, more than the %(most)s a package can hold. Download "
            "the PDF and the attachments one by one instead.", total=human_size(total), most=human_size(max_bytes)))
    with writing(supported(language) or current_language()) as chosen:
        return _build(claim, folder, chosen)


def _build(claim: Claim, folder: str, language: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    application = pay_application.from_claim(claim, language)
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pay_application.render_pdf(application))))
    listed: list[Listed] = []
    for attachment in claim.attachments:
        path = Path(folder) / attachment.storage_key
        if not path.is_file():
            listed.append(Listed(attachment.filename, attachment.size_bytes, MISSING))
        elif attachment.content_type == PDF.content_type:
            _append_pdf(writer, attachment, path, listed)
        elif attachment.content_type in (JPEG.content_type, PNG.content_type):
            _append_photo(writer, attachment, path, listed, application)
        else:
            listed.append(Listed(attachment.filename, attachment.size_bytes, NOT_SHOWN))
    if listed:
        writer.append(PdfReader(io.BytesIO(_listing(listed, application))))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _append_pdf(writer, attachment: Attachment, path: Path, listed: list[Listed]) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            listed.append(Listed(attachment.filename, attachment.size_bytes, ENCRYPTED))
            return
        pages = len(reader.pages)  # reads the page tree: a broken file fails here, before anything is added
        writer.append(reader)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        listed.append(Listed(attachment.filename, attachment.size_bytes, UNREADABLE))
        return
    if pages == 0:
        listed.append(Listed(attachment.filename, attachment.size_bytes, NO_PAGES))


def _append_photo(writer, attachment: Attachment, path: Path, listed: list[Listed],  # type: ignore[no-untyped-def]
                  application: pay_application.PayApplication) -> None:
    """One page, the photo scaled to fit under its name, turned upright as the camera recorded it."""
    from PIL import Image, ImageOps
    from pypdf import PdfReader
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    pay_application._fonts()
    buffer = io.BytesIO()
    try:
        with Image.open(path) as photo:
            turned = photo.getexif().get(ORIENTATION, 1) != 1
            # A photo taken upright needs no decoding here: ReportLab embeds a JPEG's bytes as they are.
            image = ImageReader(ImageOps.exif_transpose(photo) if turned else str(path))
            width, height = image.getSize()
        page_w, page_h = letter
        canvas = Canvas(buffer, pagesize=letter)
        margin, caption = 36, 24
        scale = min((page_w - 2 * margin) / width, (page_h - 2 * margin - caption) / height)
        w, h = width * scale, height * scale
        canvas.setFont("PB", 8)
        canvas.drawString(margin, page_h - margin - 10, pay_application._fit(
            f"{attachment.filename} · " + _("backup to %(contract)s, application no. %(number)s",
                                            contract=application.contract, number=application.application_number),
            "PB", 8, page_w - 2 * margin))
        canvas.drawImage(image, (page_w - w) / 2, page_h - margin - caption - h, w, h)
        canvas.showPage()
        canvas.save()
    except Exception:  # noqa: BLE001 - Pillow and ReportLab raise many kinds for a damaged or huge image
        listed.append(Listed(attachment.filename, attachment.size_bytes, BAD_IMAGE))
        return
    writer.append(PdfReader(buffer))


def _listing(listed: list[Listed], application: pay_application.PayApplication) -> bytes:
    """The last page: the files of the backup this document does not show."""
    from reportlab.lib.pagesizes import letter
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pay_application._fonts()
    s = pay_application._styles()
    t = pay_application.text
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=letter, leftMargin=36, rightMargin=36, topMargin=36, bottomMargin=36)
    bold = pay_application.bold
    rows = [[Paragraph(bold(_("File")), s["base"]), Paragraph(bold(_("Size")), s["base"]),
             Paragraph(bold(_("Not shown because it is")), s["base"])]]
    rows += [[Paragraph(t(f.filename), s["base"]), Paragraph(human_size(f.size_bytes), s["base"]),
              Paragraph(t(_(f.why)), s["base"])] for f in listed]
    table = Table(rows, colWidths=[270, 70, 200], repeatRows=1)
    table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.3, "#9aa3ad"), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    doc.build([Paragraph(t(_("Other backup to application no. %(number)s", number=application.application_number)),
                         s["h2"]),
               Paragraph(t(_("These files are attached to the claim but not shown in this document; download them "
                             "from the claim page.")), s["small"]), table])
    return buffer.getvalue()
