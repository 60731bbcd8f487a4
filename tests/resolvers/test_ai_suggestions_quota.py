"""The AI quota is checked where a draft is requested, in the transaction that would write
the job: over it, the request is refused with RATE_LIMITED and no job row is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ai.requests import Caller, CompletionRequest
from app import Runtime
from db.engine import Database
from db.models import Job
from settings import Settings
from tests.conftest import ApiClient
from tests.resolvers.ai_suggestion_helpers import open_ticket

REQUEST = "mutation ($t: ID!) { requestReplyDraft(input: {ticketId: $t}) { job { id } } }"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    settings.ai_user_requests_per_minute = 2
    return settings


async def _jobs(db: Database) -> int:
    async with db.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(Job))).scalar_one())


async def test_over_the_ai_quota_the_request_is_refused_and_no_job_written(
    agent: ApiClient, customer: ApiClient, runtime: Runtime, db: Database
) -> None:
    ticket = await open_ticket(customer)
    assert runtime.ai is not None
    assert agent.user is not None
    for n in range(2):  # the minute's AI requests used up by other AI calls
        await runtime.ai.complete(
            CompletionRequest.ask(f"question {n}", operation="test", caller=Caller(agent.user.id))
        )
    jobs_before = await _jobs(db)

    refused = await agent.post(REQUEST, {"t": ticket})

    assert [e["extensions"]["code"] for e in refused["errors"]] == ["RATE_LIMITED"]
    assert refused["errors"][0]["extensions"]["retryAfter"] >= 1
    assert await _jobs(db) == jobs_before
