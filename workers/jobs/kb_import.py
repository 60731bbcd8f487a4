"""`kb.import_document`: parse an uploaded document into draft articles, with progress.

The original is already in the blob store (importArticleDocument put it there). The drafts
are written in the transaction that marks the job succeeded, so a job run twice cannot
make them twice; a file that cannot be read fails the job with the reason and its stored
original is removed, so nothing is left half-made.
"""

from __future__ import annotations

import logging

import anyio.to_thread
from sqlalchemy import update

from ai.documents import DocumentRefused, parse_document
from ai.documents.text import front_matter_of
from db.blobs import BlobNotFound, BlobStore, blob_store
from db.models import Job
from workers.jobs.kinds import job_kind
from workers.jobs.runner import JobRun

__all__ = ["IMPORT_JOB", "ImportRefused", "import_document"]

IMPORT_JOB = "kb.import_document"
_log = logging.getLogger("autocrm.kb")


class ImportRefused(Exception):
    """The document cannot become an article (a permanent failure: no retry)."""


async def _read(store: BlobStore, key: str) -> bytes:
    parts = [chunk async for chunk in store.open(key)]
    return b"".join(parts)


@job_kind(IMPORT_JOB, time_limit=900.0, max_attempts=3)
async def import_document(run: JobRun) -> str | None:
    # The store BLOB_URL names (the data folder's files/ by default), as the server uses.
    store = blob_store(run.env.settings)
    try:
        return await _import(run, store)
    finally:
        await store.aclose()


async def _import(run: JobRun, store: BlobStore) -> str | None:
    # The article writer is the knowledge base's use-case code (one writer for GraphQL,
    # imports and the CLI); imported here because resolvers import the jobs package.
    from resolvers.changes import CHANGES_CHANNEL, ChangeKind, change_payload
    from resolvers.kb.common import ARTICLE_ENTITY, is_live_public
    from resolvers.kb.importing import ImportOptions, write_import
    from resolvers.kb.writer import Source

    args = run.args
    key = str(args["storage_key"])
    filename = str(args["filename"])
    await run.progress(0.05, f"reading {filename}")
    try:
        data = await _read(store, key)
    except BlobNotFound as exc:
        raise ImportRefused("The uploaded file is gone: upload it again.") from exc
    try:
        await run.progress(0.2, "extracting text")
        parsed = await anyio.to_thread.run_sync(parse_document, data, filename)
        front = front_matter_of(data) if parsed.kind == "markdown" else {}
        await run.progress(0.7, f"writing drafts from {parsed.pages} page(s)")
        source = Source(str(args["sha256"]), filename, key)
        async with run.finishing() as session:
            results = await write_import(
                session, parsed, front, source, ImportOptions.from_args(args), run.requested_by
            )
            await session.flush()
            events = [
                change_payload(
                    ARTICLE_ENTITY,
                    item.article.id,
                    ChangeKind.CREATED if item.created else ChangeKind.UPDATED,
                    public=is_live_public(item.article),
                )
                for item in results
            ]
    except DocumentRefused as exc:
        await store.delete(key)
        raise ImportRefused(str(exc)) from exc
    result_ref = "articles:" + ",".join(str(item.article.id) for item in results)
    async with run.db.transaction() as session:
        await session.execute(update(Job).where(Job.id == run.id).values(result_ref=result_ref))
    publisher = run.env.publisher
    if publisher is not None:
        for event in events:
            try:
                await publisher.publish(CHANGES_CHANNEL, event)
            except Exception as exc:  # realtime is best-effort: the drafts are committed
                _log.debug("change event not published: %s", exc)
    return result_ref
