"""The legacy `graphql-ws` WebSocket protocol (Apollo subscriptions-transport-ws, Python
gql's default transport) runs queries, mutations and subscriptions, authenticated in
`connection_init` like graphql-transport-ws."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from app import Runtime
from tests.conftest import ApiClient
from tests.realtime_harness import WAIT, live_server

VIEWER = "query Me { viewer { email } }"
DASHBOARD = "subscription { dashboardEvents { openTickets } }"


@pytest.fixture
async def server(runtime: Runtime) -> AsyncIterator[str]:
    async with live_server(runtime) as base_url:
        yield base_url


async def _open(base: str, payload: dict[str, Any]) -> tuple[ClientConnection, dict[str, Any]]:
    ws = await connect(
        base.replace("http://", "ws://", 1) + "/graphql",
        subprotocols=["graphql-ws"],  # type: ignore[list-item]
        open_timeout=WAIT,
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    return ws, await _frame(ws)


async def _frame(ws: ClientConnection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
    return frame


async def _start(ws: ClientConnection, operation_id: str, query: str) -> None:
    await ws.send(json.dumps({"id": operation_id, "type": "start", "payload": {"query": query}}))


async def test_query_over_legacy_graphql_ws_answers_data_then_complete(
    server: str, agent: ApiClient
) -> None:
    ws, ack = await _open(server, {"authorization": f"Bearer {agent.token}"})
    async with ws:
        await _start(ws, "1", VIEWER)
        data, complete = await _frame(ws), await _frame(ws)

    assert ack["type"] == "connection_ack"
    assert data["type"] == "data"
    assert data["payload"]["data"] == {"viewer": {"email": agent.user.email}}  # type: ignore[union-attr]
    assert "errors" not in data["payload"]
    assert complete == {"type": "complete", "id": "1"}


async def test_subscription_over_legacy_graphql_ws_streams(server: str, agent: ApiClient) -> None:
    ws, _ = await _open(server, {"authorization": f"Bearer {agent.token}"})
    async with ws:
        await _start(ws, "7", DASHBOARD)
        first = await _frame(ws)
        await ws.send(json.dumps({"id": "7", "type": "stop"}))

    assert first["type"] == "data"
    assert first["id"] == "7"
    assert first["payload"]["data"] == {"dashboardEvents": {"openTickets": 0}}


async def test_forged_token_in_legacy_connection_init_is_refused(server: str) -> None:
    ws, answer = await _open(server, {"authorization": "Bearer forged.jwt.value"})
    async with ws:
        pass

    assert answer["type"] == "connection_error"
