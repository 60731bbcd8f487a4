"""AI quotas are one budget for every server process when REDIS_URL is set: two real
processes, each with its own gateway, draw on the same per-user limit through a Redis of
the test's own (never the machine's 6379)."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.workers.job_services import OwnRedis

# One server process's share of the work: N AI calls for one user, each line an outcome.
CALLS = """
import asyncio, sys, uuid
from ai import Caller, CompletionRequest, QuotaExceeded
from ai.factory import build_gateway
from db.engine import Database, database_url
from settings import get_settings

async def main() -> None:
    settings = get_settings()
    db = Database(database_url(settings), pool_size=1)
    gateway = build_gateway(settings, db)
    caller = Caller(user_id=uuid.UUID(sys.argv[1]))
    for number in range(int(sys.argv[2])):
        request = CompletionRequest.ask(
            f"Where is order {sys.argv[3]}-{number}?",
            operation="draft_reply",
            context=("Orders ship within two days of payment.",),
            caller=caller,
        )
        try:
            await gateway.complete(request)
            print("ok", flush=True)
        except QuotaExceeded as exc:
            print("refused", exc.retry_after, flush=True)
    await gateway.close()
    await db.dispose()

asyncio.run(main())
"""


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


async def server_process_calls(
    env: dict[str, str], user: uuid.UUID, calls: int, name: str
) -> list[str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CALLS,
        str(user),
        str(calls),
        name,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode().split("\n")[:-1]


async def test_two_server_processes_share_one_users_quota_through_redis(
    redis: OwnRedis, database_url: str, db: object, tmp_path: Path
) -> None:
    # (`db`: the test database, migrated; the processes record their calls in it.)
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis.url,
        "DATA_DIR": str(tmp_path),
        "AI_PROVIDERS": '["offline"]',
        "AI_USER_REQUESTS_PER_MINUTE": "3",
        "AI_CACHE_TTL": "0",
    }
    user = uuid.uuid4()

    first = await server_process_calls(env, user, 2, "a")
    second = await server_process_calls(env, user, 2, "b")

    # alone, the second process would have had room for both of its calls
    assert first == ["ok", "ok"]
    assert second[0] == "ok"
    verdict, retry_after = second[1].split()
    assert verdict == "refused"
    assert 1 <= int(retry_after) <= 60
