"""Jobs in embedded mode (the in-process worker): run after commit, retry what is
transient, fail what is not, observe cancellation, and never apply an effect twice."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import update

from db.base import utcnow
from db.engine import Database
from db.models import Job
from settings import Settings
from tests.workers.job_services import eventually, load_job, probe_effects
from workers.jobs import JobQueue, build_job_queue, enqueue, job_kind
from workers.jobs.runner import JobEnv, JobLost, JobRun, _claim, run_job

FINISHED = {"succeeded", "failed", "cancelled", "dead"}


@job_kind("test.too_slow", time_limit=0.2, max_attempts=1)
async def too_slow(run: JobRun) -> str | None:
    await asyncio.sleep(30)
    return None


@pytest.fixture
async def jobs(db: Database, settings: Settings) -> AsyncIterator[JobQueue]:
    # A short lease makes the heartbeat (and so a cancel) come round quickly.
    queue = build_job_queue(db, settings.model_copy(update={"job_lease_seconds": 0.6}), None)
    yield queue
    await queue.stop()


async def submit(db: Database, jobs: JobQueue, kind: str, **args: object) -> uuid.UUID:
    async with db.transaction() as session:
        job = enqueue(session, kind, args)
    await jobs.send_pending([job])
    return job.id


async def finished(db: Database, job_id: uuid.UUID) -> Job:
    async def check() -> Job | None:
        job = await load_job(db, job_id)
        return job if job.status in FINISHED else None

    result: Job = await eventually(check, f"job {job_id} finishing")
    return result


async def test_job_sent_after_commit_runs_once_and_succeeds(db: Database, jobs: JobQueue) -> None:
    job_id = await submit(db, jobs, "probe.write")

    job = await finished(db, job_id)

    assert (job.status, job.attempts, job.progress, job.last_error) == ("succeeded", 1, 1.0, None)
    assert job.sent_at is not None
    assert job.finished_at is not None
    assert await probe_effects(db, job_id) == 1


async def test_job_without_an_effect_of_its_own_succeeds(db: Database, jobs: JobQueue) -> None:
    job_id = await submit(db, jobs, "probe.noop")

    job = await finished(db, job_id)

    assert (job.status, job.attempts, job.progress) == ("succeeded", 1, 1.0)
    assert job.lease_expires_at is None


async def test_job_of_a_rolled_back_transaction_never_exists(db: Database, jobs: JobQueue) -> None:
    class Abort(Exception):
        pass

    job_id = uuid.uuid4()

    async def enqueue_then_fail() -> None:
        async with db.transaction() as session:
            enqueue(session, "probe.write").id = job_id
            raise Abort

    with pytest.raises(Abort):
        await enqueue_then_fail()

    async with db.sessions() as session:
        assert await session.get(Job, job_id) is None
    assert await probe_effects(db, job_id) == 0


async def test_unknown_kind_is_refused_before_anything_is_written(db: Database) -> None:
    with pytest.raises(ValueError, match="unknown job kind"):
        async with db.transaction() as session:
            enqueue(session, "no.such.kind")


async def test_transient_failure_is_retried_with_backoff_then_succeeds(
    db: Database, jobs: JobQueue
) -> None:
    job_id = await submit(db, jobs, "probe.write", fail="transient")

    job = await finished(db, job_id)

    assert (job.status, job.attempts) == ("succeeded", 2)
    assert await probe_effects(db, job_id) == 1


async def test_permanent_failure_fails_at_once_with_its_error(db: Database, jobs: JobQueue) -> None:
    job_id = await submit(db, jobs, "probe.write", fail="permanent")

    job = await finished(db, job_id)

    assert (job.status, job.attempts) == ("failed", 1)
    assert job.last_error == "ValueError: probe asked for a permanent failure"
    assert await probe_effects(db, job_id) == 0


async def test_job_failing_transiently_every_time_is_kept_dead_with_its_error(
    db: Database, jobs: JobQueue
) -> None:
    job_id = await submit(db, jobs, "probe.write", fail="transient", fail_attempts=99)

    job = await finished(db, job_id)

    assert (job.status, job.attempts) == ("dead", job.max_attempts)
    assert job.last_error == "TransientJobError: probe asked for a transient failure"
    assert await probe_effects(db, job_id) == 0


async def test_running_job_stops_when_cancelled(db: Database, jobs: JobQueue) -> None:
    job_id = await submit(db, jobs, "probe.write", seconds=30)
    await eventually(lambda: _progressed(db, job_id), "the job making progress")

    async with db.transaction() as session:
        await session.execute(
            update(Job).where(Job.id == job_id).values(cancel_requested_at=utcnow())
        )
    job = await finished(db, job_id)

    assert job.status == "cancelled"
    assert 0 < job.progress < 1
    assert await probe_effects(db, job_id) == 0


async def test_job_over_its_time_limit_is_stopped_and_kept_with_the_reason(
    db: Database, jobs: JobQueue
) -> None:
    job_id = await submit(db, jobs, "test.too_slow")

    job = await finished(db, job_id)

    assert (job.status, job.attempts) == ("dead", 1)
    assert job.last_error == "TimeoutError: time limit of 0.2 s exceeded"


async def _progressed(db: Database, job_id: uuid.UUID) -> bool:
    return (await load_job(db, job_id)).progress > 0


async def test_job_delivered_twice_runs_once(db: Database, jobs: JobQueue) -> None:
    job_id = await submit(db, jobs, "probe.write")
    await finished(db, job_id)
    env = JobEnv(db=db, settings=jobs.settings, sender=jobs.sender)

    assert await run_job(env, job_id) == "skipped"
    assert await probe_effects(db, job_id) == 1


async def test_slow_worker_that_lost_its_lease_cannot_apply_its_effect_again(
    db: Database, settings: Settings, jobs: JobQueue
) -> None:
    async with db.transaction() as session:
        job = enqueue(session, "probe.write")
    env = JobEnv(db=db, settings=settings, sender=jobs.sender, worker="slow")
    slow = await _claim(env, job.id)
    assert slow is not None
    # The slow worker misses its heartbeats; another worker takes the job over and ends it.
    async with db.transaction() as session:
        expired = update(Job).where(Job.id == job.id).values(lease_expires_at=utcnow())
        await session.execute(expired)
    assert (
        await run_job(JobEnv(db=db, settings=settings, sender=jobs.sender), job.id) == "succeeded"
    )

    with pytest.raises(JobLost):
        async with JobRun(env, slow).finishing():
            pass

    assert await probe_effects(db, job.id) == 1
    assert (await load_job(db, job.id)).attempts == 2


async def test_job_committed_but_never_sent_runs_when_the_server_starts(
    db: Database, jobs: JobQueue
) -> None:
    async with db.transaction() as session:
        job = enqueue(session, "probe.write")  # and the process dies before sending

    await jobs.start()
    done = await finished(db, job.id)

    assert done.status == "succeeded"
    assert await probe_effects(db, job.id) == 1
