"""Re-embedding after the embedding model changed (`autocrm kb reembed`): every chunk whose
vector is of another model than the active one gets a new vector, in batches, each batch
committed on its own (an interrupted run resumes where it stopped)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, func, select, update

from ai.embeddings.base import Embedder
from ai.retrieval.chunking import embedding_input
from ai.retrieval.result_cache import search_cache
from db.base import utcnow
from db.engine import Database
from db.models import ArticleVersion, KbChunk

__all__ = ["count_stale_chunks", "reembed_chunks"]


def _stale(model: str, only_model: str | None) -> ColumnElement[bool]:
    if only_model is not None:
        return KbChunk.embedding_model == only_model
    return KbChunk.embedding_model.is_distinct_from(model)


async def count_stale_chunks(db: Database, model: str, only_model: str | None = None) -> int:
    async with db.transaction() as session:
        count: int = (
            await session.execute(
                select(func.count()).select_from(KbChunk).where(_stale(model, only_model))
            )
        ).scalar_one()
    return count


async def reembed_chunks(
    db: Database,
    embedder: Embedder,
    *,
    only_model: str | None = None,
    batch_size: int = 32,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Re-embed the stale chunks (those of `only_model` if given); returns how many."""
    if only_model == embedder.model_name:
        return 0
    done = 0
    while True:
        async with db.transaction() as session:
            rows = (
                await session.execute(
                    select(KbChunk.id, KbChunk.text, KbChunk.heading_path, ArticleVersion.title)
                    .join(ArticleVersion, ArticleVersion.id == KbChunk.article_version_id)
                    .where(_stale(embedder.model_name, only_model))
                    .order_by(KbChunk.id)
                    .limit(batch_size)
                )
            ).all()
        if not rows:
            break
        vectors = await embedder.embed_documents(
            [embedding_input(r.title, list(r.heading_path or ()), r.text) for r in rows]
        )
        now = utcnow()
        async with db.transaction() as session:
            # ORM bulk UPDATE by primary key: one executemany for the batch.
            await session.execute(
                update(KbChunk),
                [
                    {
                        "id": row.id,
                        "embedding": vector,
                        "embedding_model": embedder.model_name,
                        "embedded_at": now,
                    }
                    for row, vector in zip(rows, vectors, strict=True)
                ],
            )
        done += len(rows)
        if on_batch is not None:
            on_batch(len(rows))
    search_cache.invalidate()
    return done
