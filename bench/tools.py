"""Tool-run overhead: sandbox start with a no-op python tool, an http no-op on loopback,
a batch of 10 tools run concurrently, and one function-calling round of a draft (a loopback
OpenAI-compatible model asks for the http tool, is told its result, answers). Prints p50/p95
in milliseconds.

    python -m bench.tools [--runs 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence

from ai.cache import MemoryCache
from ai.functions import FunctionCall, FunctionResult, FunctionSpec
from ai.gateway import Gateway
from ai.pii import PiiGuard, PiiMode
from ai.providers import OpenAIProvider
from ai.requests import CompletionRequest
from ai.tools.batch import ToolCall, run_batch
from ai.tools.egress import EgressPolicy, fetch
from ai.tools.sandbox import namespaces_available, run_python
from settings import Settings
from tests.ai.drafts_tools.llm_server import FunctionCallingLLM, calls_once
from tests.ai.tools.tool_server import ToolServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOOP = "tests.ai.tools.sample_tools:async_echo"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _time(runs: int, once: Callable[[], Awaitable[object]]) -> list[float]:
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        await once()
        took.append((time.perf_counter() - started) * 1000)
    return took


def _print(label: str, took: list[float]) -> None:
    print(
        f"{label:<34} p50 {statistics.median(took):8.1f} ms   p95 {_pct(took, 0.95):8.1f} ms"
        f"   (n={len(took)})"
    )


async def main(runs: int) -> None:
    print(f"namespaces (unshare) available: {namespaces_available()}")

    async def python_noop() -> None:
        result = await run_python(NOOP, {}, search_path=[ROOT])
        assert result.ok, result.error

    _print("python no-op (sandbox start)", await _time(runs, python_noop))
    server = ToolServer().start()
    policy = EgressPolicy(allowed_hosts=(f"127.0.0.1:{server.port}",))
    try:

        async def http_noop() -> None:
            response = await fetch("GET", f"{server.base_url}/orders/1", policy=policy)
            assert response.status_code == 200

        _print("http no-op (loopback, egress)", await _time(runs, http_noop))

        async def batch(kind: str) -> None:
            calls = [ToolCall(f"t{i}", {"i": i}, read_only=True) for i in range(10)]

            async def one(call: ToolCall) -> object:
                if kind == "python":
                    return await run_python(NOOP, call.input, search_path=[ROOT])
                return await fetch("GET", f"{server.base_url}/orders/{call.tool}", policy=policy)

            outcomes = await run_batch(calls, one, concurrency=4, deadline_seconds=30)
            assert all(o.error is None for o in outcomes)

        _print(
            "batch of 10 python (4 at a time)",
            await _time(max(3, runs // 5), lambda: batch("python")),
        )
        _print(
            "batch of 10 http (4 at a time)", await _time(max(3, runs // 5), lambda: batch("http"))
        )
        llm = FunctionCallingLLM(plan=calls_once(("order_status", {"order": "A-1001"}))).start()
        try:
            once = _tool_round(llm, server, policy)
            _print("draft tool round (2 turns + http)", await _time(runs, once))
        finally:
            llm.stop()
    finally:
        server.stop()


def _tool_round(
    llm: FunctionCallingLLM, server: ToolServer, policy: EgressPolicy
) -> Callable[[], Awaitable[object]]:
    """Gateway.complete_with_tools against a loopback model: ask, run the tool, answer."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    provider = OpenAIProvider(
        name="openai",
        model="gpt-4o-mini",
        api_key="sk-bench",
        base_url=llm.openai_base_url,
        embedding_model=None,
        max_output_tokens=200,
        timeout=10,
    )
    gateway = Gateway(
        [provider], settings=settings, cache=MemoryCache(16), pii=PiiGuard(PiiMode.OFF)
    )
    spec = FunctionSpec("order_status", "Order status.", {"type": "object"})

    async def run(calls: Sequence[FunctionCall]) -> list[FunctionResult]:
        results = []
        for call in calls:
            response = await fetch("GET", f"{server.base_url}/orders/A-1001", policy=policy)
            results.append(FunctionResult(call.id, call.name, response.content.decode()))
        return results

    async def once() -> object:
        llm.offered.clear()
        request = CompletionRequest.ask("Where is my order A-1001?", operation="draft_tools")
        done = await gateway.complete_with_tools(request, [spec], run, max_rounds=3)
        assert len(done.rounds) == 1
        return done

    return once


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    asyncio.run(main(parser.parse_args().runs))
