"""Type detection and filename cleaning, on bytes and names no HTTP client would send."""

from __future__ import annotations

import io

import pytest

from resolvers.attachments.detect import (
    DOCX,
    PPTX,
    XLSX,
    ZIP,
    TextCheck,
    detect_type,
    office_type,
    safe_filename,
)
from tests.resolvers.attachment_helpers import docx_bytes, pdf_bytes, png_bytes, windows_exe_bytes


@pytest.mark.parametrize(
    ("raw", "content_type", "expected"),
    [
        ("C:\\Users\\ann\\report.pdf", "application/pdf", "report.pdf"),
        ("../../etc/passwd", "text/plain", "passwd.txt"),
        ("photo.pdf", "image/png", "photo.png"),
        ("invoice\u202efdp.exe", "image/png", "invoicefdp.exe.png"),
        ("bell\x07\x00name.txt", "text/plain", "bellname.txt"),
        ("CON.txt", "text/plain", "_CON.txt"),
        ('a<b>:"c"|?*.csv', "text/csv", "a_b___c____.csv"),
        ("", "application/pdf", "attachment.pdf"),
        ("  ..hidden. ", "text/plain", "hidden.txt"),
        ("script.sh", "text/plain", "script.sh.txt"),
        ("page.html", "text/plain", "page.html.txt"),
        ("page.HTM", "text/plain", "page.HTM.txt"),
        ("doc.xhtml", "text/plain", "doc.xhtml.txt"),
        ("feed.xml", "text/plain", "feed.xml.txt"),
        ("logo.svg", "text/plain", "logo.svg.txt"),
        ("app.js", "text/plain", "app.js.txt"),
        ("Résumé (final) 日本.docx", DOCX, "Résumé (final) 日本.docx"),
        ("JPEG.JPG", "image/jpeg", "JPEG.JPG"),
    ],
)
def test_filenames_are_made_safe(raw: str, content_type: str, expected: str) -> None:
    assert safe_filename(raw, content_type) == expected


def test_long_filenames_keep_their_extension_within_255_characters() -> None:
    name = safe_filename("é" * 300 + ".pdf", "application/pdf")

    assert len(name) == 255
    assert name.endswith("é.pdf")


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (png_bytes(), "x.bin", "image/png"),
        (pdf_bytes(), "x", "application/pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01", "x", "image/jpeg"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00", "x", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "x", "image/webp"),
        (b"id,total\n1,2\n", "orders.csv", "text/csv"),
        (b"From: ann@example.com\r\nSubject: hi\r\n\r\nbody", "mail.eml", "message/rfc822"),
        (b"just some words", "mail.eml", "text/plain"),
        ("naïve café\n".encode("cp1252"), "legacy.txt", "text/plain"),
        (docx_bytes(), "x.docx", ZIP),
    ],
)
def test_types_are_detected_from_content(content: bytes, name: str, expected: str) -> None:
    assert detect_type(content, name).content_type == expected


@pytest.mark.parametrize(
    "content",
    [windows_exe_bytes(), b"\x7fELF\x02\x01\x01" + bytes(64), bytes(range(256))],
)
def test_programs_and_unknown_binaries_have_no_type(content: bytes) -> None:
    assert detect_type(content, "innocent.pdf").content_type is None


@pytest.mark.parametrize(("folder", "expected"), [("word", DOCX), ("xl", XLSX), ("ppt", PPTX)])
def test_office_formats_are_told_apart_by_their_parts(folder: str, expected: str) -> None:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}/main.xml", "<x/>")

    assert office_type(io.BytesIO(out.getvalue())) == expected


def test_a_plain_zip_is_just_a_zip() -> None:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/readme.txt", "no content types part")

    assert office_type(io.BytesIO(out.getvalue())) == ZIP


def test_text_check_refuses_a_binary_byte_in_any_chunk() -> None:
    check = TextCheck()

    check.feed(b"hello\tworld\r\n")
    assert check.ok
    check.feed(b"more\x00")
    assert not check.ok
