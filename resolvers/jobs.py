"""Reading and steering background jobs: admins see every job, staff the jobs they
requested, customers none. Cancel and retry run in the audited mutation transaction."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth import policy
from auth.principal import Principal
from dataloaders import Loaders
from db.base import utcnow
from db.models import Job
from db.pagination import Page, PageRequest, SortKey, fetch_page
from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from resolvers.error_codes import JobErrorCode
from resolvers.errors import FieldProblem, NotFound, ValidationFailed
from resolvers.subscriptions import still_allowed
from workers.events import ReceivedEvent
from workers.jobs.events import job_channel, job_event

__all__ = [
    "FINISHED",
    "JobFilter",
    "can_see_job",
    "cancel_job",
    "get_jobs",
    "job_update_stream",
    "jobs_page",
    "publish_job_event",
    "retry_job",
]

_log = logging.getLogger("autocrm.jobs")
_NEWEST_FIRST = SortKey(Job.created_at, lambda row: row.created_at, descending=True)
FINISHED = frozenset({"succeeded", "failed", "cancelled", "dead"})
_RETRYABLE = frozenset({"failed", "cancelled", "dead"})
_RECHECK_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class JobFilter:
    statuses: frozenset[str] | None = None
    kind: str | None = None
    requested_by: uuid.UUID | None = None


def can_see_job(principal: Principal, job: Job) -> bool:
    return policy.can_see_job(principal, job)


def _scope(principal: Principal, stmt: Select[Any]) -> Select[Any]:
    return stmt.where(policy.job_scope(principal))


async def get_jobs(ctx: RequestContext, ids: list[uuid.UUID]) -> dict[uuid.UUID, Job]:
    """The jobs among `ids` that the caller may see (one query)."""
    principal = ctx.require_principal()
    if not ids:
        return {}
    async with ctx.db.sessions() as session:
        rows = await session.execute(_scope(principal, select(Job).where(Job.id.in_(ids))))
        return {job.id: job for job in rows.scalars()}


async def jobs_page(
    ctx: RequestContext,
    f: JobFilter,
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Page[Job]:
    principal = ctx.require_principal()
    stmt = _scope(principal, select(Job))
    if f.statuses is not None:
        stmt = stmt.where(Job.status.in_(f.statuses))
    if f.kind is not None:
        stmt = stmt.where(Job.kind == f.kind)
    if f.requested_by is not None:
        stmt = stmt.where(Job.requested_by_id == f.requested_by)
    async with ctx.db.sessions() as session:
        return await fetch_page(
            session,
            stmt,
            _NEWEST_FIRST,
            Job.id,
            PageRequest(first=first, after=after, last=last, before=before),
            max_size=ctx.settings.max_page_size,
        )


async def _locked(ctx: RequestContext, session: AsyncSession, job_id: uuid.UUID) -> Job:
    principal = ctx.require_principal()
    job = (
        await session.execute(select(Job).where(Job.id == job_id).with_for_update())
    ).scalar_one_or_none()
    if job is None or not can_see_job(principal, job):
        raise NotFound("id", "job")
    return job


async def cancel_job(tx: MutationTx, job_id: uuid.UUID) -> Job:
    """A queued job is cancelled at once; a running one is asked to stop and ends as
    `cancelled` when its worker next checks (its heartbeat or a progress report)."""
    ctx = tx.ctx
    job = await _locked(ctx, tx.session, job_id)
    before = job.status
    if job.status == "queued":
        job.status = "cancelled"
        job.finished_at = utcnow()
    elif job.status == "running":
        job.cancel_requested_at = job.cancel_requested_at or utcnow()
    else:
        raise ValidationFailed(
            FieldProblem(
                "id", f"The job has already ended ({job.status}).", JobErrorCode.INVALID_STATE
            )
        )
    tx.audit("Job", job.id, {"status": {"before": before, "after": job.status}})
    tx.after_commit(publish_job_event, ctx, job)
    return job


async def retry_job(tx: MutationTx, job_id: uuid.UUID) -> Job:
    """Run a failed, dead or cancelled job again from its first attempt."""
    ctx = tx.ctx
    job = await _locked(ctx, tx.session, job_id)
    if job.status not in _RETRYABLE:
        raise ValidationFailed(
            FieldProblem(
                "id",
                f"Only a failed, dead or cancelled job can be retried ({job.status}).",
                JobErrorCode.INVALID_STATE,
            )
        )
    before = job.status
    job.status = "queued"
    job.attempts = 0
    job.progress = 0.0
    job.progress_message = None
    job.sent_at = job.run_after = job.started_at = job.finished_at = None
    job.cancel_requested_at = job.lease_expires_at = None
    tx.audit("Job", job.id, {"status": {"before": before, "after": "queued"}})
    if ctx.jobs is not None:
        tx.after_commit(ctx.jobs.send_pending, [job])
    tx.after_commit(publish_job_event, ctx, job)
    return job


async def publish_job_event(ctx: RequestContext, job: Job) -> None:
    """A post-commit hook: tell `jobUpdated` subscribers the job moved."""
    if ctx.publisher is not None:
        await ctx.publisher.publish(
            job_channel(job.id), job_event(job.id, job.status, job.progress)
        )


async def job_update_stream(ctx: RequestContext, job_id: uuid.UUID) -> AsyncGenerator[Job, None]:
    """The job's state after each change (status, progress) until it has ended.

    A job the subscriber may not see is refused as missing, like the `job` query.
    """
    principal = ctx.require_principal()
    if job_id not in await get_jobs(ctx, [job_id]):
        raise NotFound("id", "job")
    if ctx.publisher is None:
        raise RuntimeError("realtime is not configured for this request context")
    return _job_updates(ctx, principal, job_id)


async def _job_updates(
    ctx: RequestContext, principal: Principal, job_id: uuid.UUID
) -> AsyncGenerator[Job, None]:
    assert ctx.publisher is not None
    seen: tuple[str, float, str | None] | None = None
    waiting: asyncio.Task[ReceivedEvent] | None = None
    async with aclosing(ctx.publisher.subscribe(job_channel(job_id))) as events:
        try:
            while True:
                # Fresh loaders: the credentials as they are now, not when the socket opened.
                allowed, found = await asyncio.gather(
                    still_allowed(principal, Loaders(ctx.db)), get_jobs(ctx, [job_id])
                )
                if not allowed:
                    _log.info(
                        "ending a job update stream: %s may no longer see it", principal.label
                    )
                    return
                job = found.get(job_id)
                if job is None or not can_see_job(principal, job):
                    return
                state = (job.status, job.progress, job.progress_message)
                if state != seen:
                    seen = state
                    yield job
                if job.status in FINISHED:
                    return
                # An event says the job moved; the periodic look covers an event missed
                # while subscribing (or lost by Redis), so no subscriber waits forever.
                if waiting is None:
                    waiting = asyncio.ensure_future(anext(events))
                done, _ = await asyncio.wait({waiting}, timeout=_RECHECK_SECONDS)
                if done:
                    if isinstance(waiting.exception(), StopAsyncIteration):
                        return
                    waiting = None
        finally:
            if waiting is not None:
                # Let the pending read unwind before the subscription is closed under it.
                waiting.cancel()
                with contextlib.suppress(BaseException):
                    await waiting
