"""Triage throughput. Not a test: run it by hand and read the figures.

classify   the offline classifier alone (embedding + both heads + tags): tickets/s one at a
           time and in batches of 32, over the labelled test tickets repeated
job        the whole `ai.triage` job in the in-process worker against a fresh embedded
           PostgreSQL: read, classify, PII scan, routing rules, updateTicket, round-robin,
           internal note, triage row, job bookkeeping; tickets/s from send to all done,
           with 1 and 4 concurrent runners

  python bench/triage.py [--tickets 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ai.embeddings.local import LocalMiniLM
from ai.triage import shipped_examples, train
from db.embedded import embedded_database_url, stop_embedded
from db.engine import Database
from db.migrate import upgrade
from db.models import Customer, Job, Team, TeamMember, Ticket, TicketMessage, User
from settings import Settings
from workers.jobs import enqueue
from workers.jobs.ai_triage import AI_TRIAGE_JOB
from workers.jobs.inprocess import InProcessWorker
from workers.jobs.sender import send_pending

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "ai" / "triage_labelled.jsonl"


def _texts(n: int) -> list[str]:
    rows = [json.loads(line)["text"] for line in LABELLED.read_text().splitlines() if line]
    return [rows[i % len(rows)] + f" (#{i})" for i in range(n)]


def classify(n: int) -> None:
    embedder = LocalMiniLM()
    examples = shipped_examples()
    started = time.perf_counter()
    fitted, _ = train(examples, embedder.embed_sync([e.text for e in examples]))
    print(f"train on {len(examples)} shipped examples: {time.perf_counter() - started:.2f} s")
    texts = _texts(n)
    fitted.predict(embedder.embed_sync(texts[:4]), texts[:4])  # warm-up
    started = time.perf_counter()
    for text in texts:
        fitted.predict(embedder.embed_sync([text]), [text])
    one = n / (time.perf_counter() - started)
    started = time.perf_counter()
    for i in range(0, n, 32):
        batch = texts[i : i + 32]
        fitted.predict(embedder.embed_sync(batch), batch)
    batched = n / (time.perf_counter() - started)
    print(f"offline classify: {one:.1f} tickets/s one at a time, {batched:.1f} in batches of 32")


async def _helpdesk(db: Database) -> None:
    async with db.transaction() as session:
        for name in ("Billing", "Technical", "Accounts", "Shipping", "Sales"):
            team = Team(name=name)
            session.add(team)
            await session.flush()
            for i in range(3):
                agent = User(
                    email=f"{name.lower()}{i}-{uuid.uuid4().hex[:6]}@bench.test",
                    name=f"{name} {i}",
                    role="agent",
                )
                session.add(agent)
                await session.flush()
                session.add(TeamMember(team_id=team.id, user_id=agent.id, ticket_capacity=10_000))


async def _tickets(db: Database, n: int) -> list[uuid.UUID]:
    texts = _texts(n)
    async with db.transaction() as session:
        customer = Customer(name="Bench")
        session.add(customer)
        await session.flush()
        ids = []
        for text in texts:
            ticket = Ticket(
                customer_id=customer.id,
                subject=text[:60],
                status="new",
                priority="normal",
                channel="web",
                tags=[],
                custom_fields={},
            )
            session.add(ticket)
            await session.flush()
            session.add(
                TicketMessage(
                    ticket_id=ticket.id,
                    author_kind="customer",
                    visibility="public",
                    body_html=f"<p>{text}</p>",
                    body_text=text,
                )
            )
            ids.append(ticket.id)
    return ids


async def job(n: int, folder: Path) -> None:
    url = embedded_database_url(folder / "data")
    db = Database(url)
    await upgrade(db.engine)
    settings = Settings(
        data_dir=folder / "data",
        secret_key=SecretStr("bench-secret-key-long-enough-for-hs256-signing"),
        _env_file=None,  # type: ignore[call-arg]
    )
    try:
        await _helpdesk(db)
        for concurrency in (1, 4):
            ids = await _tickets(db, n)
            worker = InProcessWorker(db, settings, concurrency=concurrency)
            async with db.transaction() as session:
                jobs = [enqueue(session, AI_TRIAGE_JOB, {"ticket_id": str(i)}) for i in ids[:2]]
            await send_pending(db, worker, jobs)
            await worker.drain()  # warm-up: model trained and loaded, detector built
            async with db.transaction() as session:
                jobs = [enqueue(session, AI_TRIAGE_JOB, {"ticket_id": str(i)}) for i in ids[2:]]
            started = time.perf_counter()
            await send_pending(db, worker, jobs)
            await worker.drain()
            took = time.perf_counter() - started
            await worker.stop()
            async with db.sessions() as session:
                done = (
                    await session.execute(
                        select(func.count())
                        .select_from(Job)
                        .where(Job.id.in_([j.id for j in jobs]), Job.status == "succeeded")
                    )
                ).scalar_one()
            print(
                f"ai.triage job end to end, {concurrency} runner(s): "
                f"{len(jobs) / took:.1f} tickets/s ({done}/{len(jobs)} succeeded)"
            )
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=200)
    args = parser.parse_args()
    classify(args.tickets)
    folder = Path(tempfile.mkdtemp(prefix="autocrm-bench-triage-"))
    try:
        asyncio.run(job(args.tickets, folder))
    finally:
        stop_embedded(folder / "data")
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
