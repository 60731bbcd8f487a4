"""Background-job throughput and latency through Redis with real `autocrm worker` processes.

Starts a fresh embedded PostgreSQL and an own redis-server (free port, temp folder; never
the machine's 6379), then for 1 and 2 worker processes (4 threads each):

  throughput  JOBS jobs written in one transaction and sent after commit; jobs/s from the
              send until the last one has succeeded (no-op actor, DB-writing actor)
  latency     LATENCY jobs sent one by one, 20 ms apart; enqueue→start (row created →
              claimed by a worker) p50 / p95

Not a test: run it by hand and read the figures.

    python bench/jobs.py [--jobs 1000] [--latency 200] [--processes 1,2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import SecretStr
from sqlalchemy import func, select

from db.embedded import embedded_database_url, stop_embedded
from db.engine import Database
from db.migrate import upgrade
from db.models import Job
from settings import Settings
from tests.workers.job_services import OwnRedis
from workers.jobs import build_job_queue, enqueue


def start_worker(processes: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from cli import main; main()",
            "worker",
            "--processes",
            str(processes),
            "--threads",
            "4",
        ],
        env={**os.environ, **env},
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


async def wait_all_succeeded(db: Database, ids: list[uuid.UUID]) -> None:
    deadline = time.monotonic() + 600
    while True:
        async with db.sessions() as session:
            stmt = select(func.count()).where(Job.id.in_(ids), Job.status == "succeeded")
            done = (await session.execute(stmt)).scalar_one()
        if done == len(ids):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {done} of {len(ids)} jobs succeeded")
        await asyncio.sleep(0.02)


async def throughput(db: Database, settings: Settings, kind: str, count: int) -> float:
    jobs = build_job_queue(db, settings, None)
    async with db.transaction() as session:
        rows = [enqueue(session, kind) for _ in range(count)]
    started = time.perf_counter()
    await jobs.send_pending(rows)
    await wait_all_succeeded(db, [row.id for row in rows])
    return count / (time.perf_counter() - started)


async def latency(db: Database, settings: Settings, count: int) -> tuple[float, float]:
    jobs = build_job_queue(db, settings, None)
    ids = []
    for _ in range(count):
        async with db.transaction() as session:
            row = enqueue(session, "probe.noop")
        await jobs.send_pending([row])
        ids.append(row.id)
        await asyncio.sleep(0.02)
    await wait_all_succeeded(db, ids)
    async with db.sessions() as session:
        stmt = select(Job.created_at, Job.started_at).where(Job.id.in_(ids))
        waits = [
            (started - created).total_seconds() * 1000
            for created, started in (await session.execute(stmt)).all()
        ]
    waits.sort()
    return statistics.median(waits), waits[int(len(waits) * 0.95) - 1]


async def run(args: argparse.Namespace, folder: Path) -> None:
    url = embedded_database_url(folder / "data")
    db = Database(url)
    await upgrade(db.engine)
    redis = OwnRedis(folder / "redis")
    redis.start()
    settings = Settings(
        data_dir=folder / "data",
        redis_url=SecretStr(redis.url),
        secret_key=SecretStr("bench-secret-key-long-enough-for-hs256-signing"),
        _env_file=None,  # type: ignore[call-arg]
    )
    env = {
        "DATABASE_URL": url,
        "REDIS_URL": redis.url,
        "SECRET_KEY": "bench-secret-key-long-enough-for-hs256-signing",
        "DATA_DIR": str(folder / "data"),
        "LOG_LEVEL": "WARNING",
    }
    print(f"jobs: {args.jobs} per throughput run, {args.latency} for latency; 4 threads/process")
    print(
        f"{'processes':>9} {'no-op jobs/s':>13} {'db-write jobs/s':>16} {'start p50':>10} "
        f"{'start p95':>10}"
    )
    try:
        for processes in args.processes:
            worker = start_worker(processes, env, folder / "worker.log")
            try:
                await throughput(db, settings, "probe.noop", 20)  # warm-up: workers booted
                noop = await throughput(db, settings, "probe.noop", args.jobs)
                write = await throughput(db, settings, "probe.write", args.jobs)
                p50, p95 = await latency(db, settings, args.latency)
            finally:
                stop_worker(worker)
            print(f"{processes:>9} {noop:>13.0f} {write:>16.0f} {p50:>8.1f}ms {p95:>8.1f}ms")
    finally:
        redis.stop()
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--latency", type=int, default=200)
    parser.add_argument(
        "--processes", type=lambda v: [int(p) for p in v.split(",")], default=[1, 2]
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="autocrm-bench-jobs-"))
    try:
        asyncio.run(run(args, folder))
    finally:
        stop_embedded(folder / "data")
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
