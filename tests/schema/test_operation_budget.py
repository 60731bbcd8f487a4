"""An operation that runs past settings.max_execution_seconds is stopped with a TIMEOUT
error, and the server and its database pool carry on."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from db.engine import Database
from settings import Settings
from tests.conftest import ApiClient

TICKETS = "{ tickets(first: 5) { edges { node { id subject } } } }"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Any operation that waits once (for the database) overruns this budget.
    return settings.model_copy(update={"max_execution_seconds": 1e-6})


async def test_operation_over_its_time_budget_is_stopped_with_timeout(
    agent: ApiClient, db: Database
) -> None:
    body = await agent.post(TICKETS)

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "TIMEOUT"
    assert "did not finish within" in body["errors"][0]["message"]
    async with db.sessions() as session:  # the cancelled query left the pool usable
        assert (await session.execute(text("SELECT 1"))).scalar_one() == 1


async def test_operation_that_never_waits_is_within_any_budget(agent: ApiClient) -> None:
    data = await agent.data("{ __typename }")

    assert data == {"__typename": "Query"}
