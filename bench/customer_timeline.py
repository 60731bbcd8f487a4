"""Customer timeline paging through the whole HTTP stack.

Seeds a fresh embedded PostgreSQL (or DATABASE_URL) with one customer whose timeline has
about 1,000 items of every kind (tickets opened and solved, public replies, internal
notes, logged interactions, staff notes, CSAT ratings, record changes), starts `autocrm
serve` on loopback and walks the whole timeline 50 items per page, following
`endCursor`, as an agent and as the customer (who sees the public part only). Prints p50
and p95 latency per page and the SQL statements each page costs (counted in-process
through the same app). Not a test: run it by hand.

    python bench/customer_timeline.py [--rounds 10] [--page 50]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
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
from db.models import AuthSession, Customer, User
from settings import Settings

ROOT = Path(__file__).resolve().parents[1]
# The history the timeline tests use (tests/ is not an installed package).
sys.path.insert(0, str(ROOT))
from tests.resolvers.timeline_data import seed_timeline  # noqa: E402

SECRET = "bench-secret-key-long-enough-for-hs256-signing"
TIMELINE = """
query ($id: ID!, $first: Int, $after: String) {
  customer(id: $id) {
    timeline(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node {
          __typename occurredAt kind
          ... on TicketOpenedItem { ticket { id number subject status } }
          ... on TicketSolvedItem { ticket { id number } }
          ... on MessageItem { message { id bodyText authorName visibility } }
          ... on InteractionItem { interaction { id type subject internal author { name } } }
          ... on CustomerNoteItem { note { id bodyText pinned author { name } } }
          ... on CsatRatingItem { feedback { id rating } }
          ... on FieldChangeItem { actorName changes { field before after } }
        }
      }
    }
  }
}
"""


async def seed(url: str) -> tuple[str, str, str, int]:
    """Fresh schema; one customer with ~1,000 timeline items. Returns tokens (agent,
    customer), the customer's global id and the number of items seeded."""
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(db.engine)
    started = time.perf_counter()
    async with db.transaction() as session:
        customer = Customer(name="Busy Customer")
        session.add(customer)
        await session.flush()
        agent = User(email="agent@bench.local", name="Agent Smith", role="agent")
        person = User(
            email="busy@bench.local", name="Busy", role="customer", customer_id=customer.id
        )
        session.add_all([agent, person])
        await session.flush()
        sessions = [AuthSession(user_id=agent.id), AuthSession(user_id=person.id)]
        session.add_all(sessions)
        await session.flush()
        tokens = [
            issue_access_token(
                user_id=user.id, session_id=auth.id, role=user.role, key=SECRET, minutes=120
            )[0]
            for user, auth in zip((agent, person), sessions, strict=True)
        ]
        customer_id, agent_id = customer.id, agent.id
    seeded = await seed_timeline(
        db, customer_id, agent_id, tickets=150, interactions=150, notes=80, changes=80
    )
    async with db.engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    print(
        f"seeded one customer with {len(seeded.items)} timeline items"
        f" in {time.perf_counter() - started:.1f} s"
    )
    await db.dispose()
    return tokens[0], tokens[1], relay.to_base64("Customer", str(customer_id)), len(seeded.items)


def bench_settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        secret_key=SECRET,  # type: ignore[arg-type]
        rate_limit="1000000/minute",
        _env_file=None,  # type: ignore[call-arg]
    )


async def statements_per_page(
    url: str, token: str, customer: str, data_dir: Path, size: int
) -> list[int]:
    """SQL statements of every page of one walk, counted in-process through the same app."""
    db = Database(url)
    app = create_app(build_runtime(bench_settings(data_dir), db))
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    counts: list[int] = []
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        after = None
        while True:
            seen.clear()
            event.listen(db.engine.sync_engine, "before_cursor_execute", count)
            body = {"query": TIMELINE, "variables": {"id": customer, "first": size, "after": after}}
            answer = (await client.post("/graphql", json=body, headers=headers)).json()
            event.remove(db.engine.sync_engine, "before_cursor_execute", count)
            assert not answer.get("errors"), answer
            counts.append(len(seen))
            page = answer["data"]["customer"]["timeline"]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
    await db.dispose()
    return counts


async def walk(base: str, token: str, customer: str, size: int) -> tuple[list[float], int]:
    """Page latencies (ms) of one walk over HTTP, and how many items it returned."""
    latencies: list[float] = []
    items = 0
    keys: set[str] = set()
    async with httpx.AsyncClient(
        base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        after = None
        while True:
            body = {"query": TIMELINE, "variables": {"id": customer, "first": size, "after": after}}
            started = time.perf_counter()
            response = await http.post("/graphql", json=body)
            latencies.append((time.perf_counter() - started) * 1000)
            answer = response.json()
            if answer.get("errors"):
                raise SystemExit(f"timeline page failed: {answer['errors']}")
            page = answer["data"]["customer"]["timeline"]
            items += len(page["edges"])
            keys.update(edge["cursor"] for edge in page["edges"])
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
    if len(keys) != items:
        raise SystemExit("a cursor came back twice: paging repeated an item")
    return latencies, items


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def started(command: list[str], env: dict[str, str], log: Path) -> Iterator[None]:
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            yield
        finally:
            process.terminate()
            process.wait(timeout=30)


async def wait_ready(url: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=5) as http:
        for _ in range(600):
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get("/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="full walks per viewer")
    parser.add_argument("--page", type=int, default=50)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="autocrm-bench-"))
    configured = os.environ.get("DATABASE_URL")
    url = to_async_url(configured) if configured else embedded_database_url(work / "embedded")
    try:
        agent, person, customer, seeded = await seed(url)
        for name, token in (("agent", agent), ("customer", person)):
            counts = await statements_per_page(url, token, customer, work, args.page)
            print(
                f"SQL statements per page ({name}, {len(counts)} pages): "
                f"min {min(counts)}, max {max(counts)}"
            )
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env.update(
            DATABASE_URL=url,
            SECRET_KEY=SECRET,
            LOG_LEVEL="WARNING",
            RATE_LIMIT="1000000/minute",
            DATA_DIR=str(work / "data"),
        )
        serve = [sys.executable, "-c", "from cli import main; main()", "serve", "--no-migrate"]
        base = f"http://127.0.0.1:{port}"
        with started([*serve, "--port", str(port)], env, work / "serve.log"):
            await wait_ready(base)
            for name, token in (("agent", agent), ("customer", person)):
                await walk(base, token, customer, args.page)  # warm up
                latencies: list[float] = []
                items = 0
                for _ in range(args.rounds):
                    page_ms, items = await walk(base, token, customer, args.page)
                    latencies += page_ms
                print(
                    f"{name:<8} {items:5d} of {seeded} items, {len(latencies) // args.rounds}"
                    f" pages of {args.page}: p50 {statistics.median(latencies):6.1f} ms"
                    f"  p95 {percentile(latencies, 0.95):6.1f} ms"
                    f"  max {max(latencies):6.1f} ms  ({len(latencies)} requests)"
                )
    finally:
        if not configured:
            stop_embedded(work / "embedded")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
