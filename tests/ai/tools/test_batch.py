"""Batched tool runs: bounded, one deadline, identical reads run once."""

from __future__ import annotations

import asyncio
from typing import Any

from ai.tools.batch import ReadCache, ToolCall, run_batch


class Recorder:
    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls: list[ToolCall] = []
        self.running = 0
        self.most_at_once = 0

    async def __call__(self, call: ToolCall) -> dict[str, Any]:
        self.calls.append(call)
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await asyncio.sleep(float(call.input.get("sleep", self.delay)))
            if call.input.get("fail"):
                raise RuntimeError("the shop is down")
            return {"tool": call.tool, "echo": call.input}
        finally:
            self.running -= 1


async def test_calls_run_concurrently_within_the_bound_and_keep_their_order() -> None:
    recorder = Recorder(delay=0.05)
    calls = [ToolCall("order_status@1.0.0", {"order": n}, read_only=True) for n in range(10)]
    outcomes = await run_batch(calls, recorder, concurrency=3)
    assert [o.result["echo"]["order"] for o in outcomes if o.result] == list(range(10))
    assert recorder.most_at_once == 3


async def test_identical_reads_run_once_but_writes_always_run() -> None:
    recorder = Recorder()
    read = ToolCall("order_status@1.0.0", {"order": 7}, read_only=True)
    write = ToolCall("refund@1.0.0", {"charge": "ch_1"}, read_only=False)
    outcomes = await run_batch([read, read, write, write], recorder)
    assert [c.tool for c in recorder.calls].count("order_status@1.0.0") == 1
    assert [c.tool for c in recorder.calls].count("refund@1.0.0") == 2
    assert outcomes[1].cached is True
    assert outcomes[0].result == outcomes[1].result


async def test_the_read_cache_serves_a_repeat_within_its_ttl() -> None:
    recorder = Recorder()
    cache: ReadCache[dict[str, Any]] = ReadCache(ttl_seconds=60)
    read = ToolCall("order_status@1.0.0", {"order": 7}, read_only=True)
    await run_batch([read], recorder, cache=cache)
    again = await run_batch([read], recorder, cache=cache)
    assert len(recorder.calls) == 1
    assert again[0].cached is True
    expired: ReadCache[dict[str, Any]] = ReadCache(ttl_seconds=0)
    await run_batch([read], recorder, cache=expired)
    await run_batch([read], recorder, cache=expired)
    assert len(recorder.calls) == 3


async def test_one_deadline_for_the_batch_and_failures_stay_separate() -> None:
    recorder = Recorder()
    calls = [
        ToolCall("fast@1.0.0", {"sleep": 0}, read_only=True),
        ToolCall("slow@1.0.0", {"sleep": 5}, read_only=True),
        ToolCall("broken@1.0.0", {"fail": True}, read_only=True),
    ]
    loop = asyncio.get_running_loop()
    started = loop.time()
    fast, slow, broken = await run_batch(calls, recorder, deadline_seconds=0.3)
    assert loop.time() - started < 3
    assert fast.result is not None
    assert slow.error == "timeout"
    assert broken.error == "RuntimeError: the shop is down"
