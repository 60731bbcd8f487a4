"""What the LLM gateway adds to a call: fallback bookkeeping, cache lookup, quota check and
the usage row, against the raw OpenAI SDK talking to the same loopback server.

Starts a loopback server that speaks OpenAI's API (tests/ai/loopback.py) and a fresh embedded
PostgreSQL (or DATABASE_URL) for the usage rows, then streams N distinct prompts through the
bare SDK and N through the gateway, and N repeats answered from the cache. Prints p50/p95 of
each and the gateway's overhead. Not a test: run it by hand.

    python bench/llm_gateway.py [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import openai
from limits.aio.storage import MemoryStorage
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ai import CompletionRequest, Gateway  # noqa: E402
from ai.cache import MemoryCache  # noqa: E402
from ai.providers import OpenAIProvider  # noqa: E402
from ai.quotas import Quotas  # noqa: E402
from ai.recorder import CallRecorder  # noqa: E402
from db.embedded import embedded_database_url, stop_embedded  # noqa: E402
from db.engine import Database, to_async_url  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from settings import Settings  # noqa: E402
from tests.ai.loopback import LoopbackLLM  # noqa: E402


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _timed_interleaved(
    n: int, calls: list[Callable[[int], Awaitable[None]]]
) -> list[list[float]]:
    """Alternate the calls within each round so the machine's load drifts over all alike."""
    samples: list[list[float]] = [[] for _ in calls]
    for i in range(n):
        for call, out in zip(calls, samples, strict=True):
            started = time.perf_counter()
            await call(i)
            out.append((time.perf_counter() - started) * 1000)
    return samples


def _line(name: str, samples: list[float]) -> str:
    return (
        f"{name:<28} p50 {statistics.median(samples):7.2f} ms   p95 {_pct(samples, 0.95):7.2f} ms"
    )


async def main(requests: int) -> None:
    server = LoopbackLLM().start()
    data_dir = Path(tempfile.mkdtemp(prefix="autocrm-bench-llm-"))
    configured = os.environ.get("DATABASE_URL")
    url = to_async_url(configured) if configured else embedded_database_url(data_dir)
    db = Database(url)
    settings = Settings(data_dir=data_dir, _env_file=None)  # type: ignore[call-arg]
    try:
        if not configured:
            async with db.engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await upgrade(db.engine)
        client = openai.AsyncOpenAI(api_key="bench", base_url=server.openai_base_url, max_retries=0)
        provider = OpenAIProvider(
            name="openai",
            model="gpt-4o-mini",
            api_key="bench",
            base_url=server.openai_base_url,
            embedding_model=None,
            max_output_tokens=256,
            timeout=30,
        )
        gateway = Gateway(
            [provider],
            settings=settings,
            cache=MemoryCache(10_000),
            recorder=CallRecorder(db),
            quotas=Quotas(MemoryStorage(), settings, db),
        )

        async def raw(i: int) -> None:
            chunks = await client.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": f"raw question {i}"}],
                stream=True,
                stream_options={"include_usage": True},
            )
            async with chunks:
                async for _ in chunks:
                    pass

        def request(i: int) -> CompletionRequest:
            return CompletionRequest.ask(f"gateway question {i}", operation="bench")

        async def through_gateway(i: int) -> None:
            async for _ in gateway.stream(request(i)):
                pass

        async def cached(i: int) -> None:
            async for _ in gateway.stream(request(i)):
                pass

        await _timed_interleaved(20, [raw])  # warm up connections and code paths
        raw_ms, gateway_ms, cached_ms = await _timed_interleaved(
            requests, [raw, through_gateway, cached]
        )
        await gateway.close()
        await client.close()
    finally:
        await db.dispose()
        server.stop()
        if not configured:
            stop_embedded(data_dir)

    print(f"{requests} streamed completions each, interleaved, loopback server, usage rows on")
    print(_line("raw OpenAI SDK", raw_ms))
    print(_line("gateway (provider call)", gateway_ms))
    print(_line("gateway (cache hit)", cached_ms))
    print(
        _line("gateway overhead (paired)", [g - r for g, r in zip(gateway_ms, raw_ms, strict=True)])
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    asyncio.run(main(parser.parse_args().requests))
