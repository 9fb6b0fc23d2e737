"""What a file's bytes say it is, and the name a person sees: pure functions, no database."""

from __future__ import annotations

import pytest

from domain.attachments import CSV, HEIC, HEIF, MAX_NAME, safe_name, sniff


@pytest.mark.parametrize(("sent", "shown"), [
    ("invoice.pdf", "invoice.pdf"),
    ("../../x.pdf", "x.pdf"),
    ("C:\\Users\\maria\\Desktop\\ticket 12.jpg", "ticket 12.jpg"),
    ("/etc/passwd", "passwd"),
    ("  spaced   out .pdf ", "spaced out .pdf"),
    ("..", ""),
    ("../../", ""),
    ("\x00\x07", ""),
])
def test_safe_name_keeps_only_the_last_part_without_control_characters(sent, shown):
    assert safe_name(sent) == shown


def test_a_long_name_is_shortened_keeping_its_extension():
    shown = safe_name("b" * 300 + ".xlsx")
    assert len(shown) <= MAX_NAME and shown.endswith("~.xlsx")
    assert len(safe_name("c" * 300)) == MAX_NAME


@pytest.mark.parametrize(("data", "found"), [
    (b"MZ" + b"x" * 64, "a Windows program (.exe)"),  # no NUL at all: still a program, not CSV
    (b"\x7fELF\x02\x01\x01", "a program (ELF)"),
    (b"Rar!\x1a\x07\x00", "a RAR archive"),
    (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2mp41", "an MP4 video"),
    (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "an AVIF image"),
    (b"<!DOCTYPE html><html>a,b</html>", "a web page (HTML)"),
    (b"a,b\n\x1b[31m,c\n", "unknown binary"),
    (b"\xff\xfe\xfa\xff", "unknown binary"),
])
def test_files_we_do_not_take_are_named_by_what_they_are(data, found):
    sniffed = sniff(data)
    assert sniffed.kind is None and sniffed.found == found


@pytest.mark.parametrize("data", [
    b"code;amount\r\n03 30 00;1200,00\r\n",
    b"\xef\xbb\xbfcode,amount\n",  # Excel's UTF-8 byte order mark
    "caf\u00e9,".encode() * 30000,  # a character may be cut in two where the sample ends
])
def test_text_with_columns_is_csv(data):
    assert sniff(data).kind is CSV


def test_heif_brands_anywhere_in_the_ftyp_box_are_photos():
    assert sniff(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic").kind is HEIC
    assert sniff(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1miaf").kind is HEIF
    assert sniff(b"\x00\x00\x00\x14ftyphevc\x00\x00\x00\x00hevc").kind is HEIC
