"""The embedded-mode worker: runs jobs on the server's own event loop (no Redis needed).

It is a `JobSender`, so enqueueing is the same call in both modes; messages wait in an
asyncio queue and a few tasks run them through the same `run_job` as a Dramatiq worker.
Started lazily on the first send, so it also works where no app lifespan runs; the relay
(JobQueue.start) re-sends what an earlier run of the server left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Coroutine
from contextvars import Context
from typing import Any

from limits.aio.strategies import RateLimiter

from ai.gateway import Gateway
from db.engine import Database
from settings import Settings
from workers.events import Publisher
from workers.jobs.runner import JobEnv, run_job
from workers.jobs.sender import Outgoing

__all__ = ["InProcessWorker"]

_log = logging.getLogger("autocrm.jobs")


class InProcessWorker:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        publisher: Publisher | None = None,
        *,
        ai: Gateway | None = None,
        rate_limiter: RateLimiter | None = None,
        concurrency: int = 4,
    ) -> None:
        self.env = JobEnv(
            db=db,
            settings=settings,
            sender=self,
            publisher=publisher,
            ai=ai,
            rate_limiter=rate_limiter,
        )
        self._concurrency = concurrency
        self._queue: asyncio.Queue[uuid.UUID] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: set[asyncio.TimerHandle] = set()

    async def send(self, messages: list[Outgoing]) -> None:
        queue = self._ensure_running()
        loop = asyncio.get_running_loop()
        self._timers = {t for t in self._timers if t.when() > loop.time()}
        for message in messages:
            if message.delay > 0:
                timer = loop.call_later(message.delay, self._put_later, message.job_id)
                self._timers.add(timer)
            else:
                queue.put_nowait(message.job_id)

    def _put_later(self, job_id: uuid.UUID) -> None:
        if self._queue is not None:
            self._queue.put_nowait(job_id)

    def _ensure_running(self) -> asyncio.Queue[uuid.UUID]:
        if self._queue is None:
            self._queue = asyncio.Queue()
        if not any(t.get_name() == "job-runner" for t in self._tasks):
            for _ in range(self._concurrency):
                self._spawn(self._consume(self._queue), "job-runner")
        return self._queue

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        # A fresh context: runners started during a request must not log its request id.
        task = asyncio.get_running_loop().create_task(coro, name=name, context=Context())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _consume(self, queue: asyncio.Queue[uuid.UUID]) -> None:
        while True:
            job_id = await queue.get()
            try:
                await run_job(self.env, job_id)
            except Exception:
                _log.exception("job %s crashed the in-process worker", job_id)
            finally:
                queue.task_done()

    async def start(self) -> None:
        """Start consuming now (rather than on the first send)."""
        self._ensure_running()

    async def drain(self) -> None:
        """Wait until every job sent so far has run (tests, and a graceful shutdown)."""
        if self._queue is not None:
            await self._queue.join()

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._queue = None
