"""Real services for the job tests: an own `redis-server` on a free port in a temp folder
(never the machine's 6379) and `autocrm worker` as its own process group."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from db.engine import Database
from db.models import AuditEntry, Job
from tests.smtp import free_port
from workers.jobs.probes import PROBE_ACTION

# Generous bounds for things that normally take a second or two; never asserted as timings.
WAIT = 60.0


class OwnRedis:
    """A redis-server of the test's own, without persistence (a restart loses its queues)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.answers():
            if time.monotonic() > deadline:
                raise RuntimeError("own redis-server did not start")
            time.sleep(0.05)

    def answers(self) -> bool:
        done = subprocess.run(
            ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, check=False
        )
        return done.stdout.strip() == b"PONG"

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


class WorkerProcess:
    """`autocrm worker` in its own session, so SIGKILL takes its whole process group."""

    def __init__(self, log_path: Path, env: dict[str, str], *, processes: int = 1) -> None:
        self.log_path = log_path
        self._log = log_path.open("a")
        environment = {k: v for k, v in os.environ.items() if k not in {"SMTP_URL"}}
        environment.update(env)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from cli import main; main()",
                "worker",
                "--processes",
                str(processes),
                "--threads",
                "2",
            ],
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text()

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, exactly as when a machine dies."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


async def eventually(check: Callable[[], Awaitable[Any]], what: str, log: str = "") -> Any:
    """Poll `check` until it returns something truthy (bounded by WAIT)."""
    deadline = time.monotonic() + WAIT
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {WAIT}s\n{log}")
        await asyncio.sleep(0.1)


async def load_job(db: Database, job_id: uuid.UUID) -> Job:
    async with db.sessions() as session:
        return (await session.execute(select(Job).where(Job.id == job_id))).scalar_one()


async def probe_effects(db: Database, job_id: uuid.UUID) -> int:
    """How many times a `probe.write` job's effect was written."""
    async with db.sessions() as session:
        stmt = select(func.count()).where(
            AuditEntry.action == PROBE_ACTION, AuditEntry.object_id == str(job_id)
        )
        return int((await session.execute(stmt)).scalar_one())
