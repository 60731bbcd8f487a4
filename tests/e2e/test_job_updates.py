"""`jobUpdated` over a real WebSocket: a job's status and progress live, to its end."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import update

from app import Runtime
from db.base import utcnow
from db.engine import Database
from db.models import AuthSession, Job, User
from schema.ids import encode_id
from tests.conftest import ApiClient
from tests.realtime_harness import GraphQLWebSocket, live_server
from tests.workers.job_services import load_job
from workers.jobs import enqueue
from workers.jobs.events import job_channel, job_event

JOB_UPDATED = """
subscription ($id: ID!) { jobUpdated(id: $id) { id status progress progressMessage } }
"""


@pytest.fixture
async def server(runtime: Runtime) -> AsyncIterator[str]:
    async with live_server(runtime) as base_url:
        yield base_url


async def test_requester_watches_their_job_progress_until_it_succeeds(
    db: Database, runtime: Runtime, server: str, agent: ApiClient
) -> None:
    assert agent.user is not None
    async with db.transaction() as session:
        job = enqueue(session, "probe.write", {"seconds": 1}, requested_by=agent.user.id)
    async with GraphQLWebSocket.open(server, agent.token) as ws:
        operation = await ws.subscribe(JOB_UPDATED, {"id": encode_id("Job", job.id)})
        first = await ws.next(operation)
        assert first["jobUpdated"]["status"] == "QUEUED"

        assert runtime.jobs is not None
        await runtime.jobs.send_pending([job])
        updates = []
        while True:
            frame = await ws.frame(operation)
            if frame["type"] == "complete":
                break
            updates.append(frame["payload"]["data"]["jobUpdated"])

    assert updates[-1]["status"] == "SUCCEEDED"
    assert updates[-1]["progress"] == 1.0
    assert any(u["status"] == "RUNNING" and 0 < u["progress"] < 1 for u in updates)
    assert (await load_job(db, job.id)).status == "succeeded"


async def test_staff_cannot_watch_a_job_they_may_not_see(
    db: Database, server: str, admin: ApiClient, agent: ApiClient
) -> None:
    assert admin.user is not None
    async with db.transaction() as session:
        job = enqueue(session, "probe.noop", requested_by=admin.user.id)
    async with GraphQLWebSocket.open(server, agent.token) as ws:
        operation = await ws.subscribe(JOB_UPDATED, {"id": encode_id("Job", job.id)})
        frame = await ws.frame(operation)

    assert frame["type"] == "error"
    assert frame["payload"][0]["message"] == "No job with this ID."


@pytest.mark.parametrize("change", ["revoke_session", "demote_to_customer"])
async def test_job_updates_stop_once_the_watchers_credentials_change(
    db: Database, runtime: Runtime, server: str, agent: ApiClient, change: str
) -> None:
    assert agent.user is not None
    async with db.transaction() as session:
        job = enqueue(session, "probe.noop", requested_by=agent.user.id)
    async with GraphQLWebSocket.open(server, agent.token) as ws:
        operation = await ws.subscribe(JOB_UPDATED, {"id": encode_id("Job", job.id)})
        assert (await ws.next(operation))["jobUpdated"]["status"] == "QUEUED"

        async with db.transaction() as session:
            if change == "revoke_session":
                await session.execute(
                    update(AuthSession)
                    .where(AuthSession.user_id == agent.user.id)
                    .values(revoked_at=utcnow())
                )
            else:
                await session.execute(
                    update(User).where(User.id == agent.user.id).values(role="customer")
                )
            await session.execute(update(Job).where(Job.id == job.id).values(progress=0.5))
        await runtime.publisher.publish(job_channel(job.id), job_event(job.id, "queued", 0.5))
        frame = await ws.frame(operation)

    assert frame["type"] == "complete"  # no update with the new progress reached them
