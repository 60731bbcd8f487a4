"""Indexing a version: chunks with vectors of the active model and an English tsvector; a
re-run replaces them; publishing a new version retires the old one's chunks; the
`kb.index_version` job does the same with progress."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, text

from ai.retrieval import index_article_version
from db.engine import Database
from db.models import Job, KbChunk
from settings import Settings
from tests.ai.retrieval.helpers import MemoEmbedder, add_version, publish_article
from workers.jobs import build_job_queue, enqueue
from workers.jobs.kb_index import KB_INDEX_VERSION
from workers.jobs.runner import JobEnv, run_job

REFUNDS = """# Refunds

## Card payments

Refunds to a card reach the client's statement within five to ten business days. Ledgerly
sends the refund through Stripe when the invoice was paid online.

## Bank transfers

For bank transfers, record the refund yourself once the money has left your account.
Attach the bank's confirmation so your accountant can match it during reconciliation.
"""


async def _chunks(db: Database, version_id: uuid.UUID) -> list[KbChunk]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(KbChunk)
            .where(KbChunk.article_version_id == version_id)
            .order_by(KbChunk.position)
        )
        return list(rows.scalars())


async def test_indexing_stores_chunks_with_vectors_and_stemmed_text(
    db: Database, embedder: MemoEmbedder
) -> None:
    _, version_id = await publish_article(db, title="Refunds", markdown=REFUNDS)

    result = await index_article_version(db, version_id, embedder)

    chunks = await _chunks(db, version_id)
    assert result.chunks == len(chunks) == 2
    assert [c.heading_path for c in chunks] == [["Card payments"], ["Bank transfers"]]
    assert {c.embedding_model for c in chunks} == {embedder.model_name}
    assert all(c.embedded_at is not None and c.search_config == "english" for c in chunks)
    async with db.transaction() as session:
        # English stemming: "refunding" finds "refund"; the title is indexed with each chunk.
        stemmed = await session.scalar(
            text(
                "SELECT count(*) FROM kb_chunks WHERE article_version_id = :v "
                "AND search_vector @@ to_tsquery('english', 'refunding & transfers')"
            ),
            {"v": version_id},
        )
    assert stemmed == 1


async def test_reindexing_a_version_replaces_its_chunks(
    db: Database, embedder: MemoEmbedder
) -> None:
    _, version_id = await publish_article(db, title="Refunds", markdown=REFUNDS)
    await index_article_version(db, version_id, embedder)
    before = {c.id for c in await _chunks(db, version_id)}

    await index_article_version(db, version_id, embedder)

    after = await _chunks(db, version_id)
    assert len(after) == len(before)
    assert not before & {c.id for c in after}


async def test_publishing_a_new_version_retires_the_old_chunks(
    db: Database, embedder: MemoEmbedder
) -> None:
    article_id, first = await publish_article(db, title="Refunds", markdown=REFUNDS)
    await index_article_version(db, first, embedder)
    draft = await add_version(
        db, article_id, title="Refunds", markdown=REFUNDS + "\n\nDraft text.", publish=False
    )
    await index_article_version(db, draft, embedder)
    assert await _chunks(db, first)  # a draft's index leaves the published one alone

    second = await add_version(
        db, article_id, title="Refunds and credits", markdown=REFUNDS, publish=True
    )
    await index_article_version(db, second, embedder)

    assert await _chunks(db, first) == []
    assert await _chunks(db, draft) == []
    assert len(await _chunks(db, second)) == 2


async def test_the_index_job_embeds_a_version_and_reports_progress(
    db: Database, settings: Settings
) -> None:
    _, version_id = await publish_article(db, title="Refunds", markdown=REFUNDS)
    queue = build_job_queue(db, settings, None)
    async with db.transaction() as session:
        job = enqueue(session, KB_INDEX_VERSION, {"version_id": str(version_id)})

    outcome = await run_job(JobEnv(db=db, settings=settings, sender=queue.sender), job.id)

    async with db.transaction() as session:
        row = await session.get(Job, job.id)
        count = await session.scalar(
            select(func.count())
            .select_from(KbChunk)
            .where(KbChunk.article_version_id == version_id)
        )
    assert outcome == "succeeded"
    assert row is not None
    assert (row.progress, row.result_ref) == (1.0, "chunks:2")
    assert count == 2
    await queue.stop()


async def test_the_index_job_for_a_deleted_version_ends_quietly(
    db: Database, settings: Settings
) -> None:
    queue = build_job_queue(db, settings, None)
    async with db.transaction() as session:
        job = enqueue(session, KB_INDEX_VERSION, {"version_id": str(uuid.uuid4())})

    outcome = await run_job(JobEnv(db=db, settings=settings, sender=queue.sender), job.id)

    async with db.transaction() as session:
        row = await session.get(Job, job.id)
    assert outcome == "succeeded"
    assert row is not None
    assert row.result_ref == "version-gone"
    await queue.stop()
