"""Offline reply-draft latency, end to end.

    python bench/drafts.py [--rounds 2] [--data-dir DIR]

Builds a fresh embedded PostgreSQL with the 32 help-centre articles (tests/ai/retrieval),
indexed with the local model, and makes an offline draft (`produce_draft`: redaction of the
thread with the patterns detector, hybrid KB search, the extractive responder through the
gateway with usage rows, validation) for each of the 67 questions of tests/ai/drafts. The
first round is cold (every query and KB sentence embedded for the first time; the query-vector
and result caches are off throughout, the response cache too); later rounds reuse the
responder's sentence vectors, as a running worker does. The PII detector is built before
timing (~2 s once per process). Target: p95 <= 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from ai.cache import MemoryCache
from ai.drafts import DraftInput, ThreadMessage, produce_draft
from ai.embeddings.local import LocalMiniLM
from ai.gateway import Gateway
from ai.providers import ExtractiveResponder
from ai.recorder import CallRecorder
from ai.retrieval import index_article_version
from ai.retrieval import search as search_module
from bench.kb_retrieval import embedded, pct
from db.engine import Database
from db.migrate import upgrade
from settings import Settings
from tests.ai.drafts.helpers import draft_questions
from tests.ai.retrieval.helpers import helpcentre, publish_article


async def run(rounds: int, data_dir: Path | None) -> None:
    settings = Settings(ai_cache_ttl=0, _env_file=None)  # type: ignore[call-arg]
    embedder = LocalMiniLM(query_cache_size=0)
    search_module.search_cache.max_entries = 0
    with embedded(data_dir) as socket_dir:
        db = Database(f"postgresql+asyncpg://postgres@/postgres?host={socket_dir}", pool_size=2)
        try:
            async with db.engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
            await upgrade(db.engine)
            for article in helpcentre():
                _, version_id = await publish_article(
                    db, title=article.title, markdown=article.markdown, category=article.category
                )
                await index_article_version(db, version_id, embedder)
            responder = ExtractiveResponder(embedder=embedder)
            gateway = Gateway(
                [responder], settings=settings, cache=MemoryCache(16), recorder=CallRecorder(db)
            )
            await gateway.pii_guard.warm_up()
            questions = [q for q, _ in draft_questions()]
            for n in range(rounds):
                totals: list[float] = []
                stages: dict[str, list[int]] = {}
                for question in questions:
                    draft = DraftInput(
                        ticket_id=uuid.uuid4(),
                        subject="",
                        thread=(ThreadMessage(question, from_customer=True),),
                    )
                    started = time.perf_counter()
                    result = await produce_draft(
                        draft, db=db, gateway=gateway, embedder=embedder, settings=settings
                    )
                    totals.append((time.perf_counter() - started) * 1000)
                    for stage, ms in result.timings_ms.items():
                        stages.setdefault(stage, []).append(ms)
                label = "cold" if n == 0 else "warm"
                print(
                    f"round {n + 1} ({label}, {len(questions)} drafts): "
                    f"p50 {pct(totals, 0.5):.0f} ms  p95 {pct(totals, 0.95):.0f} ms  "
                    f"max {max(totals):.0f} ms"
                )
                for stage, values in stages.items():
                    print(
                        f"    {stage:<9} p50 {statistics.median(values):.0f} ms  "
                        f"p95 {pct([float(v) for v in values], 0.95):.0f} ms"
                    )
            await gateway.close()
        finally:
            await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    asyncio.run(run(args.rounds, args.data_dir))


if __name__ == "__main__":
    main()
