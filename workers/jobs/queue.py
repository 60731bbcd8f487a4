"""The server's handle on jobs: send after commit, kick a kind, run the relay, drain.

Built once per server (`build_job_queue`): Dramatiq over Redis when REDIS_URL is set,
otherwise the in-process worker. Resolvers reach it as `ctx.jobs`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import Any

from limits.aio.strategies import RateLimiter
from sqlalchemy import select

from ai.gateway import Gateway
from db.engine import Database
from db.models import Job
from settings import Settings
from workers.events import Publisher
from workers.jobs.enqueue import enqueue
from workers.jobs.inprocess import InProcessWorker
from workers.jobs.relay import relay_once
from workers.jobs.sender import JobSender, send_pending

__all__ = ["JobQueue", "build_job_queue"]

_log = logging.getLogger("autocrm.jobs")


class JobQueue:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        sender: JobSender,
        *,
        relay_every: float = 10.0,
    ) -> None:
        self.db = db
        self.settings = settings
        self.sender = sender
        self._relay_every = relay_every
        self._tasks: set[asyncio.Task[Any]] = set()
        self._relay: asyncio.Task[None] | None = None

    @property
    def in_process(self) -> InProcessWorker | None:
        return self.sender if isinstance(self.sender, InProcessWorker) else None

    async def send_pending(self, jobs: Iterable[Job]) -> None:
        """Call once the transaction that enqueued `jobs` has committed."""
        await send_pending(self.db, self.sender, jobs)

    def kick(self, kind: str, args: dict[str, Any] | None = None) -> None:
        """Queue a run of `kind` from outside any transaction, unless one is already
        waiting to start (a waiting run will see everything committed before it starts)."""
        self._spawn(self._kick(kind, args or {}))

    async def _kick(self, kind: str, args: dict[str, Any]) -> None:
        async with self.db.transaction() as session:
            waiting = (
                await session.execute(
                    select(Job.id)
                    .where(Job.kind == kind, Job.status == "queued", Job.run_after.is_(None))
                    .limit(1)
                )
            ).first()
            if waiting is not None:
                return
            job = enqueue(session, kind, args)
        await self.send_pending([job])

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _log.warning("job kick failed: %s", task.exception())

    async def start(self) -> None:
        """Server start-up: start the in-process worker (embedded) and the relay."""
        worker = self.in_process
        if worker is not None:
            await worker.start()
        self._relay = asyncio.get_running_loop().create_task(self._relay_loop())

    async def _relay_loop(self) -> None:
        while True:
            try:
                while await relay_once(self.db, self.settings, self.sender) > 0:
                    pass
            except Exception as exc:
                _log.warning("job relay pass failed: %s", exc)
            await asyncio.sleep(self._relay_every)

    async def drain(self) -> None:
        """Wait for kicks in flight and, in-process, for the jobs they started."""
        while self._tasks:
            await asyncio.wait(list(self._tasks))
        worker = self.in_process
        if worker is not None:
            await worker.drain()

    async def stop(self, *, grace: float = 5.0) -> None:
        """Let jobs in flight finish for up to `grace` seconds; a job cut off later is
        re-sent by the relay once its lease runs out."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.drain(), grace)
        tasks = list(self._tasks) + ([self._relay] if self._relay else [])
        self._relay = None
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        worker = self.in_process
        if worker is not None:
            await worker.stop()


def build_job_queue(
    db: Database,
    settings: Settings,
    publisher: Publisher | None,
    ai: Gateway | None = None,
    rate_limiter: RateLimiter | None = None,
) -> JobQueue:
    """Dramatiq over REDIS_URL (its workers build their own gateway), else the in-process
    worker, whose jobs use the server's gateway `ai`."""
    if settings.redis_url is not None:
        from workers.jobs.broker import DramatiqSender, make_broker

        broker = make_broker(settings.redis_url.get_secret_value())
        return JobQueue(db, settings, DramatiqSender(broker))
    return JobQueue(
        db, settings, InProcessWorker(db, settings, publisher, ai=ai, rate_limiter=rate_limiter)
    )
