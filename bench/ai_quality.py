"""The aiQuality report's statement over many stored drafts.

Seeds a fresh embedded PostgreSQL (or DATABASE_URL) with N AI suggestions (default 200,000)
spread over 180 days, across 4 providers and 3 prompt versions, with outcomes and ratings,
then runs the report's one statement for a 30-day and a 180-day range per grouping and
prints p50 / p95 latency and whether the plan reads the created_at index. Not a test: run
it by hand.

    python bench/ai_quality.py [--drafts 200000] [--rounds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from db.embedded import embedded_database_url, stop_embedded
from db.engine import Database, to_async_url
from db.migrate import upgrade
from resolvers.ai_quality import QualityGroupBy, quality_statement

SEED = """
WITH c AS (INSERT INTO customers (id, name) VALUES (gen_random_uuid(), 'Bench') RETURNING id),
t AS (
  INSERT INTO tickets (id, customer_id, subject, status)
  SELECT gen_random_uuid(), c.id, 'Bench ticket', 'open' FROM c RETURNING id
),
s AS (
  INSERT INTO ai_suggestions (
    id, ticket_id, status, action, confidence, language, question, sources, citations,
    validation_passed, validation_reasons, groundedness, citation_coverage, provider, model,
    prompt_version, pipeline_version, rating, edit_distance, created_at, updated_at)
  SELECT gen_random_uuid(), t.id,
    (ARRAY['ready','invalid','accepted','rejected','auto_sent','superseded'])[1 + i % 6],
    (ARRAY['REPLY','REPLY','REPLY','ESCALATE'])[1 + i % 4],
    random(), 'en', 'q', '[]', '[]', i % 6 <> 1, '[]', random(), random(),
    (ARRAY['offline','openai','anthropic','local'])[1 + i % 4], 'm',
    (ARRAY['p1','p2','p3'])[1 + i % 3], 'draft-v1',
    CASE WHEN i % 5 = 0 THEN 1 WHEN i % 7 = 0 THEN -1 END,
    CASE WHEN i % 6 = 2 THEN i % 40 END,
    now() - (i % (180 * 24)) * interval '1 hour', now()
  FROM t, generate_series(1, :n) AS i
  RETURNING id
)
INSERT INTO ai_suggestion_versions (id, suggestion_id, number, text)
SELECT gen_random_uuid(), s.id, 1, repeat('Reply text. ', 20) FROM s
"""


async def run(url: str, drafts: int, rounds: int, explain: bool = False) -> None:
    db = Database(url)
    await upgrade(db.engine)
    started = time.perf_counter()
    async with db.transaction() as session:
        await session.execute(text(SEED), {"n": drafts})
    async with db.transaction() as session:
        await session.execute(text("ANALYZE ai_suggestions"))
        await session.execute(text("ANALYZE ai_suggestion_versions"))
    print(f"seeded {drafts:,} drafts in {time.perf_counter() - started:.1f} s")
    now = datetime.now(UTC)
    for days in (30, 180):
        for group_by in QualityGroupBy:
            statement = quality_statement(now - timedelta(days=days), now, group_by)
            timings: list[float] = []
            async with db.sessions() as session:
                for _ in range(rounds):
                    t0 = time.perf_counter()
                    rows = (await session.execute(statement)).all()
                    timings.append((time.perf_counter() - t0) * 1000)
                compiled = statement.compile(
                    db.engine.sync_engine, compile_kwargs={"literal_binds": True}
                )
                plan = "\n".join(r[0] for r in await session.execute(text(f"EXPLAIN {compiled}")))
            timings.sort()
            p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
            print(
                f"{days:>3} days by {group_by.name:<14} groups {len(rows):>3}  "
                f"p50 {statistics.median(timings):7.1f} ms  p95 {p95:7.1f} ms  "
                f"created_at index: {'yes' if 'ix_ai_suggestions_created_at' in plan else 'no'}"
            )
    if explain:
        statement = quality_statement(now - timedelta(days=180), now, QualityGroupBy.PROVIDER)
        compiled = statement.compile(db.engine.sync_engine, compile_kwargs={"literal_binds": True})
        async with db.sessions() as session:
            for row in await session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}")):
                print(row[0])
    await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--drafts", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--explain", action="store_true", help="print the 180-day plan")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="autocrm-bench-aiq-"))
    configured = os.environ.get("DATABASE_URL")
    url = to_async_url(configured) if configured else embedded_database_url(work / "embedded")
    try:
        await run(url, args.drafts, args.rounds, args.explain)
    finally:
        if not configured:
            stop_embedded(work / "embedded")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
