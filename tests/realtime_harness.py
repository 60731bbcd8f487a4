"""Real components for the realtime tests: Redis (the machine's, started when absent, and
never stopped; or a `redis-server` of the test's own that it may stop and restart), the app
served by uvicorn on a loopback port (in this process or as a separate `autocrm serve`
process), and a graphql-transport-ws client built on `websockets`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from app import Runtime, create_app
from tests.smtp import free_port

# The machine's Redis: shared with everything else on the machine, so tests only ever
# start it when it is absent (as CI does), and never stop, flush or replace it.
REDIS_PORT = 6379
REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--port",
    str(REDIS_PORT),
    "--save",
    "",
    "--appendonly",
    "no",
    "--bind",
    "127.0.0.1",
]
# Generous bounds for things that normally take milliseconds; never asserted as timings.
WAIT = 15.0


async def eventually(condition: Callable[[], bool], what: str) -> None:
    """Wait, bounded, until another component reaches a state we can only observe."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what} did not happen within {WAIT}s")
        await asyncio.sleep(0.01)


# --- Redis -------------------------------------------------------------------------------


def redis_answers(port: int = REDIS_PORT) -> bool:
    try:
        done = subprocess.run(
            ["redis-cli", "-p", str(port), "ping"],
            capture_output=True,
            timeout=2,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    return done.stdout.strip() == b"PONG"


def _wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"Redis {what} within {WAIT}s")
        time.sleep(0.05)


def ensure_redis() -> None:
    """Start the machine's Redis when it is not answering (CI does the same)."""
    if not redis_answers():
        subprocess.run(REDIS_START, check=True, capture_output=True, timeout=10)
        _wait_for(redis_answers, "did not start")


class OwnRedis:
    """A `redis-server` of this test's own on a free loopback port, with its files in a
    temp folder: a test that stops and restarts Redis does it to this one, by its pid,
    never to the machine's Redis that other programs share."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def answers(self) -> bool:
        return redis_answers(self.port)

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        log = (self.folder / "redis.log").open("ab")
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
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        _wait_for(self.answers, "did not start")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=WAIT)
        self.process = None
        _wait_for(lambda: not self.answers(), "did not stop")

    @contextlib.contextmanager
    def stopped(self) -> Iterator[None]:
        """Redis is down inside the block and answering again (same port) after it."""
        try:
            self.stop()
            yield
        finally:
            self.start()


@contextlib.contextmanager
def own_redis(folder: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- servers -----------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def live_server(runtime: Runtime) -> AsyncIterator[str]:
    """The real app on uvicorn in this event loop (lifespan included); yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(runtime),
        host="127.0.0.1",
        port=port,
        ws="websockets-sansio",
        lifespan="on",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        deadline = time.monotonic() + WAIT
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped during start-up")
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


class ServerProcess:
    """`autocrm serve` as its own process against the given database (and Redis)."""

    def __init__(self, log_dir: Path, *, database_url: str, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"serve-{self.port}.log"
        environment = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL", "SMTP_URL"}
        }
        environment.update(
            {
                "DATABASE_URL": database_url,
                "DATA_DIR": str(log_dir / "data"),
                "RATE_LIMIT": "100000/minute",
                # Background triage would add its own events to the ones counted here.
                "AI_TRIAGE_ON_CREATE": "false",
                **env,
            }
        )
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from cli import main; main()",
                "serve",
                "--no-migrate",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text()

    async def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient() as client:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError("server exited:\n" + self.log())
                try:
                    if (await client.get(f"{self.url}/readyz", timeout=1)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not become ready:\n" + self.log())
                await asyncio.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self._log.close()


# --- GraphQL over HTTP and WebSocket -----------------------------------------------------


async def graphql(
    base_url: str, token: str | None, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """POST a GraphQL operation that must succeed; returns `data`."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=base_url, timeout=WAIT) as client:
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


class GraphQLWebSocket:
    """A graphql-transport-ws client: one reader task sorts frames by operation id."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self._inbox: dict[str, asyncio.Queue[dict[str, Any]]] = {}
        self._counter = 0
        self._reader: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, base_url: str, token: str | None = None) -> AsyncIterator[GraphQLWebSocket]:
        ws_url = base_url.replace("http://", "ws://", 1) + "/graphql"
        async with connect(
            ws_url,
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            open_timeout=WAIT,
        ) as connection:
            client = cls(connection)
            payload = {"authorization": f"Bearer {token}"} if token else {}
            await connection.send(json.dumps({"type": "connection_init", "payload": payload}))
            ack = json.loads(await asyncio.wait_for(connection.recv(), WAIT))
            assert ack["type"] == "connection_ack", ack
            client._reader = asyncio.create_task(client._read())
            try:
                yield client
            finally:
                client._reader.cancel()
                await asyncio.wait([client._reader])

    async def _read(self) -> None:
        try:
            async for raw in self.connection:
                frame = json.loads(raw)
                if frame["type"] == "ping":
                    await self.connection.send(json.dumps({"type": "pong"}))
                elif "id" in frame:
                    self._queue(frame["id"]).put_nowait(frame)
        except Exception:  # the socket closing ends the reader; tests see `closed`
            pass
        finally:
            self.closed.set()

    def _queue(self, operation_id: str) -> asyncio.Queue[dict[str, Any]]:
        return self._inbox.setdefault(operation_id, asyncio.Queue())

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self._counter += 1
        operation_id = str(self._counter)
        self._queue(operation_id)
        await self.connection.send(
            json.dumps(
                {
                    "id": operation_id,
                    "type": "subscribe",
                    "payload": {"query": query, "variables": variables or {}},
                }
            )
        )
        return operation_id

    async def frame(self, operation_id: str, within: float = WAIT) -> dict[str, Any]:
        """The next frame (next / error / complete) for the operation."""
        return await asyncio.wait_for(self._queue(operation_id).get(), within)

    async def next(self, operation_id: str, within: float = WAIT) -> dict[str, Any]:
        """The `data` of the next `next` frame, which must carry no errors."""
        frame = await self.frame(operation_id, within)
        assert frame["type"] == "next", frame
        assert "errors" not in frame["payload"], frame["payload"]["errors"]
        data: dict[str, Any] = frame["payload"]["data"]
        return data

    def pending(self, operation_id: str) -> int:
        return self._queue(operation_id).qsize()

    async def complete(self, operation_id: str) -> None:
        await self.connection.send(json.dumps({"id": operation_id, "type": "complete"}))
