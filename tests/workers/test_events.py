"""The realtime publisher on its own: memory:// in this process, and the real Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing
from pathlib import Path
from typing import Any

import pytest

from tests.realtime_harness import WAIT, OwnRedis, ensure_redis, eventually, own_redis
from workers.events import Publisher, ReceivedEvent


class Listener:
    """Consumes one subscription in a task, so a test can publish while it listens."""

    def __init__(self, publisher: Publisher, channel: str) -> None:
        self.received: asyncio.Queue[ReceivedEvent] = asyncio.Queue()
        self.ended = asyncio.Event()
        self._task = asyncio.create_task(self._run(publisher, channel))

    async def _run(self, publisher: Publisher, channel: str) -> None:
        try:
            async with aclosing(publisher.subscribe(channel)) as events:
                async for event in events:
                    self.received.put_nowait(event)
        finally:
            self.ended.set()

    async def next(self) -> ReceivedEvent:
        return await asyncio.wait_for(self.received.get(), WAIT)

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.wait([self._task])


async def listening(publisher: Publisher, channel: str, count: int = 1) -> list[Listener]:
    """`count` listeners whose subscriptions are live (registered with the publisher)."""
    before = publisher.stats().subscribers
    listeners = [Listener(publisher, channel) for _ in range(count)]
    await eventually(lambda: publisher.stats().subscribers >= before + count, "subscribing")
    return listeners


@pytest.fixture
async def memory() -> AsyncIterator[Publisher]:
    publisher = Publisher()
    await publisher.connect()
    yield publisher
    await publisher.disconnect()


@pytest.fixture
def redis_url() -> str:
    ensure_redis()
    return "redis://127.0.0.1:6379/9"


@pytest.fixture
async def redis_pair(redis_url: str) -> AsyncIterator[tuple[Publisher, Publisher]]:
    """Two publishers on one Redis, as two server processes would have."""
    namespace = f"test-{uuid.uuid4().hex[:8]}"  # concurrent test runs must not hear this one
    first = Publisher(redis_url, namespace=namespace)
    second = Publisher(redis_url, namespace=namespace)
    await first.connect()
    await second.connect()
    yield first, second
    await first.disconnect()
    await second.disconnect()


async def test_subscriber_receives_events_of_its_channel_only(memory: Publisher) -> None:
    (listener,) = await listening(memory, "tickets")

    await memory.publish("other", {"type": "other"})
    await memory.publish("tickets", {"type": "ticket.created", "ticket_id": "t1"})

    event = await listener.next()
    assert event.channel == "tickets"
    assert event.data == {"type": "ticket.created", "ticket_id": "t1"}
    await listener.stop()


async def test_all_local_subscribers_share_one_decoded_event(memory: Publisher) -> None:
    first, second = await listening(memory, "tickets", count=2)

    await memory.publish("tickets", {"type": "ticket.updated"})

    assert (await first.next()) is (await second.next())
    await first.stop()
    await second.stop()


async def test_leaving_subscriber_releases_queue_feed_and_task(memory: Publisher) -> None:
    before = memory.stats()
    first, second = await listening(memory, "tickets", count=2)
    assert memory.stats().subscribers == before.subscribers + 2
    assert memory.stats().broadcast_queues == before.broadcast_queues + 1  # one feed per channel

    await first.stop()
    assert memory.stats().subscribers == before.subscribers + 1
    await memory.publish("tickets", {"type": "still-flowing"})
    assert (await second.next()).data == {"type": "still-flowing"}
    await second.stop()

    assert memory.stats() == before


async def test_publishing_before_connect_is_dropped_quietly() -> None:
    publisher = Publisher()

    assert await publisher.publish("tickets", {"type": "ticket.created"}) is False


async def test_subscribing_before_connect_is_refused() -> None:
    publisher = Publisher()

    with pytest.raises(RuntimeError, match="connect"):
        await anext(publisher.subscribe("tickets"))


async def test_subscriber_that_falls_behind_gets_its_stream_ended() -> None:
    publisher = Publisher(queue_size=2)
    await publisher.connect()
    slow = publisher.subscribe("tickets")
    starting = asyncio.create_task(anext(slow))
    (fast,) = await listening(publisher, "tickets")
    await eventually(lambda: publisher.stats().subscribers == 2, "subscribing")

    for number in range(5):  # the fast one keeps up; the slow one reads nothing more
        await publisher.publish("tickets", {"n": number})
        assert (await fast.next()).data == {"n": number}

    received = [(await starting).data]
    received += [event.data async for event in slow]  # ends on its own: it overflowed
    assert received[0] == {"n": 0}
    assert len(received) < 5
    assert publisher.stats().subscribers == 1
    await fast.stop()
    await publisher.disconnect()


async def test_throttled_publishing_sends_the_first_and_the_last_of_a_burst(
    memory: Publisher,
) -> None:
    (listener,) = await listening(memory, "dashboard")

    for number in range(5):
        await memory.publish_throttled("dashboard", {"n": number}, interval=0.2)
    first, last = await listener.next(), await listener.next()
    await memory.publish("dashboard", {"n": "after"})

    assert (first.data, last.data) == ({"n": 0}, {"n": 4})
    assert (await listener.next()).data == {"n": "after"}  # nothing else came in between
    await listener.stop()


async def test_disconnect_ends_open_subscriptions_and_leaves_no_tasks() -> None:
    publisher = Publisher()
    await publisher.connect()
    (listener,) = await listening(publisher, "tickets")

    await publisher.disconnect()

    await asyncio.wait_for(listener.ended.wait(), WAIT)
    assert publisher.stats().tasks == 0
    assert publisher.stats().subscribers == 0


async def _publish_until_heard(
    publisher: Publisher, listener: Listener, channel: str, event: dict[str, Any]
) -> ReceivedEvent:
    """Redis subscriptions become live a moment after they are sent: publish until heard."""
    async with asyncio.timeout(WAIT):
        while True:
            await publisher.publish(channel, event)
            try:
                return await asyncio.wait_for(listener.received.get(), 0.2)
            except TimeoutError:
                continue


@pytest.mark.redis
async def test_event_published_by_one_process_reaches_a_subscriber_of_another(
    redis_pair: tuple[Publisher, Publisher],
) -> None:
    sender, receiver = redis_pair
    (listener,) = await listening(receiver, "tickets")

    event = await _publish_until_heard(sender, listener, "tickets", {"type": "ticket.created"})

    assert event.data == {"type": "ticket.created"}
    await listener.stop()
    assert receiver.stats().subscribers == 0
    assert receiver.stats().broadcast_queues == 0


@pytest.mark.redis
async def test_redis_database_number_keeps_deployments_apart(redis_url: str) -> None:
    one, two = Publisher("redis://127.0.0.1:6379/7"), Publisher("redis://127.0.0.1:6379/8")
    await one.connect()
    await two.connect()
    (on_one,) = await listening(one, "tickets")
    (on_two,) = await listening(two, "tickets")

    await two.publish("tickets", {"for": "two"})
    heard = await _publish_until_heard(one, on_one, "tickets", {"for": "one"})

    assert heard.data == {"for": "one"}
    assert (await on_two.next()).data == {"for": "two"}
    assert on_two.received.empty()
    for listener in (on_one, on_two):
        await listener.stop()
    await one.disconnect()
    await two.disconnect()


@pytest.fixture
def restartable_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    """A redis-server of the test's own: stopping it disturbs nothing else on the machine."""
    with own_redis(tmp_path / "redis") as server:
        yield server


@pytest.mark.redis
async def test_subscriber_hears_events_again_after_redis_restarts(
    restartable_redis: OwnRedis,
) -> None:
    redis_url = restartable_redis.url(9)
    sender, receiver = Publisher(redis_url), Publisher(redis_url)
    await sender.connect()
    await receiver.connect()
    (listener,) = await listening(receiver, "tickets")
    await _publish_until_heard(sender, listener, "tickets", {"phase": "before"})

    with restartable_redis.stopped():
        assert await sender.publish("tickets", {"phase": "down"}) is False
        late = Publisher(redis_url, namespace="test-late-start")
        await late.connect()  # Redis down at start-up: the app still starts
        assert not late.is_connected

    event = await _publish_until_heard(sender, listener, "tickets", {"phase": "after"})

    assert event.data == {"phase": "after"}
    assert not listener.ended.is_set()  # the same stream carried on
    await eventually(lambda: late.is_connected, "connecting once Redis is back")
    await late.disconnect()
    await listener.stop()
    await sender.disconnect()
    await receiver.disconnect()
