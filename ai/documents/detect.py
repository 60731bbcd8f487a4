"""Which reader a file needs, judged from its bytes and checked against its name."""

from __future__ import annotations

import enum
import io
import zipfile
from pathlib import PurePath

from ai.documents.blocks import ParsedDocument

__all__ = ["DocumentKind", "DocumentRefused", "detect_kind", "parse_document"]

_DAMAGED_ZIP = "a damaged zip archive"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Bytes that never occur in text: NUL and the C0 controls other than \t \n \f \r ESC.
_BINARY = bytes(range(0, 8)) + b"\x0b" + bytes(range(14, 27)) + bytes(range(28, 32))


class DocumentKind(enum.StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    DOC = "doc"
    MARKDOWN = "markdown"
    TEXT = "text"


_BY_EXTENSION = {
    "pdf": DocumentKind.PDF,
    "docx": DocumentKind.DOCX,
    "doc": DocumentKind.DOC,
    "md": DocumentKind.MARKDOWN,
    "markdown": DocumentKind.MARKDOWN,
    "txt": DocumentKind.TEXT,
    "text": DocumentKind.TEXT,
}
_LABEL = {
    DocumentKind.PDF: "a PDF",
    DocumentKind.DOCX: "a Word (.docx) document",
    DocumentKind.DOC: "a Word 97-2003 (.doc) document",
    DocumentKind.MARKDOWN: "a Markdown file",
    DocumentKind.TEXT: "a plain-text file",
}
SUPPORTED = "PDF, Word (.docx), Word 97-2003 (.doc), Markdown (.md) and plain text (.txt)"


class DocumentRefused(ValueError):
    """A file that cannot become an article; the message says why and what to do.

    `reason` is a stable word for programs: unsupported, mislabelled, empty, encrypted,
    corrupt, scanned, too_large.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _content_kind(data: bytes) -> DocumentKind | str:
    """The kind the bytes say, or a description of what they are instead."""
    if data.startswith(b"%PDF-"):
        return DocumentKind.PDF
    if data.startswith(_OLE_MAGIC):
        _refuse_encrypted_office(data)
        return DocumentKind.DOC  # confirmed by the reader
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, ValueError):
            return _DAMAGED_ZIP
        if "word/document.xml" in names:
            return DocumentKind.DOCX
        return "a zip archive that is not a Word document"
    head = data[:65536]
    if len(head.translate(None, _BINARY)) != len(head):
        return "a binary file of a type that cannot be imported"
    return DocumentKind.TEXT


def _refuse_encrypted_office(data: bytes) -> None:
    """A password-protected .docx is an OLE file holding an EncryptedPackage: say so,
    rather than calling it a mislabelled .doc."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            encrypted = ole.exists("EncryptedPackage")
    except OSError:
        return  # the reader reports the damage
    if encrypted:
        raise DocumentRefused(
            "encrypted",
            "This document is encrypted (password-protected): save an unprotected copy.",
        )


def detect_kind(data: bytes, filename: str) -> DocumentKind:
    """The file's kind; refuses empty files, unknown types and files whose name claims
    another type than their content (a text file named .pdf, a PDF named .docx)."""
    if not data.strip():
        raise DocumentRefused("empty", "This file is empty: there is nothing to import.")
    ext = PurePath(filename).suffix.lower().lstrip(".")
    named = _BY_EXTENSION.get(ext)
    found = _content_kind(data)
    if ext and named is None:
        raise DocumentRefused(
            "unsupported", f"Files ending in .{ext} cannot be imported. Supported: {SUPPORTED}."
        )
    if not isinstance(found, DocumentKind):
        if named is DocumentKind.DOCX and found == _DAMAGED_ZIP:
            raise DocumentRefused(
                "corrupt", "This Word document is damaged (its zip container cannot be read)."
            )
        if named is not None:
            raise DocumentRefused(
                "mislabelled",
                f"This file is named .{ext} but its content is {found}; "
                f"export it again as {_LABEL[named]}.",
            )
        raise DocumentRefused("unsupported", f"This file is {found}. Supported: {SUPPORTED}.")
    if named is None:
        return found
    if found is DocumentKind.TEXT and named in (DocumentKind.MARKDOWN, DocumentKind.TEXT):
        return named
    if found is not named:
        raise DocumentRefused(
            "mislabelled",
            f"This file is named .{ext} but its content is {_LABEL[found]}; "
            "rename it or export it again.",
        )
    return found


def parse_document(data: bytes, filename: str, *, max_pages: int = 2000) -> ParsedDocument:
    """Read `data` into blocks, or raise DocumentRefused (nothing else, for any input)."""
    from ai.documents import doc, docx_reader, pdf, text

    kind = detect_kind(data, filename)
    stem = PurePath(filename).stem.strip() or "Untitled"
    try:
        if kind is DocumentKind.PDF:
            parsed = pdf.read_pdf(data, max_pages=max_pages)
        elif kind is DocumentKind.DOCX:
            parsed = docx_reader.read_docx(data)
        elif kind is DocumentKind.DOC:
            parsed = doc.read_doc(data)
        elif kind is DocumentKind.MARKDOWN:
            parsed = text.read_markdown(text.decode(data))
        else:
            parsed = text.read_text(text.decode(data))
    except DocumentRefused:
        raise
    except Exception as exc:  # a reader library choking on a damaged file
        raise DocumentRefused(
            "corrupt", f"This file looks damaged and cannot be read as {_LABEL[kind]} ({exc})."
        ) from exc
    parsed.fallback_title = stem[:300]
    if not parsed.text.strip():
        raise DocumentRefused("empty", f"This file is {_LABEL[kind]} without any text.")
    return parsed
