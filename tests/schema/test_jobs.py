"""Jobs over GraphQL: admins see every job, staff their own, customers none; cancel and
retry with payload errors for a job in the wrong state."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update

from app import Runtime
from db.engine import Database
from db.models import AuditEntry, Job
from schema.ids import encode_id
from tests.conftest import ApiClient
from tests.workers.job_services import eventually, load_job
from workers.jobs import enqueue

JOBS_QUERY = """
query ($filter: JobsFilter, $first: Int) {
  jobs(filter: $filter, first: $first) {
    totalCount
    edges { node { id kind status attempts progress requestedBy { name } } }
  }
}"""
JOB_QUERY = "query ($id: ID!) { job(id: $id) { id kind status lastError } }"
CANCEL_JOB = """
mutation ($input: CancelJobInput!) {
  cancelJob(input: $input) { job { id status cancelRequestedAt } errors { field code message } }
}"""
RETRY_JOB = """
mutation ($input: RetryJobInput!) {
  retryJob(input: $input) { job { id status attempts } errors { field code message } }
}"""


async def make_job(
    db: Database, requested_by: ApiClient | None = None, *, status: str = "queued"
) -> str:
    user_id = requested_by.user.id if requested_by and requested_by.user else None
    async with db.transaction() as session:
        job = enqueue(session, "probe.write", requested_by=user_id)
        await session.flush()
        if status != "queued":
            await session.execute(
                update(Job)
                .where(Job.id == job.id)
                .values(status=status, attempts=job.max_attempts, last_error="boom")
            )
    return encode_id("Job", job.id)


def job_uuid(global_id: str) -> uuid.UUID:
    from schema.ids import decode_id

    return decode_id(global_id, "Job", "id")


async def test_admin_lists_every_job_newest_first(
    db: Database, admin: ApiClient, agent: ApiClient
) -> None:
    older = await make_job(db, agent)
    newer = await make_job(db)

    data = await admin.data(JOBS_QUERY, {"first": 10})

    assert data["jobs"]["totalCount"] == 2
    assert [e["node"]["id"] for e in data["jobs"]["edges"]] == [newer, older]
    assert data["jobs"]["edges"][1]["node"]["requestedBy"] == {"name": "Alan Agent"}


async def test_agent_sees_only_the_jobs_they_requested(
    db: Database, admin: ApiClient, agent: ApiClient
) -> None:
    mine = await make_job(db, agent)
    others = await make_job(db, admin)

    data = await agent.data(JOBS_QUERY, {"first": 10})
    other = await agent.data(JOB_QUERY, {"id": others})

    assert [e["node"]["id"] for e in data["jobs"]["edges"]] == [mine]
    assert other == {"job": None}


async def test_customer_may_not_list_jobs(db: Database, customer: ApiClient) -> None:
    await make_job(db)

    body = await customer.post(JOBS_QUERY)

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_admin_filters_jobs_by_status(db: Database, admin: ApiClient) -> None:
    await make_job(db)
    dead = await make_job(db, status="dead")

    data = await admin.data(JOBS_QUERY, {"filter": {"statuses": ["DEAD"]}})

    assert [e["node"]["id"] for e in data["jobs"]["edges"]] == [dead]


async def test_dead_job_keeps_its_error_for_admins(db: Database, admin: ApiClient) -> None:
    dead = await make_job(db, status="dead")

    data = await admin.data(JOB_QUERY, {"id": dead})

    assert data["job"] == {"id": dead, "kind": "probe.write", "status": "DEAD", "lastError": "boom"}


async def test_cancelling_a_queued_job_cancels_it_at_once(db: Database, admin: ApiClient) -> None:
    job_id = await make_job(db)

    data = await admin.data(CANCEL_JOB, {"input": {"id": job_id}})

    payload = data["cancelJob"]
    assert payload["errors"] == []
    assert payload["job"]["status"] == "CANCELLED"
    assert (await load_job(db, job_uuid(job_id))).status == "cancelled"


async def test_cancelling_a_finished_job_is_refused_and_changes_nothing(
    db: Database, admin: ApiClient
) -> None:
    job_id = await make_job(db, status="failed")

    data = await admin.data(CANCEL_JOB, {"input": {"id": job_id}})

    assert data["cancelJob"]["job"] is None
    [error] = data["cancelJob"]["errors"]
    assert (error["field"], error["code"]) == ("id", "INVALID_STATE")
    assert (await load_job(db, job_uuid(job_id))).status == "failed"
    async with db.sessions() as session:
        audited = select(func.count()).where(AuditEntry.action == "cancelJob")
        assert (await session.execute(audited)).scalar_one() == 0


async def test_agent_cannot_cancel_someone_elses_job(
    db: Database, admin: ApiClient, agent: ApiClient
) -> None:
    job_id = await make_job(db, admin)

    data = await agent.data(CANCEL_JOB, {"input": {"id": job_id}})

    [error] = data["cancelJob"]["errors"]
    assert (error["field"], error["code"]) == ("id", "NOT_FOUND")
    assert (await load_job(db, job_uuid(job_id))).status == "queued"


async def test_retrying_a_dead_job_runs_it_again_to_success(
    db: Database, runtime: Runtime, admin: ApiClient
) -> None:
    job_id = await make_job(db, status="dead")

    data = await admin.data(RETRY_JOB, {"input": {"id": job_id}})

    payload = data["retryJob"]
    assert payload["errors"] == []
    assert (payload["job"]["status"], payload["job"]["attempts"]) == ("QUEUED", 0)

    async def succeeded() -> bool:
        return (await load_job(db, job_uuid(job_id))).status == "succeeded"

    await eventually(succeeded, "the retried job succeeding")
    assert runtime.jobs is not None
    await runtime.jobs.stop()


async def test_retrying_a_queued_job_is_refused(db: Database, admin: ApiClient) -> None:
    job_id = await make_job(db)

    data = await admin.data(RETRY_JOB, {"input": {"id": job_id}})

    [error] = data["retryJob"]["errors"]
    assert (error["field"], error["code"]) == ("id", "INVALID_STATE")
