"""`kb.index_version`: chunk and embed one article version (args `{"version_id": …}`).

Enqueued when a version is published. Idempotent by version: a re-run replaces the
version's chunks. Embedding is the slow part, so progress is reported per batch.
"""

from __future__ import annotations

import uuid

from ai.embeddings import EmbeddingUnavailable, active_embedder
from ai.retrieval import VersionNotFound, index_article_version
from workers.jobs.kinds import TransientJobError, job_kind
from workers.jobs.runner import JobRun

__all__ = ["KB_INDEX_VERSION", "kb_index_version"]

KB_INDEX_VERSION = "kb.index_version"


@job_kind(KB_INDEX_VERSION, queue="kb", time_limit=900.0, max_attempts=5)
async def kb_index_version(run: JobRun) -> str | None:
    try:
        version_id = uuid.UUID(str(run.args["version_id"]))
    except (KeyError, ValueError) as exc:
        raise ValueError("kb.index_version needs args {'version_id': <uuid>}") from exc
    settings = run.env.settings
    try:
        embedder = active_embedder(settings)
        result = await index_article_version(
            run.db,
            version_id,
            embedder,
            batch_size=settings.kb_embedding_batch,
            progress=run.progress,
        )
    except VersionNotFound:
        return "version-gone"  # deleted since it was queued: nothing to index
    except EmbeddingUnavailable as exc:
        # A provider away (OpenAI down, rate-limited) is worth retrying; the backoff spaces it.
        raise TransientJobError(str(exc)) from exc
    return f"chunks:{result.chunks}"
