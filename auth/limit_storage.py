"""Where rate limits and AI quotas keep their counters: one Redis for every server process
when REDIS_URL is set, this process's memory otherwise."""

from __future__ import annotations

import asyncio
import bisect
import time

from limits.aio.storage import MemoryStorage, Storage
from limits.storage import storage_from_string

__all__ = ["SweptMemoryStorage", "limit_storage"]


def limit_storage(redis_url: str | None) -> Storage:
    """Shared across server processes when Redis is configured, per process otherwise."""
    if redis_url:
        # limits defaults to the coredis client, which is not installed; redis-py is.
        storage = storage_from_string("async+" + redis_url, implementation="redispy")
        assert isinstance(storage, Storage)
        return storage
    return SweptMemoryStorage()


class SweptMemoryStorage(MemoryStorage):
    """limits' in-memory storage, sweeping expired entries at most once a second and
    without threads.

    The stock storage starts a sweep over *every* key on every hit, with one
    `asyncio.to_thread` hop per key: with 200 signed-in users each request cost 200 thread
    hops (most of a realtime event's latency). Counting stays exact without the sweep
    (each check compares timestamps); the sweep only frees memory.
    """

    SWEEP_EVERY = 1.0  # seconds

    def __init__(self) -> None:
        super().__init__()
        self._swept_at = 0.0
        self._sweep: asyncio.Task[None] | None = None

    async def _MemoryStorage__schedule_expiry(self) -> None:  # the stock hook, renamed by Python
        now = time.monotonic()
        if now - self._swept_at < self.SWEEP_EVERY or (
            self._sweep is not None and not self._sweep.done()
        ):
            return
        self._swept_at = now
        self._sweep = asyncio.create_task(self._expire())

    async def _expire(self) -> None:
        now = time.time()
        for key in list(self.events):
            async with self.locks[key]:
                events = self.events.get(key, [])
                # Newest first: entries from `cutoff` on have expired.
                cutoff = bisect.bisect_left(events, -now, key=lambda event: -event.expiry)
                if cutoff < len(events):
                    self.events[key] = events[:cutoff]
                if not self.events.get(key):
                    self.events.pop(key, None)
                    self.locks.pop(key, None)
        for key in list(self.expirations):
            if self.expirations[key] <= now:
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
                self.locks.pop(key, None)
