"""What an uploaded file really is, judged from its bytes, and a filename safe to keep.

The declared content type and the file's extension are never trusted: the type stored
and served is the one detected here (a PNG uploaded as "report.pdf" is stored as
image/png and renamed "report.png"; a Windows program named "invoice.pdf" is refused).
Binary formats are recognised by their signatures (the `filetype` package, pure Python);
zip-based Office files are confirmed from the archive's directory; anything without a
signature counts as text only if it contains no binary control bytes, and is then plain
text, CSV or an e-mail message by its extension.
"""

from __future__ import annotations

import os.path
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO

import filetype

__all__ = [
    "DOCX",
    "PPTX",
    "XLSX",
    "ZIP",
    "Detected",
    "TextCheck",
    "detect_type",
    "is_zip",
    "office_type",
    "safe_filename",
]

HEAD_SIZE = 8192  # what the signature check reads (filetype's own window)
MAX_FILENAME = 255

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ZIP = "application/zip"

EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg", "jpe", "jfif"),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    "application/pdf": ("pdf",),
    # Markup and script names (html, htm, xhtml, xml, svg, js …) are left out on purpose:
    # such text keeps its name with ".txt" added, so no browser or desktop opens it as a
    # page, an image or a program.
    "text/plain": ("txt", "text", "log", "md", "json", "ics", "vcf"),
    "text/csv": ("csv", "tsv"),
    "message/rfc822": ("eml",),
    DOCX: ("docx",),
    XLSX: ("xlsx",),
    PPTX: ("pptx",),
    ZIP: ("zip",),
}
_KNOWN_EXTENSIONS = {ext for exts in EXTENSIONS.values() for ext in exts}
# Executables are named so the message can say so (they would be refused anyway).
_EXECUTABLE = {
    "application/x-msdownload",
    "application/x-executable",
    "application/x-mach-binary",
    "application/x-elf",
    "application/x-sharedlib",
    "application/vnd.microsoft.portable-executable",
}

# Bytes that never occur in text files: NUL and the C0 controls other than \t \n \f \r ESC.
_BINARY_BYTES = bytes(range(0, 8)) + b"\x0b" + bytes(range(14, 27)) + bytes(range(28, 32))
_HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*:[ \t]")
_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Detected:
    """`content_type` is None when the bytes match nothing we can name."""

    content_type: str | None
    description: str
    # Text has no signature: the whole file must pass TextCheck, not just the head.
    is_text: bool = False


def is_zip(head: bytes) -> bool:
    return head.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def detect_type(head: bytes, filename: str) -> Detected:
    """Judge the first HEAD_SIZE bytes. Zip containers come back as ZIP: the caller
    confirms Office formats with office_type() on the whole file."""
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF"):
        return Detected(None, "a program (executable)")
    if is_zip(head):
        return Detected(ZIP, "a zip archive")
    kind = filetype.guess(head)
    if kind is not None:
        mime = "image/jpeg" if kind.mime == "image/jpg" else kind.mime
        if mime in _EXECUTABLE:
            return Detected(None, "a program (executable)")
        return Detected(mime, f"a {kind.extension.upper()} file")
    if TextCheck.looks_binary(head):
        return Detected(None, "a binary file of unknown type")
    ext = _extension(filename)
    if ext in EXTENSIONS["text/csv"]:
        return Detected("text/csv", "a CSV file", is_text=True)
    if ext == "eml" and _HEADER_LINE.match(head.lstrip(b"\xef\xbb\xbf")):
        return Detected("message/rfc822", "an e-mail message", is_text=True)
    return Detected("text/plain", "a text file", is_text=True)


def office_type(file: IO[bytes]) -> str:
    """DOCX / XLSX / PPTX when the zip has an OOXML [Content_Types].xml and the part
    folder of that format, ZIP for any other readable archive; raises zipfile.BadZipFile.
    Reads the archive's directory only (no member is decompressed)."""
    with zipfile.ZipFile(file) as archive:
        names = archive.namelist()
    if "[Content_Types].xml" in names:
        for prefix, mime in (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX)):
            if any(name.startswith(prefix) for name in names):
                return mime
    return ZIP


class TextCheck:
    """Fed every chunk of a file detected as text: one binary byte anywhere refuses it."""

    def __init__(self) -> None:
        self.ok = True

    @staticmethod
    def looks_binary(chunk: bytes) -> bool:
        return bool(chunk) and len(chunk.translate(None, _BINARY_BYTES)) != len(chunk)

    def feed(self, chunk: bytes) -> None:
        if self.ok and self.looks_binary(chunk):
            self.ok = False


def _extension(filename: str) -> str:
    _, dot, ext = filename.rpartition(".")
    return ext.lower() if dot else ""


def safe_filename(raw: str | None, content_type: str | None = None) -> str:
    """The name to keep and to offer on download: no folders, no control or bidi-override
    characters (they disguise "exe.pdf" as "fdp.exe"), nothing Windows refuses, at most
    255 characters, and an extension that matches the detected type."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    name = _UNSAFE_CHARS.sub("_", name)
    name = " ".join(name.split()).strip(". ")
    if _WINDOWS_RESERVED.match(name):
        name = f"_{name}"
    stem, ext = os.path.splitext(name)
    if content_type in EXTENSIONS:
        allowed = EXTENSIONS[content_type]
        if ext[1:].lower() not in allowed:
            # A known but wrong extension is replaced; an unknown one stays in the name.
            if ext[1:].lower() not in _KNOWN_EXTENSIONS:
                stem += ext
            ext = f".{allowed[0]}"
    if len(ext) > 20:  # not a real extension: keep it as part of the name
        stem, ext = stem + ext, ""
    stem = stem or "attachment"
    return stem[: MAX_FILENAME - len(ext)] + ext
