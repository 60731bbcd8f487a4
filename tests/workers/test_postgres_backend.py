"""The realtime publisher over PostgreSQL LISTEN/NOTIFY: events between two publishers
(as between two server processes), long channel names, and a listener that is killed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from db.engine import Database
from tests.realtime_harness import WAIT, eventually
from tests.workers.test_events import listening
from workers.events import Publisher
from workers.postgres_backend import PostgresNotifyBackend


@pytest.fixture
async def pair(db: Database) -> AsyncIterator[tuple[Publisher, Publisher]]:
    """A sender and a receiver on the test database, like two `serve` processes."""
    sender, receiver = Publisher(db.url), Publisher(db.url)
    await sender.connect()
    await receiver.connect()
    yield sender, receiver
    await receiver.disconnect()
    await sender.disconnect()


async def test_event_reaches_a_subscriber_of_another_publisher(
    pair: tuple[Publisher, Publisher],
) -> None:
    sender, receiver = pair
    (listener,) = await listening(receiver, "tickets")

    assert await sender.publish("tickets", {"ticket_id": "t-1", "kind": "updated"})

    event = await listener.next()
    assert dict(event.data) == {"ticket_id": "t-1", "kind": "updated"}
    await listener.stop()


async def test_channel_longer_than_a_postgres_identifier_still_delivers(
    pair: tuple[Publisher, Publisher],
) -> None:
    sender, receiver = pair
    channel = f"ticket:{uuid.uuid4()}:messages:and-a-rather-long-suffix"
    (listener,) = await listening(receiver, channel)

    assert await sender.publish(channel, {"message_id": "m-1"})

    assert dict((await listener.next()).data) == {"message_id": "m-1"}
    await listener.stop()


async def test_events_flow_again_after_the_listen_connection_is_killed(
    db: Database, pair: tuple[Publisher, Publisher]
) -> None:
    sender, receiver = pair
    (listener,) = await listening(receiver, "tickets")
    backend = receiver._backend
    assert isinstance(backend, PostgresNotifyBackend)
    sessions = backend.sessions
    assert backend._listener is not None
    pid = backend._listener.get_server_pid()

    async with db.transaction() as session:
        await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    await eventually(lambda: backend.sessions > sessions, "reconnecting the listener")

    async with asyncio.timeout(WAIT):
        while listener.received.empty():
            await sender.publish("tickets", {"ticket_id": "t-2"})
            await asyncio.sleep(0.1)
    assert dict((await listener.next()).data) == {"ticket_id": "t-2"}
    await listener.stop()
