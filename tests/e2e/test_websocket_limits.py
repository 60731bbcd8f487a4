"""The request limits hold over WebSocket too: cost is checked before an operation starts,
and a message nested too deeply closes the socket cleanly (4400), not with a traceback."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app import Runtime
from tests.conftest import ApiClient
from tests.realtime_harness import WAIT, GraphQLWebSocket, live_server
from tests.schema.test_limits import fragment_chain


@pytest.fixture
async def server(runtime: Runtime) -> AsyncIterator[str]:
    async with live_server(runtime) as base_url:
        yield base_url


async def test_costly_operation_over_websocket_is_refused_before_it_starts(
    server: str, agent: ApiClient
) -> None:
    async with GraphQLWebSocket.open(server, agent.token) as ws:
        operation = await ws.subscribe(fragment_chain(30))
        frame = await ws.frame(operation)

    assert frame["type"] == "error"
    assert frame["payload"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


async def test_deeply_nested_message_closes_the_socket_as_invalid(
    server: str, agent: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    deep = "[" * 1000 + "]" * 1000
    message = (
        '{"id": "1", "type": "subscribe", "payload": '
        f'{{"query": "{{ __typename }}", "variables": {{"v": {deep}}}}}}}'
    )
    caplog.set_level(logging.DEBUG)
    async with connect(
        server.replace("http://", "ws://", 1) + "/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        open_timeout=WAIT,
    ) as ws:
        payload = {"authorization": f"Bearer {agent.token}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert json.loads(await asyncio.wait_for(ws.recv(), WAIT))["type"] == "connection_ack"
        await ws.send(message)
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), WAIT)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4400
    assert not [r for r in caplog.records if r.exc_info]
