"""Several tool calls at once: bounded concurrency, one combined deadline, and a short-lived
cache so identical read-only calls (in one batch or within the TTL) run once."""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

__all__ = ["BatchOutcome", "ReadCache", "ToolCall", "run_batch"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ToolCall:
    tool: str  # name@version
    input: Any
    read_only: bool

    @property
    def cache_key(self) -> str:
        return f"{self.tool}\n{json.dumps(self.input, sort_keys=True, separators=(',', ':'))}"


@dataclass(slots=True)
class BatchOutcome(Generic[T]):
    call: ToolCall
    result: T | None = None
    error: str | None = None  # "timeout" when the batch deadline passed first
    cached: bool = False


@dataclass
class ReadCache(Generic[T]):
    """Results of read-only calls for `ttl_seconds`; at most `max_entries` (oldest go)."""

    ttl_seconds: float = 30.0
    max_entries: int = 1000
    _entries: OrderedDict[str, tuple[float, T]] = field(default_factory=OrderedDict)

    def get(self, key: str) -> T | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            del self._entries[key]
            return None
        return entry[1]

    def put(self, key: str, value: T) -> None:
        self._entries[key] = (time.monotonic() + self.ttl_seconds, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


async def run_batch(
    calls: Sequence[ToolCall],
    run: Callable[[ToolCall], Awaitable[T]],
    *,
    concurrency: int = 4,
    deadline_seconds: float = 10.0,
    cache: ReadCache[T] | None = None,
) -> list[BatchOutcome[T]]:
    """Run `calls` (at most `concurrency` at a time); whatever has not finished when the
    deadline passes is cancelled and reported as "timeout". Outcomes keep the calls' order."""
    outcomes = [BatchOutcome[T](call) for call in calls]
    gate = asyncio.Semaphore(max(1, concurrency))
    shared: dict[str, asyncio.Task[T]] = {}

    async def execute(call: ToolCall) -> T:
        async with gate:
            return await run(call)

    pending: dict[asyncio.Task[T], list[int]] = {}
    for index, call in enumerate(calls):
        if call.read_only and cache is not None:
            hit = cache.get(call.cache_key)
            if hit is not None:
                outcomes[index].result, outcomes[index].cached = hit, True
                continue
        if call.read_only and call.cache_key in shared:
            task = shared[call.cache_key]
            pending[task].append(index)
            outcomes[index].cached = True
            continue
        task = asyncio.ensure_future(execute(call))
        pending[task] = [index]
        if call.read_only:
            shared[call.cache_key] = task
    if pending:
        _, not_done = await asyncio.wait(pending, timeout=deadline_seconds)
        for task in not_done:
            task.cancel()
        if not_done:
            await asyncio.wait(not_done)
        for task, indexes in pending.items():
            for index in indexes:
                outcome = outcomes[index]
                if task in not_done:
                    outcome.error = "timeout"
                elif task.exception() is not None:
                    outcome.error = f"{type(task.exception()).__name__}: {task.exception()}"
                else:
                    outcome.result = task.result()
                    if cache is not None and outcome.call.read_only:
                        cache.put(outcome.call.cache_key, outcome.result)
    return outcomes
