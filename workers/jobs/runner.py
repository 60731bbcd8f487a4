"""Running one job: claim it under a lease, run its handler, record how it ended.

The same code runs in a Dramatiq worker process and in the server's in-process worker.
A claim is one conditional UPDATE, so of two deliveries of one job only one runs it; a job
whose worker stopped renewing its lease can be claimed again. `JobRun.finishing()` commits
a handler's effect together with the job's success, so a job run twice (a worker killed
after its commit but before its broker ack) cannot apply its effect twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from limits.aio.strategies import RateLimiter
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from structlog.contextvars import bound_contextvars

from ai.gateway import Gateway
from db.base import utcnow
from db.engine import Database
from db.models import Job
from settings import Settings
from workers.events import Publisher
from workers.jobs.events import job_channel, job_event
from workers.jobs.kinds import KINDS, TransientJobError
from workers.jobs.sender import JobSender, Outgoing
from workers.metrics import JOB_RUN_SECONDS, JOB_WAIT_SECONDS, JOBS_FINISHED

__all__ = ["JobCancelled", "JobEnv", "JobLost", "JobRun", "backoff_seconds", "run_job"]

_log = logging.getLogger("autocrm.jobs")

_MIN_BACKOFF = 1.0
_MAX_BACKOFF = 300.0
_TRANSIENT: tuple[type[BaseException], ...] = (
    TransientJobError,
    TimeoutError,
    OSError,
)


class JobCancelled(Exception):
    """Raised inside a handler (by `progress`) once someone asked to cancel the job."""


class JobLost(Exception):
    """This worker no longer holds the job (its lease ran out and another took it)."""


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with jitter: about 1 s, 2 s, 4 s … capped at 5 minutes."""
    base = min(_MAX_BACKOFF, _MIN_BACKOFF * 2.0 ** max(0, attempt - 1))
    return base * random.uniform(0.8, 1.2)  # noqa: S311 (jitter, not a secret)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


@dataclass
class JobEnv:
    """What a handler may use; one per worker process (built on its event loop)."""

    db: Database
    settings: Settings
    sender: JobSender
    publisher: Publisher | None = None
    # The LLM gateway (AI drafts, triage …); None where none was built.
    ai: Gateway | None = None
    # The rate limiter manifests' `rate_limit` counts against (shared with the server's
    # runTool: the same object in-process, the same Redis keys with REDIS_URL).
    rate_limiter: RateLimiter | None = None
    worker: str = field(default_factory=worker_name)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.job_lease_seconds)


class JobRun:
    """One attempt of one job, as its handler sees it."""

    def __init__(self, env: JobEnv, job: Job) -> None:
        self.env = env
        self.id: uuid.UUID = job.id
        self.kind: str = job.kind
        self.args: dict[str, Any] = dict(job.args)
        self.attempt: int = job.attempts
        self.requested_by: uuid.UUID | None = job.requested_by_id
        self.cancel_seen = False
        self.finished = False

    @property
    def db(self) -> Database:
        return self.env.db

    @property
    def ai(self) -> Gateway:
        """The LLM gateway of this worker process (settings' AI_PROVIDERS)."""
        if self.env.ai is None:
            raise RuntimeError("this worker has no LLM gateway")
        return self.env.ai

    def _mine(self) -> Any:
        return and_(Job.id == self.id, Job.status == "running", Job.attempts == self.attempt)

    async def progress(self, fraction: float, message: str | None = None) -> None:
        """Record progress (0 to 1) for `jobUpdated`; raises JobCancelled once cancel was asked."""
        fraction = min(1.0, max(0.0, fraction))
        async with self.db.transaction() as session:
            row = (
                await session.execute(
                    update(Job)
                    .where(self._mine())
                    .values(progress=fraction, progress_message=message and message[:300])
                    .returning(Job.cancel_requested_at)
                )
            ).first()
        if row is None:
            raise JobLost(f"job {self.id} is no longer held by this worker")
        await self.publish("running", fraction, throttled=True)
        if row[0] is not None:
            self.cancel_seen = True
            raise JobCancelled("cancel requested")

    @asynccontextmanager
    async def finishing(self, result_ref: str | None = None) -> AsyncIterator[AsyncSession]:
        """A transaction for the handler's effect that also marks the job succeeded.

        The job row is locked first and must still be this attempt's: a second run of the
        same job finds it succeeded (or taken) and writes nothing.
        """
        async with self.db.transaction() as session:
            held = (
                await session.execute(select(Job.id).where(self._mine()).with_for_update())
            ).first()
            if held is None:
                raise JobLost(f"job {self.id} is no longer held by this worker")
            yield session
            await session.execute(
                update(Job).where(Job.id == self.id).values(**_success(result_ref))
            )
        self.finished = True

    async def publish(self, status: str, progress: float, *, throttled: bool = False) -> None:
        publisher = self.env.publisher
        if publisher is None:
            return
        event = job_event(self.id, status, progress)
        try:
            if throttled:
                await publisher.publish_throttled(job_channel(self.id), event, interval=0.5)
            else:
                await publisher.publish(job_channel(self.id), event)
        except Exception as exc:  # realtime is best-effort; the row is the truth
            _log.debug("job event not published: %s", exc)


def _success(result_ref: str | None) -> dict[str, Any]:
    return {
        "status": "succeeded",
        "progress": 1.0,
        "finished_at": utcnow(),
        "lease_expires_at": None,
        "last_error": None,
        "result_ref": result_ref,
    }


async def _claim(env: JobEnv, job_id: uuid.UUID) -> Job | None:
    now = utcnow()
    async with env.db.transaction() as session:
        job = (
            await session.execute(
                update(Job)
                .where(
                    Job.id == job_id,
                    or_(
                        and_(
                            Job.status == "queued",
                            or_(Job.run_after.is_(None), Job.run_after <= now),
                        ),
                        and_(Job.status == "running", Job.lease_expires_at < now),
                    ),
                )
                .values(
                    status="running",
                    attempts=Job.attempts + 1,
                    started_at=now,
                    lease_expires_at=now + env.lease,
                    worker=env.worker,
                    run_after=None,
                    updated_at=now,
                )
                .returning(Job)
            )
        ).scalar_one_or_none()
        if job is not None and job.attempts > job.max_attempts:
            # Its workers kept dying mid-run: stop handing it out, keep it for an admin.
            job.status = "dead"
            job.finished_at = now
            job.lease_expires_at = None
            job.last_error = (job.last_error or "") + " (worker lost on every attempt)"
            return None
    return job


async def _heartbeat(run: JobRun, handler: asyncio.Task[str | None]) -> None:
    """Renew the lease every third of it; stop the handler on cancel or a lost lease."""
    interval = run.env.settings.job_lease_seconds / 3
    while not handler.done():
        await asyncio.sleep(interval)
        try:
            async with run.db.transaction() as session:
                row = (
                    await session.execute(
                        update(Job)
                        .where(run._mine())
                        .values(lease_expires_at=utcnow() + run.env.lease)
                        .returning(Job.cancel_requested_at)
                    )
                ).first()
        except Exception as exc:  # the database blinked: try again next beat
            _log.warning("job %s heartbeat failed: %s", run.id, exc)
            continue
        if row is None or row[0] is not None:
            run.cancel_seen = row is not None
            handler.cancel()
            return


async def _end(run: JobRun, values: dict[str, Any]) -> str | None:
    """Write the outcome if this attempt still holds the job; returns the status written."""
    async with run.db.transaction() as session:
        status = (
            await session.execute(
                update(Job)
                .where(run._mine())
                .values({"updated_at": utcnow(), "lease_expires_at": None, **values})
                .returning(Job.status)
            )
        ).scalar_one_or_none()
    return status


async def run_job(env: JobEnv, job_id: uuid.UUID | str) -> str:
    """Run `job_id` if it can be claimed; returns how it ended (`skipped` if not claimed).

    Every log line written meanwhile names the job and its kind."""
    job = await _claim(env, uuid.UUID(str(job_id)))
    if job is None:
        return "skipped"
    kind = job.kind if job.kind in KINDS else "unknown"
    if job.attempts == 1 and job.started_at is not None:
        JOB_WAIT_SECONDS.labels(kind).observe(
            max(0.0, (job.started_at - job.created_at).total_seconds())
        )
    started = time.monotonic()
    with bound_contextvars(job_id=str(job.id), job_kind=job.kind):
        outcome = await _run_claimed(env, job)
    JOB_RUN_SECONDS.labels(kind).observe(time.monotonic() - started)
    JOBS_FINISHED.labels(kind, "retry" if outcome == "queued" else outcome).inc()
    return outcome


async def _run_claimed(env: JobEnv, job: Job) -> str:
    run = JobRun(env, job)
    spec = KINDS.get(job.kind)
    if spec is None:
        await _end(run, {"status": "failed", "finished_at": utcnow(), "last_error": "unknown kind"})
        return "failed"
    await run.publish("running", job.progress)
    handler = asyncio.create_task(spec.handler(run))
    beat = asyncio.create_task(_heartbeat(run, handler))
    outcome: str | None
    try:
        async with asyncio.timeout(spec.time_limit):
            result_ref = await handler
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise  # this worker is shutting down: the lease runs out and the job is re-sent
        outcome = await _cancelled_or_lost(run)
    except JobCancelled:
        outcome = await _cancelled_or_lost(run)
    except JobLost:
        outcome = None
    except DBAPIError as exc:
        if exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError)):
            outcome = await _retry_or_die(run, exc)
        else:
            _log.exception("job %s (%s) failed", run.id, run.kind)
            outcome = await _end(run, _failure(exc))
    except _TRANSIENT as exc:
        if isinstance(exc, TimeoutError) and not str(exc):
            exc = TimeoutError(f"time limit of {spec.time_limit:g} s exceeded")
        outcome = await _retry_or_die(run, exc)
    except Exception as exc:
        _log.exception("job %s (%s) failed", run.id, run.kind)
        outcome = await _end(run, _failure(exc))
    else:
        outcome = "succeeded" if run.finished else await _end(run, _success(result_ref))
    finally:
        beat.cancel()
        with suppress(asyncio.CancelledError):
            await beat
    outcome = outcome or "lost"
    if outcome != "lost":
        await run.publish(outcome, 1.0 if outcome == "succeeded" else job.progress)
    return outcome


def _failure(exc: BaseException) -> dict[str, Any]:
    return {"status": "failed", "finished_at": utcnow(), "last_error": _describe(exc)}


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


async def _cancelled_or_lost(run: JobRun) -> str | None:
    if not run.cancel_seen:
        return None
    return await _end(run, {"status": "cancelled", "finished_at": utcnow()})


async def _retry_or_die(run: JobRun, exc: BaseException) -> str | None:
    delay = backoff_seconds(run.attempt)
    now = utcnow()
    async with run.db.transaction() as session:
        row = (
            await session.execute(select(Job.max_attempts).where(run._mine()).with_for_update())
        ).first()
        if row is None:
            return None
        dead = run.attempt >= row[0]
        values: dict[str, Any] = {
            "last_error": _describe(exc),
            "lease_expires_at": None,
            "updated_at": now,
        }
        if dead:
            values.update(status="dead", finished_at=now)
        else:
            values.update(status="queued", run_after=now + timedelta(seconds=delay), sent_at=now)
        await session.execute(update(Job).where(Job.id == run.id).values(**values))
    _log.warning(
        "job %s (%s) attempt %d: %s; %s",
        run.id,
        run.kind,
        run.attempt,
        values["last_error"],
        "dead" if dead else f"retry in {delay:.1f} s",
    )
    if dead:
        return "dead"
    try:
        await run.env.sender.send([Outgoing(run.id, KINDS[run.kind].queue, delay)])
    except Exception as exc2:  # the relay re-sends it once it is overdue
        _log.warning("job %s retry not sent: %s", run.id, exc2)
    return "queued"
