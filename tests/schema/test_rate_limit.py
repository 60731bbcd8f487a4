"""Each user (or anonymous address) has a request budget; past it, a clear error."""

from __future__ import annotations

import pytest

from settings import Settings
from tests.conftest import ApiClient

VIEWER_QUERY = "query { viewer { email } }"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_limit": "3/minute"})


async def test_requests_past_the_limit_are_refused_with_rate_limited(agent: ApiClient) -> None:
    for _ in range(3):
        await agent.data(VIEWER_QUERY)

    body = await agent.post(VIEWER_QUERY)

    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert "3/minute" in body["errors"][0]["message"]


async def test_one_users_budget_does_not_affect_another(agent: ApiClient, admin: ApiClient) -> None:
    for _ in range(3):
        await agent.data(VIEWER_QUERY)

    data = await admin.data(VIEWER_QUERY)

    assert admin.user is not None
    assert data["viewer"]["email"] == admin.user.email
