"""importArticleDocument: check the upload, keep the original in the blob store, and queue
the `kb.import_document` job that parses it into draft articles (progress via jobUpdated).

What the bytes alone can tell is refused here, before any job exists: too large, empty,
an unsupported type, or a name that claims another type than the content. What takes
parsing (damaged, encrypted, scanned-only) fails the job with a clear `lastError`, and
the job then removes the stored original: nothing is left half-made either way.
"""

from __future__ import annotations

import hashlib
import uuid

import anyio.to_thread

from ai.documents import DocumentRefused, detect_kind
from db.blobs import BlobStore
from db.models import ArticleVersion, Job
from resolvers.attachments.detect import safe_filename
from resolvers.attachments.storage import UploadedFile, human_size, require_blobs
from resolvers.audit import MutationTx
from resolvers.error_codes import KbErrorCode
from resolvers.errors import ValidationFailed
from resolvers.kb.articles import ensure_editable
from resolvers.kb.common import load_article_for_update, require_writer
from resolvers.kb.importing import ImportOptions
from workers.jobs import enqueue
from workers.jobs.kb_import import IMPORT_JOB

__all__ = ["IMPORT_JOB", "import_article_document", "new_source_key"]

_CODES = {
    "empty": KbErrorCode.EMPTY_FILE,
    "unsupported": KbErrorCode.UNSUPPORTED_TYPE,
    "mislabelled": KbErrorCode.UNSUPPORTED_TYPE,
    "too_large": KbErrorCode.TOO_LARGE,
    "corrupt": KbErrorCode.UNREADABLE_FILE,
    "encrypted": KbErrorCode.UNREADABLE_FILE,
}


def new_source_key() -> str:
    return f"kb-sources/{uuid.uuid4()}"


async def _read_bounded(upload: UploadedFile, max_bytes: int) -> bytes:
    too_large = ValidationFailed.one(
        "file",
        f"This file is too large: documents are at most {human_size(max_bytes)}.",
        KbErrorCode.TOO_LARGE,
    )
    if upload.size is not None and upload.size > max_bytes:
        raise too_large
    await upload.seek(0)
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large
    return data


async def store_source(blobs: BlobStore, data: bytes) -> str:
    key = new_source_key()
    await blobs.put(key, data)
    return key


async def import_article_document(
    tx: MutationTx, upload: UploadedFile, options: ImportOptions
) -> Job:
    ctx = tx.ctx
    principal = require_writer(ctx)
    blobs = require_blobs(ctx)
    data = await _read_bounded(upload, ctx.settings.max_upload_bytes)
    filename = safe_filename(upload.filename) if upload.filename else "document"
    try:
        kind = await anyio.to_thread.run_sync(detect_kind, data, upload.filename or "")
    except DocumentRefused as exc:
        raise ValidationFailed.one(
            "file", str(exc), _CODES.get(exc.reason, KbErrorCode.INVALID)
        ) from exc
    if options.article_id is not None:
        if options.split_sections:
            raise ValidationFailed.one(
                "splitSections",
                "A file imported into an existing article becomes one new version: "
                "leave splitSections off.",
                KbErrorCode.INVALID,
            )
        article = await load_article_for_update(tx.session, options.article_id, "articleId")
        ensure_editable(await tx.session.get(ArticleVersion, article.latest_version_id))
    key = await store_source(blobs, data)
    tx.on_rollback(blobs.delete, key)
    job = enqueue(
        tx.session,
        IMPORT_JOB,
        {
            "storage_key": key,
            "filename": filename,
            "sha256": hashlib.sha256(data).hexdigest(),
            "kind": kind.value,
            "size": len(data),
            **options.to_args(),
        },
        requested_by=principal.user_id,
    )
    tx.audit("Job", job.id, {"kind": IMPORT_JOB, "filename": filename, "size": len(data)})
    if ctx.jobs is not None:
        tx.after_commit(ctx.jobs.send_pending, [job])
    return job
