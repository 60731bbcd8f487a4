"""Background jobs: a `jobs` table as the source of truth, Dramatiq (Redis) or an
in-process worker to run them. `enqueue` in the request's transaction, then
`JobQueue.send_pending` after commit; the relay re-sends whatever a crash left."""

from __future__ import annotations

from workers.jobs import catalog
from workers.jobs.enqueue import enqueue
from workers.jobs.kinds import KINDS, TransientJobError, job_kind
from workers.jobs.queue import JobQueue, build_job_queue
from workers.jobs.runner import JobCancelled, JobRun

__all__ = [
    "KINDS",
    "JobCancelled",
    "JobQueue",
    "JobRun",
    "TransientJobError",
    "build_job_queue",
    "catalog",
    "enqueue",
    "job_kind",
]
