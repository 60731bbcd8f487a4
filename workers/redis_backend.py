"""A broadcaster backend for Redis pub/sub that survives Redis restarts.

broadcaster's own RedisBackend (0.3.1) reads in a task nobody watches: after a disconnect
the task dies or blocks on a dead socket, and every subscriber stays silent
(encode/broadcaster#144). Here one supervised reader owns the pub/sub connection, pings it
while idle, treats silence past `dead_after` as death, then reconnects with backoff and
re-subscribes every channel that still has listeners. Subscribers never see the gap, apart
from the events published while Redis was away (pub/sub keeps no history).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from broadcaster import Event
from redis import asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from workers.log_throttle import LogThrottle
from workers.supervised_backend import SupervisedBackend

__all__ = ["ResilientRedisBackend"]

_log = logging.getLogger("autocrm.realtime")
# A flapping Redis would otherwise log a loss and a reconnect per flap.
_connection_log = LogThrottle(_log, 60.0)


class _DeadConnection(ConnectionError):
    """The pub/sub connection stopped answering pings."""


class ResilientRedisBackend(SupervisedBackend):
    """`BroadcastBackend` over redis.asyncio with a supervised, self-healing subscriber."""

    _label = "Redis subscriber"
    _transient = (RedisError, OSError)

    def __init__(
        self,
        url: str,
        *,
        heartbeat_channel: str = "autocrm:heartbeat",
        ping_interval: float = 1.0,
        dead_after: float = 3.0,
        max_backoff: float = 2.0,
        connect_timeout: float = 2.0,
    ) -> None:
        self._url = url
        self._heartbeat = heartbeat_channel
        self._ping_interval = ping_interval
        self._dead_after = dead_after
        self._init_supervision(max_backoff=max_backoff, connect_timeout=connect_timeout)
        # The supervisor owns reconnects; redis-py retrying underneath would only hide them.
        options: dict[str, Any] = {
            "socket_connect_timeout": connect_timeout,
            "socket_timeout": max(dead_after, connect_timeout),
        }
        self._reader_client = aioredis.Redis.from_url(url, retry=Retry(NoBackoff(), 0), **options)
        # One retry: the first command after a Redis restart meets a stale pooled socket.
        self._writer_client = aioredis.Redis.from_url(url, retry=Retry(NoBackoff(), 1), **options)
        self._channels: set[str] = set()
        self._pubsub: PubSub | None = None

    async def disconnect(self) -> None:
        await self._stop_supervisor()
        await self._reader_client.aclose()
        await self._writer_client.aclose()

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)
        pubsub = self._pubsub
        if pubsub is not None:
            # A failure here is the reader's to notice; it re-subscribes on reconnect.
            with contextlib.suppress(RedisError, OSError):
                await pubsub.subscribe(channel)

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)
        pubsub = self._pubsub
        if pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await pubsub.unsubscribe(channel)

    async def publish(self, channel: str, message: Any) -> None:
        await self._writer_client.publish(channel, message)

    def _report_lost(self, exc: BaseException) -> None:
        # A flapping Redis would otherwise log a loss and a reconnect per flap.
        _connection_log.warning("lost", "Redis subscriber lost (%s); reconnecting", exc)

    async def _session(self) -> None:
        """One connection's life: subscribe, then read and ping until it fails or goes quiet."""
        loop = asyncio.get_running_loop()
        pubsub = self._reader_client.pubsub()
        try:
            await pubsub.connect()  # type: ignore[no-untyped-call]
            # No await between publishing the handle and reading the channel set: a channel
            # added from now on subscribes itself on this connection.
            self._pubsub = pubsub
            await pubsub.subscribe(self._heartbeat, *sorted(self._channels))
            self.sessions += 1
            if self.sessions > 1:
                _connection_log.log(
                    logging.INFO,
                    "back",
                    "Redis subscriber reconnected (%d channels)",
                    len(self._channels),
                )
            self._connected.set()
            last_seen = next_ping = loop.time()
            while True:
                message = await pubsub.get_message(timeout=self._ping_interval / 2)
                now = loop.time()
                if message is not None:
                    last_seen = now
                    if message["type"] == "message":
                        channel = message["channel"].decode()
                        if channel in self._channels:
                            self._queue.put_nowait(Event(channel, message["data"].decode()))
                if now >= next_ping:
                    await pubsub.ping()
                    next_ping = now + self._ping_interval
                if now - last_seen > self._dead_after:
                    raise _DeadConnection(f"no answer from Redis for {now - last_seen:.1f}s")
        finally:
            if self._pubsub is pubsub:
                self._pubsub = None
            self._connected.clear()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pubsub.aclose(), 1.0)  # type: ignore[no-untyped-call]
