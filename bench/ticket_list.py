"""Ticket-list throughput through the whole HTTP stack, against its own limit proxy.

Seeds a fresh embedded PostgreSQL (or DATABASE_URL) with customers, agents and tickets with
messages, starts `autocrm serve` on loopback and, beside it, bench/limit_proxy.py: the same
agent-inbox page (50 tickets with customer, assignee, team, tags and last message, and
totalCount) hand-written with Starlette + asyncpg over the same database. It checks that
both answer with identical JSON, then drives each for DURATION seconds with CONCURRENCY
keep-alive clients from a second process (bench/load_driver.py), and prints both
throughputs and their ratio (target ≥ 0.15, next bar 0.25). Also: the customers list (50
per page) and one ticket with 50 messages, and the SQL statements each page costs (counted
in-process through the same app). Not a test: run it by hand.

    python bench/ticket_list.py [--tickets 5000] [--duration 10] [--concurrency 8]
        [--profile]   (cProfile of the server in-process for the inbox page; top entries)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import os
import pstats
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, text
from strawberry import relay

from app import build_runtime, create_app
from auth.tokens import issue_access_token
from db.embedded import embedded_database_url, stop_embedded
from db.engine import Database, to_async_url
from db.migrate import upgrade
from db.models import AuthSession, Customer, CustomerEmail, Ticket, TicketMessage, User
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
CUSTOMERS = """
query {
  customers(first: 50, orderBy: {field: NAME, direction: ASC}) {
    totalCount
    pageInfo { endCursor hasNextPage }
    edges { node { id name company tags emails phones createdAt } }
  }
}"""
CONVERSATION = """
query ($id: ID!) {
  ticket(id: $id) {
    id subject status
    messages(first: 50) {
      edges { node { id authorKind visibility bodyText createdAt authorName } }
    }
  }
}"""
TARGET, NEXT_BAR = 0.15, 0.25


@dataclass
class Seeded:
    token: str
    conversation_id: str  # global ID of a ticket with 50 messages


async def seed(url: str, tickets: int) -> Seeded:
    """Fresh schema and data; returns an agent's access token and the long conversation."""
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
        customers = [
            Customer(name=f"Customer {n}", company=f"Company {n % 40}", tags=["vip"])
            for n in range(tickets // 5 + 1)
        ]
        session.add_all(agents + customers)
        await session.flush()
        session.add_all(
            CustomerEmail(customer_id=c.id, email=f"c{n}@bench.local", position=0)
            for n, c in enumerate(customers)
        )
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
        long = Ticket(customer_id=customers[0].id, subject="A long conversation", channel="web")
        session.add(long)
        await session.flush()
        session.add_all(
            TicketMessage(
                ticket_id=long.id,
                author_kind="user" if i % 2 else "customer",
                author_user_id=agents[1].id if i % 2 else None,
                visibility="internal" if i % 7 == 3 else "public",
                body_html=f"<p>Reply {i}: have you tried turning it off and on?</p>",
                body_text=f"Reply {i}: have you tried turning it off and on?",
            )
            for i in range(50)
        )
        await session.flush()
        token, _ = issue_access_token(
            user_id=agents[0].id, session_id=auth.id, role="agent", key=SECRET, minutes=120
        )
        conversation = relay.to_base64("Ticket", str(long.id))
    async with db.engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    print(
        f"seeded {tickets} tickets ({2 * tickets} messages), {len(customers)} customers,"
        f" one 50-message ticket in {time.perf_counter() - started:.1f} s"
    )
    await db.dispose()
    return Seeded(token, conversation)


def bench_settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        secret_key=SECRET,  # type: ignore[arg-type]
        rate_limit="1000000/minute",
        _env_file=None,  # type: ignore[call-arg]
    )


async def statements_per_page(
    url: str, token: str, data_dir: Path, pages: dict[str, dict[str, Any]]
) -> dict[str, int]:
    """SQL statements each page costs, counted in-process through the same app."""
    db = Database(url)
    app = create_app(build_runtime(bench_settings(data_dir), db))
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    counts: dict[str, int] = {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        headers = {"Authorization": f"Bearer {token}"}
        for name, body in pages.items():
            await client.post("/graphql", json=body, headers=headers)  # warm up
            seen.clear()
            event.listen(db.engine.sync_engine, "before_cursor_execute", count)
            answer = (await client.post("/graphql", json=body, headers=headers)).json()
            event.remove(db.engine.sync_engine, "before_cursor_execute", count)
            assert not answer.get("errors"), answer
            counts[name] = len(seen)
    await db.dispose()
    return counts


async def profile_inbox(url: str, token: str, data_dir: Path, pages: int = 50) -> None:
    """cProfile the app in-process serving the inbox page: where a page's time goes."""
    db = Database(url)
    app = create_app(build_runtime(bench_settings(data_dir), db))
    transport = httpx.ASGITransport(app=app)
    body = {"query": INBOX}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        headers = {"Authorization": f"Bearer {token}"}
        await client.post("/graphql", json=body, headers=headers)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(pages):
            await client.post("/graphql", json=body, headers=headers)
        profiler.disable()
    await db.dispose()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("tottime")
    stats.print_stats(25)
    print(f"--- cProfile, {pages} inbox pages in-process (tottime) ---")
    print("\n".join(out.getvalue().splitlines()[:45]))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc): on a busy machine the CPU a
    server spends per request is steadier than its throughput."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def started(command: list[str], env: dict[str, str], log: Path) -> Iterator[int]:
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            yield process.pid
        finally:
            process.terminate()
            process.wait(timeout=30)


async def wait_ready(url: str, probe: str = "/readyz") -> None:
    async with httpx.AsyncClient(base_url=url, timeout=5) as http:
        for _ in range(600):
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(probe)).status_code in (200, 405):
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


def drive(
    url: str, body: dict[str, Any], token: str, duration: float, clients: int, pid: int
) -> Any:
    """Load from a second process (bench/load_driver.py), so the server keeps its core;
    adds the server's CPU milliseconds per request."""
    cpu_before = cpu_seconds(pid)
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "load_driver.py"),
            "--url",
            url,
            "--body",
            json.dumps(body),
            "--token",
            token,
            "--duration",
            str(duration),
            "--concurrency",
            str(clients),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["cpu_ms"] = (cpu_seconds(pid) - cpu_before) * 1000 / max(1, result["requests"])
    return result


def line(name: str, result: Any, clients: int) -> str:
    return (
        f"{name:<28} {result['rps']:8.1f} req/s  p50 {result['p50']:6.1f} ms  "
        f"p95 {result['p95']:6.1f} ms  server CPU {result['cpu_ms']:5.1f} ms/request  "
        f"({result['requests']} requests, {clients} clients)"
    )


async def measure(url: str, seeded: Seeded, work: Path, args: argparse.Namespace) -> None:
    product_port, proxy_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DATABASE_URL=url,
        SECRET_KEY=SECRET,
        LOG_LEVEL="WARNING",
        RATE_LIMIT="1000000/minute",
        DATA_DIR=str(work / "data"),
    )
    serve = [sys.executable, "-c", "from cli import main; main()", "serve", "--no-migrate"]
    proxy = [sys.executable, str(ROOT / "bench" / "limit_proxy.py"), "--secret", SECRET]
    product = f"http://127.0.0.1:{product_port}"
    limit = f"http://127.0.0.1:{proxy_port}"
    pages = {
        "inbox (50 tickets)": {"query": INBOX},
        "customers (50)": {"query": CUSTOMERS},
        "ticket with 50 messages": {
            "query": CONVERSATION,
            "variables": {"id": seeded.conversation_id},
        },
    }
    with (
        started([*serve, "--port", str(product_port)], env, work / "serve.log") as serve_pid,
        started(
            [*proxy, "--port", str(proxy_port), "--database-url", url.replace("+asyncpg", "")],
            env,
            work / "proxy.log",
        ) as proxy_pid,
    ):
        await wait_ready(product)
        await wait_ready(limit, "/inbox")
        headers = {"Authorization": f"Bearer {seeded.token}"}
        async with httpx.AsyncClient(timeout=30, headers=headers) as http:
            ours = (await http.post(f"{product}/graphql", json=pages["inbox (50 tickets)"])).json()
            theirs = (await http.post(f"{limit}/inbox")).json()
        # GraphQL responses also carry `extensions` (the operation's cost): compare the data.
        if ours.get("errors") or ours["data"] != theirs["data"]:
            raise SystemExit("the limit proxy's JSON differs from the GraphQL answer")
        print("inbox page: GraphQL and limit proxy answer with identical JSON")
        results = {}
        for name, body in pages.items():
            results[name] = drive(
                f"{product}/graphql", body, seeded.token, args.duration, args.concurrency, serve_pid
            )
            print(line(f"GraphQL {name}", results[name], args.concurrency))
        proxy_result = drive(
            f"{limit}/inbox", {}, seeded.token, args.duration, args.concurrency, proxy_pid
        )
        print(line("limit proxy inbox (50)", proxy_result, args.concurrency))
    ratio = results["inbox (50 tickets)"]["rps"] / proxy_result["rps"]
    verdict = "ok" if ratio >= TARGET else "UNDER TARGET"
    bar = "; next bar reached" if ratio >= NEXT_BAR else f"; next bar {NEXT_BAR}"
    print(f"inbox ratio GraphQL / limit proxy: {ratio:.3f} (target ≥ {TARGET}: {verdict}{bar})")
    cpu_ratio = proxy_result["cpu_ms"] / results["inbox (50 tickets)"]["cpu_ms"]
    print(f"inbox ratio by server CPU per request (steadier on a busy machine): {cpu_ratio:.3f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="autocrm-bench-"))
    configured = os.environ.get("DATABASE_URL")
    url = to_async_url(configured) if configured else embedded_database_url(work / "embedded")
    try:
        seeded = await seed(url, args.tickets)
        counts = await statements_per_page(
            url,
            seeded.token,
            work,
            {
                "inbox": {"query": INBOX},
                "customers": {"query": CUSTOMERS},
                "conversation": {
                    "query": CONVERSATION,
                    "variables": {"id": seeded.conversation_id},
                },
            },
        )
        print(
            "SQL statements per page: "
            + ", ".join(f"{name} {count}" for name, count in counts.items())
        )
        if args.profile:
            await profile_inbox(url, seeded.token, work)
        await measure(url, seeded, work, args)
    finally:
        if not configured:
            stop_embedded(work / "embedded")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
