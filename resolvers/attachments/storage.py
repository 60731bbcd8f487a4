"""Checking an uploaded file and writing it to the blob store: size, emptiness and type
are decided before a row exists, and a refused file leaves no blob behind."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from typing import IO, Protocol

import anyio.to_thread

from db.blobs import CHUNK_SIZE, BlobStore, new_attachment_key
from resolvers.attachments.detect import (
    DOCX,
    HEAD_SIZE,
    PPTX,
    XLSX,
    ZIP,
    TextCheck,
    detect_type,
    office_type,
    safe_filename,
)
from resolvers.context import RequestContext
from resolvers.error_codes import AttachmentErrorCode
from resolvers.errors import ValidationFailed

__all__ = ["StoredBlob", "UploadedFile", "require_blobs", "store_upload"]

_LABELS = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "application/pdf": "PDF",
    "text/plain": "plain text",
    "text/csv": "CSV",
    "message/rfc822": "e-mail (.eml)",
    DOCX: "Word (.docx)",
    XLSX: "Excel (.xlsx)",
    PPTX: "PowerPoint (.pptx)",
    ZIP: "zip",
}


class UploadedFile(Protocol):
    """What the GraphQL `Upload` scalar hands us (Starlette's UploadFile): the body is
    already spooled to a temporary file by the multipart parser."""

    filename: str | None
    size: int | None
    file: IO[bytes]

    async def read(self, size: int = -1) -> bytes: ...

    async def seek(self, offset: int) -> None: ...


@dataclass(frozen=True, slots=True)
class StoredBlob:
    key: str
    filename: str
    content_type: str
    size: int
    sha256: str


def require_blobs(ctx: RequestContext) -> BlobStore:
    if ctx.blobs is None:
        raise RuntimeError("No blob store configured on this runtime.")
    return ctx.blobs


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    if size >= 1024:
        return f"{size / 1024:.3g} KB"
    return f"{size} bytes"


def _too_large(max_bytes: int) -> ValidationFailed:
    return ValidationFailed.one(
        "file",
        f"This file is too large: attachments are at most {human_size(max_bytes)}.",
        AttachmentErrorCode.TOO_LARGE,
    )


def _unsupported(what: str, allowed: Collection[str]) -> ValidationFailed:
    names = ", ".join(_LABELS.get(mime, mime) for mime in allowed)
    return ValidationFailed.one(
        "file",
        f"This file is {what}, which cannot be attached. Allowed: {names}.",
        AttachmentErrorCode.UNSUPPORTED_TYPE,
    )


async def _content_type(upload: UploadedFile, allowed: Collection[str]) -> tuple[str, bool]:
    """(type, is_text) from the first bytes; refuses empty and unsupported files."""
    await upload.seek(0)
    head = await upload.read(HEAD_SIZE)
    if not head:
        raise ValidationFailed.one("file", "This file is empty.", AttachmentErrorCode.EMPTY_FILE)
    detected = detect_type(head, upload.filename or "")
    content_type, what = detected.content_type, detected.description
    if content_type == ZIP:
        try:
            content_type = await anyio.to_thread.run_sync(office_type, upload.file)
        except (zipfile.BadZipFile, OSError, ValueError):
            content_type, what = None, "a damaged zip archive"
        if content_type is not None and content_type != ZIP:
            what = f"a {_LABELS[content_type]} file"
    if content_type is None or content_type not in allowed:
        raise _unsupported(what, allowed)
    return content_type, detected.is_text


async def store_upload(
    blobs: BlobStore, upload: UploadedFile, *, max_bytes: int, allowed: Collection[str]
) -> StoredBlob:
    """Check the file and write it under a new key; raise ValidationFailed with nothing kept.

    Reads in chunks and stops at the first byte past `max_bytes`, so an oversized file is
    never held in memory (the HTTP guard has already bounded what reached the spool file).
    """
    if upload.size is not None and upload.size > max_bytes:
        raise _too_large(max_bytes)
    content_type, is_text = await _content_type(upload, allowed)
    await upload.seek(0)
    digest = hashlib.sha256()
    text = TextCheck() if is_text else None
    size = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal size
        while chunk := await upload.read(CHUNK_SIZE):
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(max_bytes)
            if text is not None:
                text.feed(chunk)
                if not text.ok:
                    raise _unsupported("a binary file of unknown type", allowed)
            digest.update(chunk)
            yield chunk

    key = new_attachment_key()
    await blobs.put(key, chunks())
    return StoredBlob(
        key=key,
        filename=safe_filename(upload.filename, content_type),
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
    )
