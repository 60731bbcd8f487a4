"""Indexing one article version: chunk it, embed the chunks in batches, and replace the
version's rows in `kb_chunks` in one transaction (so a re-run replaces, never duplicates,
and a search never sees half a version).

Used by the `kb.index_version` job (workers/jobs/kb_index.py) and synchronously by the CLI.
Once the indexed version is the article's published one, chunks of its other versions
are removed: only the published version is retrievable, and stale rows only slow the
vector index down.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass

from sqlalchemy import cast, delete, func, insert, literal, literal_column, select, update
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.ext.asyncio import AsyncSession

from ai.embeddings.base import Embedder
from ai.retrieval.chunking import chunk_article, embedding_input, text_search_config
from ai.retrieval.result_cache import search_cache
from db.base import utcnow
from db.engine import Database
from db.models import Article, ArticleVersion, KbChunk

__all__ = ["IndexResult", "Progress", "VersionNotFound", "index_article_version"]

# (fraction done 0..1, message)
Progress = Callable[[float, str], Awaitable[None]]


class VersionNotFound(LookupError):
    """The version to index does not exist (deleted since the job was queued)."""


@dataclass(frozen=True, slots=True)
class IndexResult:
    version_id: uuid.UUID
    chunks: int
    model: str


def _transaction(target: Database | AsyncSession) -> AbstractAsyncContextManager[AsyncSession]:
    if isinstance(target, Database):
        return target.transaction()
    return nullcontext(target)


async def index_article_version(
    target: Database | AsyncSession,
    version_id: uuid.UUID,
    embedder: Embedder,
    *,
    batch_size: int = 32,
    progress: Progress | None = None,
) -> IndexResult:
    """Chunk and embed `version_id` and store its chunks. With an AsyncSession the caller
    owns the transaction (the CLI, a test); with a Database each step gets its own."""
    async with _transaction(target) as session:
        row = (
            await session.execute(
                select(ArticleVersion, Article)
                .join(Article, Article.id == ArticleVersion.article_id)
                .where(ArticleVersion.id == version_id)
            )
        ).first()
    if row is None:
        raise VersionNotFound(f"article version {version_id} does not exist")
    version, article = row[0], row[1]
    title, locale = version.title, article.locale
    chunks = await asyncio.to_thread(
        chunk_article,
        title=title,
        body_html=version.body_html,
        body_text=version.body_text,
        tokenize=embedder.tokenize,
    )
    inputs = [embedding_input(title, c.heading_path, c.text) for c in chunks]
    vectors: list[list[float]] = []
    for start in range(0, len(inputs), batch_size):
        vectors += await embedder.embed_documents(inputs[start : start + batch_size])
        if progress is not None:
            done = len(vectors)
            await progress(done / len(inputs), f"embedded {done} of {len(inputs)} chunks")
    config = text_search_config(locale)
    now = utcnow()
    async with _transaction(target) as session:
        # Lock the article row: two runs for one article write one after the other.
        published = (
            await session.execute(
                select(Article.published_version_id)
                .where(Article.id == article.id)
                .with_for_update()
            )
        ).scalar_one_or_none()
        await session.execute(delete(KbChunk).where(KbChunk.article_version_id == version_id))
        if published == version_id:
            await session.execute(
                delete(KbChunk).where(
                    KbChunk.article_id == article.id, KbChunk.article_version_id != version_id
                )
            )
        if chunks:
            regconfig = cast(literal(config), REGCONFIG)
            rows = [
                {
                    "id": uuid.uuid4(),
                    "article_version_id": version_id,
                    "article_id": article.id,
                    "position": chunk.position,
                    "heading_path": chunk.heading_path,
                    "text": chunk.text,
                    "token_count": chunk.token_count,
                    "search_config": config,
                    "embedding": vector,
                    "embedding_model": embedder.model_name,
                    "embedded_at": now,
                }
                for chunk, vector in zip(chunks, vectors, strict=True)
            ]
            await session.execute(insert(KbChunk), rows)
            # Title and headings weigh more than body text in ts_rank (weights A and B).
            await session.execute(
                update(KbChunk)
                .where(KbChunk.article_version_id == version_id)
                .values(
                    search_vector=func.setweight(
                        func.to_tsvector(
                            regconfig,
                            func.concat_ws(
                                " ", title, func.array_to_string(KbChunk.heading_path, " ")
                            ),
                        ),
                        literal_column("'A'"),
                    ).op("||")(
                        func.setweight(
                            func.to_tsvector(regconfig, KbChunk.text), literal_column("'B'")
                        )
                    )
                )
            )
    search_cache.invalidate()
    return IndexResult(version_id, len(chunks), embedder.model_name)
