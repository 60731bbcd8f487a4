"""Operations sent to the wrong transport get a clear answer, not an internal error."""

from __future__ import annotations

from tests.conftest import ApiClient

TICKET_EVENTS = "subscription { ticketEvents { kind ticket { id } } }"


async def test_subscription_over_http_post_says_to_use_the_websocket(agent: ApiClient) -> None:
    body = await agent.post(TICKET_EVENTS)

    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "SUBSCRIPTION_NEEDS_WEBSOCKET"
    assert "graphql-transport-ws" in error["message"]


async def test_subscription_over_http_get_says_to_use_the_websocket(agent: ApiClient) -> None:
    response = await agent.http.get(
        "/graphql",
        params={"query": TICKET_EVENTS},
        headers={"Authorization": f"Bearer {agent.token}", "Accept": "application/json"},
    )

    assert response.json()["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_NEEDS_WEBSOCKET"
