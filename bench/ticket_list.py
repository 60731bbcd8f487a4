"""Ticket-list throughput and latency through the whole HTTP stack, 50-ticket pages.

Seeds a fresh embedded PostgreSQL (or DATABASE_URL) with customers, agents and tickets with
messages, starts `autocrm serve` on loopback, and for DURATION seconds fires the agent-inbox
query (50 tickets with customer, assignee, team, tags and last message) from CONCURRENCY
clients. Prints requests/s, latency p50/p95/max and the SQL statements one page costs
(counted in-process through the same app). Not a test: run it by hand.

    python bench/ticket_list.py [--tickets 5000] [--duration 10] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, text

from app import build_runtime, create_app
from auth.tokens import issue_access_token
from db.embedded import embedded_database_url, stop_embedded
from db.engine import Database, to_async_url
from db.migrate import upgrade
from db.models import AuthSession, Customer, Ticket, TicketMessage, User
from settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-key-long-enough-for-hs256-signing"
INBOX = """
query ($after: String) {
  tickets(first: 50, after: $after, filter: {status: [NEW, OPEN, PENDING]},
          orderBy: {field: UPDATED_AT, direction: DESC}) {
    totalCount
    pageInfo { endCursor hasNextPage }
    edges { node {
      id number subject status priority tags updatedAt
      customer { name }
      assignee { name }
      team { name }
      lastMessage { bodyText createdAt }
    } }
  }
}"""


async def seed(url: str, tickets: int) -> str:
    """Fresh schema and data; returns an agent's access token."""
    rng = random.Random(11)
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(db.engine)
    started = time.perf_counter()
    async with db.transaction() as session:
        agents = [
            User(email=f"a{n}@bench.local", name=f"Agent {n}", role="agent") for n in range(20)
        ]
        customers = [Customer(name=f"Customer {n}") for n in range(tickets // 5 + 1)]
        session.add_all(agents + customers)
        await session.flush()
        auth = AuthSession(user_id=agents[0].id)
        session.add(auth)
        rows = [
            Ticket(
                customer_id=rng.choice(customers).id,
                subject=f"Ticket {n}: printer on fire",
                status=rng.choice(["new", "open", "pending", "solved", "closed"]),
                priority=rng.choice(["low", "normal", "high", "urgent"]),
                channel="web",
                assignee_id=rng.choice([None, *[a.id for a in agents]]),
                tags=rng.sample(["billing", "bug", "vip", "refund", "login"], 2),
            )
            for n in range(tickets)
        ]
        session.add_all(rows)
        await session.flush()
        session.add_all(
            TicketMessage(
                ticket_id=t.id,
                author_kind="customer",
                visibility="public",
                body_html=f"<p>Message {i} on {t.subject}</p>",
                body_text=f"Message {i} on {t.subject}",
            )
            for t in rows
            for i in range(2)
        )
        await session.flush()
        token, _ = issue_access_token(
            user_id=agents[0].id, session_id=auth.id, role="agent", key=SECRET, minutes=120
        )
    async with db.engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    print(
        f"seeded {tickets} tickets ({2 * tickets} messages)"
        f" in {time.perf_counter() - started:.1f} s"
    )
    await db.dispose()
    return token


async def statements_per_page(url: str, token: str, data_dir: Path) -> int:
    settings = Settings(
        data_dir=data_dir,
        secret_key=SECRET,  # type: ignore[arg-type]
        rate_limit="1000000/minute",
        _env_file=None,  # type: ignore[call-arg]
    )
    db = Database(url)
    app = create_app(build_runtime(settings, db))
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        headers = {"Authorization": f"Bearer {token}"}
        await client.post("/graphql", json={"query": INBOX}, headers=headers)  # warm up
        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        body = (await client.post("/graphql", json={"query": INBOX}, headers=headers)).json()
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert not body.get("errors"), body
    assert len(body["data"]["tickets"]["edges"]) == 50, "seed more tickets"
    await db.dispose()
    return len(seen)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def load(url: str, token: str, work: Path, duration: float, concurrency: int) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DATABASE_URL=url,
        SECRET_KEY=SECRET,
        LOG_LEVEL="WARNING",
        RATE_LIMIT="1000000/minute",
        DATA_DIR=str(work / "data"),
    )
    with (work / "serve.log").open("w") as log:
        server = subprocess.Popen(  # noqa: ASYNC220  (started once, before any load)
            [
                sys.executable,
                "-c",
                "from cli import main; main()",
                "serve",
                "--no-migrate",
                "--port",
                str(port),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(
                base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}
            ) as http:
                for _ in range(600):
                    with contextlib.suppress(httpx.HTTPError):
                        if (await http.get("/readyz")).status_code == 200:
                            break
                    await asyncio.sleep(0.1)
                latencies: list[float] = []
                stop_at = time.perf_counter() + duration

                async def client() -> None:
                    while time.perf_counter() < stop_at:
                        started = time.perf_counter()
                        response = await http.post("/graphql", json={"query": INBOX})
                        latencies.append(time.perf_counter() - started)
                        assert response.status_code == 200
                        assert "errors" not in response.json()

                await asyncio.gather(*(client() for _ in range(concurrency)))
        finally:
            server.terminate()
            server.wait(timeout=30)
    ms = sorted(x * 1000 for x in latencies)
    print(
        f"{len(ms)} pages of 50 in {duration:.0f} s with {concurrency} clients: "
        f"{len(ms) / duration:.1f} req/s ({50 * len(ms) / duration:.0f} tickets/s); "
        f"latency p50 {statistics.median(ms):.1f} ms, p95 {ms[int(0.95 * (len(ms) - 1))]:.1f} ms, "
        f"max {ms[-1]:.1f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="autocrm-bench-"))
    configured = os.environ.get("DATABASE_URL")
    url = to_async_url(configured) if configured else embedded_database_url(work / "embedded")
    try:
        token = await seed(url, args.tickets)
        print(f"SQL statements per 50-ticket page: {await statements_per_page(url, token, work)}")
        await load(url, token, work, args.duration, args.concurrency)
    finally:
        if not configured:
            stop_embedded(work / "embedded")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
