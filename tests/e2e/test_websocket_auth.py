"""WebSocket connections authenticate in `connection_init` and are refused from foreign origins."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from app import Runtime
from settings import Settings
from tests.conftest import ApiClient
from tests.realtime_harness import GraphQLWebSocket, live_server

WAIT = 10


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"allowed_origins": ["https://helpdesk.example.com"]})


@pytest.fixture
async def server(runtime: Runtime) -> AsyncIterator[str]:
    async with live_server(runtime) as base_url:
        yield base_url


def _ws_url(base: str) -> str:
    return base.replace("http://", "ws://", 1) + "/graphql"


async def _init(base: str, payload: dict[str, str], **headers: str) -> tuple[str, int | None]:
    """Send connection_init; the first frame type, or "closed" with the close code."""
    async with connect(
        _ws_url(base),
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        additional_headers=headers,
        open_timeout=WAIT,
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        try:
            frame = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
        except ConnectionClosed as closed:
            return "closed", closed.rcvd.code if closed.rcvd else None
        return frame["type"], None


async def test_valid_token_in_connection_init_is_acknowledged(
    server: str, agent: ApiClient
) -> None:
    kind, _ = await _init(server, {"authorization": f"Bearer {agent.token}"})

    assert kind == "connection_ack"


async def test_forged_token_closes_the_connection_as_forbidden(server: str) -> None:
    kind, code = await _init(server, {"authorization": "Bearer forged.jwt.value"})

    assert (kind, code) == ("closed", 4403)


async def test_anonymous_socket_cannot_subscribe(server: str) -> None:
    async with GraphQLWebSocket.open(server) as ws:
        operation = await ws.subscribe("subscription { ticketEvents { kind } }")
        frame = await ws.frame(operation)

    assert frame["type"] == "error"
    assert frame["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_handshake_from_a_foreign_origin_is_refused(server: str, agent: ApiClient) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await _init(
            server, {"authorization": f"Bearer {agent.token}"}, Origin="https://evil.example"
        )

    assert refused.value.response.status_code == 403


async def test_handshake_from_an_allowed_origin_is_accepted(server: str, agent: ApiClient) -> None:
    kind, _ = await _init(
        server, {"authorization": f"Bearer {agent.token}"}, Origin="https://helpdesk.example.com"
    )

    assert kind == "connection_ack"
