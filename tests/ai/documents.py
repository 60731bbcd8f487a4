"""Real documents made in code for the import tests: multi-page PDFs (hand-built bytes,
with and without a text layer, encrypted with pypdf), DOCX with python-docx, Markdown."""

from __future__ import annotations

import io

import docx
from pypdf import PdfReader, PdfWriter

__all__ = [
    "SAMPLE_MARKDOWN",
    "docx_document",
    "encrypted_pdf",
    "pdf_document",
    "scanned_pdf",
]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_document(pages: list[list[str]]) -> bytes:
    """A PDF with one page per entry, each line of text drawn with Helvetica (a real text
    layer), with a correct cross-reference table."""
    objects: list[bytes] = [b"", b""]  # catalog and page tree, filled in below
    font = 3
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    kids: list[int] = []
    for lines in pages:
        ops = ["BT /F1 12 Tf 72 740 Td 16 TL"]
        ops += [f"({_escape(line)}) Tj T*" for line in lines]
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (content, font)
        )
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    return _assemble(objects)


def scanned_pdf(pages: int = 2) -> bytes:
    """Pages with only an image on them (a scan): no text layer at all."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    pixels = b"\x80" * 16
    objects.append(
        b"<< /Type /XObject /Subtype /Image /Width 4 /Height 4 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n" % len(pixels) + pixels + b"\nendstream"
    )
    image = len(objects)
    kids = []
    for _ in range(pages):
        stream = b"q 500 0 0 700 50 50 cm /Im1 Do Q"
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /XObject << /Im1 %d 0 R >> >> >>" % (content, image)
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    return _assemble(objects)


def _assemble(objects: list[bytes]) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf_document([["Secret plan"]]))).pages:
        writer.add_page(page)
    writer.encrypt("open sesame")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_document() -> bytes:
    """Headings, a paragraph, a bullet list, a numbered list and a table."""
    document = docx.Document()
    document.add_heading("Getting started with Acme Cloud", level=1)
    document.add_paragraph("Acme Cloud keeps your files in sync.")
    document.add_heading("Install the app", level=2)
    document.add_paragraph("Download the installer.", style="List Number")
    document.add_paragraph("Run it and sign in.", style="List Number")
    document.add_heading("Plans", level=2)
    table = document.add_table(rows=3, cols=2)
    for row, (plan, price) in zip(
        table.rows, [("Plan", "Price"), ("Basic", "5 USD"), ("Pro", "12 USD")], strict=True
    ):
        row.cells[0].text, row.cells[1].text = plan, price
    document.add_paragraph("What Pro adds:")
    document.add_paragraph("Version history", style="List Bullet")
    document.add_paragraph("Priority support", style="List Bullet")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


SAMPLE_MARKDOWN = """---
title: "Two-factor authentication"
category: "Security"
tags: ["2fa", "login"]
---
# Two-factor authentication

Turn it on under **Settings > Security**. <script>alert(1)</script>

## Authenticator apps

- Google Authenticator
- 1Password

## Recovery codes

Keep them somewhere safe.

| Code | Uses |
|------|------|
| A    | 1    |
"""
