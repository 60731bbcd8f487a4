from __future__ import annotations

from tests.conftest import ApiClient

VIEWER_QUERY = "query { viewer { email role } }"


async def test_signed_in_user_sees_themselves_as_viewer(agent: ApiClient) -> None:
    data = await agent.data(VIEWER_QUERY)

    assert agent.user is not None
    assert data["viewer"] == {"email": agent.user.email, "role": "AGENT"}


async def test_anonymous_viewer_is_null(anonymous: ApiClient) -> None:
    data = await anonymous.data(VIEWER_QUERY)

    assert data["viewer"] is None


async def test_garbage_token_is_reported_when_an_operation_needs_it(anonymous: ApiClient) -> None:
    anonymous.token = "not-a-jwt"

    body = await anonymous.post(VIEWER_QUERY)

    assert body["data"]["viewer"] is None
