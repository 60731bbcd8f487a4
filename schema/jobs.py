"""Background jobs as clients see them: status, attempts, progress, and the last error.

Admins see every job; staff see the jobs they requested; customers see none.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from contextlib import aclosing
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from auth import policy
from db.models import Job as JobRow
from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from resolvers.jobs import (
    JobFilter,
    cancel_job,
    get_jobs,
    job_update_stream,
    jobs_page,
    retry_job,
)
from schema.accounts import User
from schema.connections import connection_from_page
from schema.errors import JobError
from schema.ids import decode_id, uuid_or_none
from schema.mutations import MutationPayload, mutation
from schema.permissions import IsStaff

__all__ = ["Job", "JobStatus", "JobsMutation", "JobsQuery", "JobsSubscription"]


@strawberry.enum(description="Where a job is in its life.")
class JobStatus(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    DEAD = "dead"


@strawberry.type(description="A background job (mail delivery, AI work, imports …).")
class Job(relay.Node):
    id: relay.NodeID[str]
    kind: str = strawberry.field(
        description="What the job does, e.g. `deliver_mail`. "
        "Plain text: escape before rendering as HTML."
    )
    queue: str = strawberry.field(
        description="The worker queue it runs on. Plain text: escape before rendering as HTML."
    )
    arguments: JSON = strawberry.field(
        description="The job's arguments. "
        "Its strings are plain text: escape before rendering as HTML."
    )
    status: JobStatus = strawberry.field(
        description="queued, running, succeeded, failed (a permanent error), cancelled, or "
        "dead (transient errors on every attempt; kept with its error for admins)."
    )
    attempts: int = strawberry.field(description="Attempts started so far.")
    max_attempts: int = strawberry.field(description="Attempts allowed before it is dead.")
    last_error: str | None = strawberry.field(
        description="The last attempt's error, if any. Plain text: escape before rendering as HTML."
    )
    progress: float = strawberry.field(description="Fraction done, from 0 to 1.")
    progress_message: str | None = strawberry.field(
        description="What it is doing now. Plain text: escape before rendering as HTML."
    )
    result_ref: str | None = strawberry.field(
        description="A reference to what it produced (e.g. `sent:3`), once succeeded. "
        "Plain text: escape before rendering as HTML."
    )
    created_at: datetime = strawberry.field(description="When it was requested.")
    started_at: datetime | None = strawberry.field(description="When the last attempt began.")
    finished_at: datetime | None = strawberry.field(description="When it ended.")
    run_after: datetime | None = strawberry.field(
        description="Earliest start of the next attempt (a retry's backoff)."
    )
    cancel_requested_at: datetime | None = strawberry.field(
        description="When cancellation was asked for a running job (it stops at its next check)."
    )
    requested_by_id: strawberry.Private[Any]

    @strawberry.field(description="Who asked for it (null for jobs the system started).")
    async def requested_by(self, info: strawberry.Info[RequestContext]) -> User | None:
        if self.requested_by_id is None:
            return None
        row = await info.context.loaders.user_by_id.load(self.requested_by_id)
        return User.from_row(row) if row is not None else None

    @classmethod
    def from_row(cls, row: JobRow) -> Job:
        return cls(
            id=str(row.id),
            kind=row.kind,
            queue=row.queue,
            arguments=JSON(row.args),
            status=JobStatus(row.status),
            attempts=row.attempts,
            max_attempts=row.max_attempts,
            last_error=row.last_error,
            progress=row.progress,
            progress_message=row.progress_message,
            result_ref=row.result_ref,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            run_after=row.run_after,
            cancel_requested_at=row.cancel_requested_at,
            requested_by_id=row.requested_by_id,
        )

    @classmethod
    async def resolve_nodes(
        cls,
        *,
        info: strawberry.Info[RequestContext],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Any]:
        ids = list(node_ids)
        principal = info.context.principal
        if not policy.is_staff(principal):  # the scope would find nothing: skip the query
            return [None] * len(ids)
        wanted = [u for u in (uuid_or_none(i) for i in ids) if u is not None]
        found = await get_jobs(info.context, wanted)
        rows = [found.get(u) if (u := uuid_or_none(i)) else None for i in ids]
        return [cls.from_row(row) if row is not None else None for row in rows]


def _global_job_id(value: str) -> uuid.UUID | None:
    """A malformed or foreign ID finds nothing, like a missing one."""
    try:
        gid = relay.GlobalID.from_id(value)
    except relay.GlobalIDValueError:
        return None
    return uuid_or_none(gid.node_id) if gid.type_name == "Job" else None


@strawberry.type(description="A page of jobs, newest first.")
class JobConnection(relay.Connection[Job]):
    total_count: int = strawberry.field(description="Jobs matching the filter.")


@strawberry.input(description="Narrow the job list; all given conditions must hold.")
class JobsFilter:
    statuses: list[JobStatus] | None = strawberry.field(
        default=None, description="Only jobs in one of these statuses."
    )
    kind: str | None = strawberry.field(default=None, description="Only this kind.")
    requested_by_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only jobs this user requested."
    )


@strawberry.type
class JobsQuery:
    @strawberry.field(
        description="One job by ID (null when absent or not yours to see).",
        permission_classes=[IsStaff],
    )
    async def job(self, info: strawberry.Info[RequestContext], id: strawberry.ID) -> Job | None:
        job_id = _global_job_id(id)
        if job_id is None:
            return None
        row = (await get_jobs(info.context, [job_id])).get(job_id)
        return Job.from_row(row) if row is not None else None

    @strawberry.field(
        description="Background jobs, newest first: every job for admins, the jobs you "
        "requested for other staff.",
        permission_classes=[IsStaff],
    )
    async def jobs(
        self,
        info: strawberry.Info[RequestContext],
        filter: JobsFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> JobConnection:
        f = filter or JobsFilter()
        page = await jobs_page(
            info.context,
            JobFilter(
                statuses=None if f.statuses is None else frozenset(s.value for s in f.statuses),
                kind=f.kind,
                requested_by=decode_id(f.requested_by_id, "User", "filter.requestedById")
                if f.requested_by_id
                else None,
            ),
            first=first,
            after=after,
            last=last,
            before=before,
        )
        return connection_from_page(JobConnection, page, Job.from_row)


@strawberry.input(description="The job to cancel.")
class CancelJobInput:
    id: strawberry.ID = strawberry.field(description="The job's ID.")


@strawberry.input(description="The job to run again.")
class RetryJobInput:
    id: strawberry.ID = strawberry.field(description="The job's ID.")


@strawberry.type(description="Result of cancelJob.")
class CancelJobPayload(MutationPayload[JobError]):
    job: Job | None = strawberry.field(
        default=None,
        description="The job: cancelled if it was queued; still running, with "
        "cancelRequestedAt set, until its worker stops it.",
    )


@strawberry.type(description="Result of retryJob.")
class RetryJobPayload(MutationPayload[JobError]):
    job: Job | None = strawberry.field(default=None, description="The job, queued again.")


@strawberry.type
class JobsMutation:
    @mutation(
        description="Cancel a queued or running job (admins, or the staff member who "
        "requested it). A running job stops at its next check.",
        permission_classes=[IsStaff],
    )
    async def cancel_job(tx: MutationTx, input: CancelJobInput) -> CancelJobPayload:
        row = await cancel_job(tx, decode_id(input.id, "Job", "id"))
        return CancelJobPayload(job=Job.from_row(row))

    @mutation(
        description="Run a failed, dead or cancelled job again from its first attempt "
        "(admins, or the staff member who requested it).",
        permission_classes=[IsStaff],
    )
    async def retry_job(tx: MutationTx, input: RetryJobInput) -> RetryJobPayload:
        row = await retry_job(tx, decode_id(input.id, "Job", "id"))
        return RetryJobPayload(job=Job.from_row(row))


@strawberry.type
class JobsSubscription:
    @strawberry.subscription(
        description="A job's state now and after each change (status, progress), ending once "
        "the job has ended. A job you may not see is refused as not found.",
        permission_classes=[IsStaff],
    )
    async def job_updated(
        self, info: strawberry.Info[RequestContext], id: strawberry.ID
    ) -> AsyncIterator[Job]:
        stream = await job_update_stream(info.context, decode_id(id, "Job", "id"))
        return _jobs(stream)


async def _jobs(stream: AsyncGenerator[JobRow, None]) -> AsyncGenerator[Job, None]:
    async with aclosing(stream) as rows:
        async for row in rows:
            yield Job.from_row(row)
