"""Mutation → subscription event latency with many WebSocket subscribers.

Starts `autocrm serve` on loopback against a fresh embedded PostgreSQL (or DATABASE_URL),
opens SUBSCRIBERS staff WebSockets subscribed to `ticketEvents`, then runs N ticket updates
one after another over HTTP. For each update it records, per subscriber, the time from
sending the mutation to receiving its event, and prints p50 / p95 / max per mode:

  memory  one server, memory:// broadcast
  redis   one server, fan-out through Redis (REDIS_URL)
  cross   the mutation on server A, the subscribers on server B, through Redis

Targets: p95 ≤ 50 ms (memory), ≤ 100 ms (Redis). Not a test: run it by hand.

    python bench/realtime_latency.py [--subscribers 200] [--mutations 50]
                                     [--modes memory,redis,cross]
        [--profile]   (cProfile of the listening server over the measured updates)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import pstats
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

from auth.passwords import hash_password
from auth.tokens import issue_access_token
from db.embedded import embedded_database_url, stop_embedded
from db.engine import Database, to_async_url
from db.migrate import upgrade
from db.models import AuthSession, Customer, Ticket, User

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-key-that-is-long-enough-for-hs256"
REDIS_URL = "redis://127.0.0.1:6379/13"
SUBSCRIPTION = "subscription { ticketEvents { kind occurredAt ticket { id subject status } } }"
UPDATE = """mutation ($input: UpdateTicketInput!) {
  updateTicket(input: $input) { ticket { id } errors { code message } } }"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def prepare(url: str, agents: int) -> tuple[list[str], str]:
    """Fresh schema, `agents` staff users with tokens, and one ticket; returns (tokens, id)."""
    db = Database(url)
    from sqlalchemy import text

    async with db.engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(db.engine)
    password = hash_password("bench-password-123")
    async with db.transaction() as session:
        customer = Customer(name="Bench Customer")
        session.add(customer)
        users = [
            User(
                email=f"agent{n}@bench.local",
                name=f"Agent {n}",
                role="agent",
                password_hash=password,
            )
            for n in range(agents)
        ]
        session.add_all(users)
        await session.flush()
        sessions = [AuthSession(user_id=user.id) for user in users]
        session.add_all(sessions)
        ticket = Ticket(customer_id=customer.id, subject="Bench ticket", status="open")
        session.add(ticket)
        await session.flush()
        tokens = [
            issue_access_token(
                user_id=u.id, session_id=s.id, role="agent", key=SECRET, minutes=120
            )[0]
            for u, s in zip(users, sessions, strict=True)
        ]
        ticket_id = str(ticket.id)
    await db.dispose()
    from strawberry import relay

    return tokens, relay.to_base64("Ticket", ticket_id)


# Server process id by base URL, so a measurement can read the CPU time the server spent.
SERVER_PIDS: dict[str, int] = {}
# Where each server writes its cProfile statistics (--profile), by base URL.
PROFILES: dict[str, Path] = {}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc): unlike latency on a busy
    machine, the server's CPU per event does not depend on what else is running."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(
    port: int, env: dict[str, str], out: Any, profile: Path | None = None
) -> subprocess.Popen[bytes]:
    code = "from cli import main; main()"
    if profile is not None:  # SIGUSR1 starts the profiler, SIGUSR2 stops it and writes it
        code = (
            "import cProfile, signal\n"
            "from cli import main\n"
            "profiler = cProfile.Profile()\n"
            "signal.signal(signal.SIGUSR1, lambda *_: profiler.enable())\n"
            "signal.signal(signal.SIGUSR2, lambda *_: (profiler.disable(),"
            f" profiler.dump_stats({str(profile)!r})))\n"
            "main()\n"
        )
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            code,
            "serve",
            "--no-migrate",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )


@contextlib.asynccontextmanager
async def serve(
    database_url: str, redis_url: str | None, log: Path, profile: bool = False
) -> AsyncIterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET,
            "LOG_LEVEL": "WARNING",
            "RATE_LIMIT": "1000000/minute",
            "DATA_DIR": str(log.parent / "data"),
        }
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    with log.open("w") as out:
        base = f"http://127.0.0.1:{port}"
        if profile:
            PROFILES[base] = log.with_suffix(".prof")
        process = start_server(port, env, out, PROFILES.get(base))
        SERVER_PIDS[base] = process.pid
        try:
            async with httpx.AsyncClient() as client:
                for _ in range(600):
                    if process.poll() is not None:
                        raise RuntimeError(f"server exited; see {log}")
                    with contextlib.suppress(httpx.HTTPError):
                        if (await client.get(f"{base}/readyz", timeout=1)).status_code == 200:
                            break
                    await asyncio.sleep(0.1)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


class Subscriber:
    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        # Wall-clock lag from the server's publish (occurredAt) to arrival: the realtime
        # layer alone, without the mutation's own work before its commit.
        self.lags: dict[str, float] = {}
        self.changed = asyncio.Event()

    async def run(self, base: str, token: str, ready: asyncio.Event) -> None:
        url = base.replace("http://", "ws://") + "/graphql"
        async with connect(
            url,
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            open_timeout=60,
            max_queue=None,
        ) as ws:
            await ws.send(
                json.dumps(
                    {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
                )
            )
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(
                json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
            )
            ready.set()
            async for raw in ws:
                now, wall = time.perf_counter(), time.time()
                frame = json.loads(raw)
                if frame["type"] == "next":
                    event = frame["payload"]["data"]["ticketEvents"]
                    subject = event["ticket"]["subject"]
                    self.arrivals[subject] = now
                    published = datetime.fromisoformat(event["occurredAt"]).timestamp()
                    self.lags[subject] = wall - published
                    self.changed.set()
                elif frame["type"] == "ping":
                    await ws.send(json.dumps({"type": "pong"}))


async def wait_all(subscribers: list[Subscriber], subject: str, within: float) -> bool:
    deadline = time.perf_counter() + within
    for sub in subscribers:
        while subject not in sub.arrivals:
            sub.changed.clear()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(sub.changed.wait(), remaining)
    return True


async def measure(
    mutate_base: str, listen_base: str, tokens: list[str], ticket: str, mutations: int
) -> dict[str, float]:
    subscribers = [Subscriber() for _ in tokens]
    ready = [asyncio.Event() for _ in tokens]
    tasks = [
        asyncio.create_task(sub.run(listen_base, token, flag))
        for sub, token, flag in zip(subscribers, tokens, ready, strict=True)
    ]
    try:
        await asyncio.wait_for(asyncio.gather(*(flag.wait() for flag in ready)), 120)
        async with httpx.AsyncClient(
            base_url=mutate_base, timeout=30, headers={"Authorization": f"Bearer {tokens[0]}"}
        ) as http:

            async def update(subject: str) -> float:
                started = time.perf_counter()
                body = (
                    await http.post(
                        "/graphql",
                        json={
                            "query": UPDATE,
                            "variables": {"input": {"id": ticket, "subject": subject}},
                        },
                    )
                ).json()
                assert not body.get("errors"), body
                assert not body["data"]["updateTicket"]["errors"], body
                return started

            # Warm-up: until every subscription is live and every code path has run once.
            for attempt in range(200):
                subject = f"warm-up {attempt}"
                await update(subject)
                if await wait_all(subscribers, subject, 1.0):
                    break
            else:
                raise RuntimeError("subscribers never all became live")
            latencies: list[float] = []
            lags: list[float] = []
            firsts: list[float] = []  # per update, the first subscriber served
            round_trips: list[float] = []
            cpu_before = cpu_seconds(SERVER_PIDS[listen_base])
            if listen_base in PROFILES:
                os.kill(SERVER_PIDS[listen_base], signal.SIGUSR1)
            for n in range(mutations):
                subject = f"bench {n}"
                started = await update(subject)
                round_trips.append(time.perf_counter() - started)
                if not await wait_all(subscribers, subject, 30):
                    raise RuntimeError(f"event {n} did not reach every subscriber")
                latencies += [sub.arrivals[subject] - started for sub in subscribers]
                lags += [sub.lags[subject] for sub in subscribers]
                firsts.append(min(sub.lags[subject] for sub in subscribers))
            cpu = cpu_seconds(SERVER_PIDS[listen_base]) - cpu_before
            if listen_base in PROFILES:
                os.kill(SERVER_PIDS[listen_base], signal.SIGUSR2)
                for _ in range(100):
                    if PROFILES[listen_base].exists():
                        break
                    await asyncio.sleep(0.1)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    latencies.sort()
    lags.sort()
    return {
        "p50": statistics.median(latencies) * 1000,
        "p95": percentile(latencies, 0.95) * 1000,
        "max": latencies[-1] * 1000,
        "lag_p50": statistics.median(lags) * 1000,
        "lag_p95": percentile(lags, 0.95) * 1000,
        "first_p50": statistics.median(firsts) * 1000,
        "mutation_p50": statistics.median(round_trips) * 1000,
        "deliveries": len(latencies),
        # Includes the mutation itself when the same server runs it (memory, redis).
        "cpu_per_event": cpu / mutations * 1000,
    }


def print_profile(path: Path, entries: int = 30) -> None:
    """The listening server's busiest functions (own time) while it served the updates."""
    out = io.StringIO()
    pstats.Stats(str(path), stream=out).sort_stats("tottime").print_stats(entries)
    print(f"--- cProfile of {path.stem} (tottime, measured updates only) ---")
    print("\n".join(out.getvalue().splitlines()[: entries + 12]))


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[max(0, int(len(ordered) * fraction) - 1)]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--mutations", type=int, default=50)
    parser.add_argument("--modes", default="memory,redis,cross")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="autocrm-bench-"))
    configured = os.environ.get("DATABASE_URL")
    url = to_async_url(configured) if configured else embedded_database_url(work / "embedded")
    try:
        await run_modes(args, url)
    finally:
        if not configured:  # the embedded server outlives its starter on purpose; stop it
            stop_embedded(work / "embedded")
        shutil.rmtree(work, ignore_errors=True)


async def run_modes(args: argparse.Namespace, url: str) -> None:
    work = Path(tempfile.mkdtemp(prefix="autocrm-bench-logs-"))
    tokens, ticket = await prepare(url, args.subscribers)
    print(
        f"{args.subscribers} staff subscribers, {args.mutations} sequential ticket updates; "
        f"latency = mutation sent → event received, per subscriber (ms)"
    )
    targets = {"memory": 50.0, "redis": 100.0, "cross": 100.0}
    for mode in args.modes.split(","):
        redis_url = None if mode == "memory" else REDIS_URL
        async with contextlib.AsyncExitStack() as stack:
            first = await stack.enter_async_context(
                serve(url, redis_url, work / f"{mode}-a.log", args.profile and mode != "cross")
            )
            second = first
            if mode == "cross":
                second = await stack.enter_async_context(
                    serve(url, redis_url, work / f"{mode}-b.log", args.profile)
                )
            result = await measure(first, second, tokens, ticket, args.mutations)
        if second in PROFILES and PROFILES[second].exists():
            print_profile(PROFILES[second])
        verdict = "ok" if result["p95"] <= targets[mode] else "OVER TARGET"
        print(
            f"{mode:>6}: p50 {result['p50']:6.1f}  p95 {result['p95']:6.1f}  "
            f"max {result['max']:6.1f}  | publish→receive p50 {result['lag_p50']:6.1f}  "
            f"p95 {result['lag_p95']:6.1f}  first {result['first_p50']:5.1f}  "
            f"| mutation round trip p50 "
            f"{result['mutation_p50']:5.1f}  | server CPU/event {result['cpu_per_event']:5.1f}"
            f"  ({result['deliveries']} deliveries; "
            f"target p95 ≤ {targets[mode]:.0f}: {verdict})"
        )


if __name__ == "__main__":
    asyncio.run(main())
