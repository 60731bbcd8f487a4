"""Jobs through a real Redis and real `autocrm worker` processes: a worker killed mid-job,
Redis restarted with jobs queued, and a server killed between commit and send.

Each test starts its own redis-server on a free port (never the machine's 6379)."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from app import build_runtime, create_app
from db.engine import Database
from db.models import Job
from settings import Settings
from tests.conftest import TEST_SECRET
from tests.workers.job_services import (
    OwnRedis,
    WorkerProcess,
    eventually,
    load_job,
    probe_effects,
)
from workers.jobs import JobQueue, build_job_queue, enqueue

LEASE_SECONDS = "2"


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_settings(settings: Settings, redis: OwnRedis) -> Settings:
    return settings.model_copy(
        update={
            "redis_url": SecretStr(redis.url),
            "job_lease_seconds": float(LEASE_SECONDS),
            "job_resend_seconds": 2.0,
        }
    )


@pytest.fixture
async def jobs(db: Database, redis_settings: Settings) -> AsyncIterator[JobQueue]:
    queue = build_job_queue(db, redis_settings, None)
    yield queue
    await queue.stop()


@pytest.fixture
def start_worker(tmp_path: Path, database_url: str, redis: OwnRedis) -> Iterator[Any]:
    started: list[WorkerProcess] = []

    def start() -> WorkerProcess:
        worker = WorkerProcess(
            tmp_path / "worker.log",
            {
                "DATABASE_URL": database_url,
                "REDIS_URL": redis.url,
                "SECRET_KEY": TEST_SECRET,
                "DATA_DIR": str(tmp_path / "data"),
                "JOB_LEASE_SECONDS": LEASE_SECONDS,
                "JOB_RESEND_SECONDS": "2",
                "LOG_LEVEL": "INFO",
            },
        )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


async def submit(db: Database, jobs: JobQueue, kind: str, **args: object) -> uuid.UUID:
    async with db.transaction() as session:
        job = enqueue(session, kind, args)
    await jobs.send_pending([job])
    return job.id


async def statuses(db: Database, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    async with db.sessions() as session:
        rows = await session.execute(select(Job.id, Job.status).where(Job.id.in_(ids)))
        return {job_id: status for job_id, status in rows.all()}


async def test_worker_killed_mid_job_completes_it_exactly_once_after_restart(
    db: Database, jobs: JobQueue, start_worker: Any
) -> None:
    first = start_worker()
    job_id = await submit(db, jobs, "probe.write", seconds=4)

    async def mid_job() -> bool:
        job = await load_job(db, job_id)
        return job.status == "running" and job.progress > 0.2

    await eventually(mid_job, "the job running on the first worker", first.log())
    first.kill()
    assert await probe_effects(db, job_id) == 0

    second = start_worker()

    async def done() -> bool:
        return (await load_job(db, job_id)).status == "succeeded"

    await eventually(done, "the restarted worker finishing the job", second.log())
    job = await load_job(db, job_id)
    assert job.attempts == 2
    assert await probe_effects(db, job_id) == 1


async def test_jobs_queued_while_redis_restarts_all_complete(
    db: Database, jobs: JobQueue, redis: OwnRedis, start_worker: Any
) -> None:
    ids = [await submit(db, jobs, "probe.write") for _ in range(10)]
    redis.restart()  # no persistence: every queued message is gone from Redis
    worker = start_worker()
    ids += [await submit(db, jobs, "probe.write") for _ in range(5)]

    async def all_done() -> bool:
        return set((await statuses(db, ids)).values()) == {"succeeded"}

    await eventually(all_done, "every job finishing", worker.log())
    for job_id in ids:
        assert await probe_effects(db, job_id) == 1


KILLED_AFTER_COMMIT = """
import asyncio, os, signal, sys
from db.engine import Database
from workers.jobs import enqueue

async def main() -> None:
    db = Database(sys.argv[1])
    async with db.transaction() as session:
        job = enqueue(session, "probe.write")
    print(job.id, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # after commit, before the send

asyncio.run(main())
"""


async def test_server_killed_between_commit_and_send_sends_the_job_on_start(
    db: Database, database_url: str, redis_settings: Settings, start_worker: Any
) -> None:
    killed = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        KILLED_AFTER_COMMIT,
        database_url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await killed.communicate()
    assert killed.returncode == -9, err.decode()
    job_id = uuid.UUID(out.decode().strip())
    assert (await load_job(db, job_id)).sent_at is None

    runtime = build_runtime(redis_settings, db)
    app = create_app(runtime)
    async with app.router.lifespan_context(app):

        async def sent() -> bool:
            return (await load_job(db, job_id)).sent_at is not None

        await eventually(sent, "the restarted server sending the job")
        worker = start_worker()

        async def done() -> bool:
            return (await load_job(db, job_id)).status == "succeeded"

        await eventually(done, "a worker running the re-sent job", worker.log())
    assert await probe_effects(db, job_id) == 1
