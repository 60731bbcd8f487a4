"""The realtime publisher: small JSON events on named channels, fanned out to subscribers.

broadcaster carries events between processes (`memory://` inside one process, Redis across
several). Inside a process each channel has one broadcaster subscription (a "feed") that
decodes an event once and hands the same `ReceivedEvent` to every local subscriber through a
bounded queue, so one slow WebSocket cannot grow memory without limit, and per-event work
(loading the changed object) can be shared by all subscribers of that event.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import urlparse

import asyncpg
from broadcaster import Broadcast, BroadcastBackend
from redis.exceptions import RedisError

from workers.log_throttle import LogThrottle
from workers.metrics import EVENTS_DELIVERED, EVENTS_PUBLISHED, channel_kind
from workers.postgres_backend import PostgresNotifyBackend
from workers.redis_backend import ResilientRedisBackend

__all__ = ["Publisher", "PublisherStats", "ReceivedEvent"]

_log = logging.getLogger("autocrm.realtime")
# While Redis is away every mutation's event fails alike: say so once a minute.
_publish_warnings = LogThrottle(_log, 60.0)

# Throttle windows older than this many intervals are forgotten (bounded memory).
_THROTTLE_PRUNE_AT = 1024


class ReceivedEvent:
    """One event as delivered: the same object for every local subscriber of the channel.

    Hashable by identity and weak-referenceable, so per-event caches can key on it and
    vanish with it.
    """

    __slots__ = ("__weakref__", "channel", "data")

    def __init__(self, channel: str, data: dict[str, Any]) -> None:
        self.channel = channel
        # Read-only: every subscriber of the event sees this same mapping.
        self.data: Mapping[str, Any] = MappingProxyType(data)

    def __repr__(self) -> str:
        return f"ReceivedEvent({self.channel!r}, {dict(self.data)!r})"


@dataclass(frozen=True, slots=True)
class PublisherStats:
    subscribers: int  # local subscriber queues
    channels: int  # channels with a live feed in this process
    broadcast_queues: int  # queues inside broadcaster (one per feed)
    tasks: int  # feed and throttle tasks alive


@dataclass(eq=False)
class _Feed:
    channel: str
    users: int = 0
    queues: set[asyncio.Queue[ReceivedEvent | None]] = field(default_factory=set)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    closed: bool = False


@dataclass(eq=False)
class _Throttle:
    last: float
    pending: Mapping[str, Any] | None = None
    timer: asyncio.Task[None] | None = None


_POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+asyncpg", "postgres+asyncpg")


class Publisher:
    """publish(channel, event) / subscribe(channel); `memory://` unless a Redis URL, or a
    PostgreSQL URL (LISTEN/NOTIFY: several processes, no Redis), is given."""

    def __init__(
        self,
        url: str | None = None,
        *,
        namespace: str | None = None,
        queue_size: int = 256,
        backend: BroadcastBackend | None = None,
    ) -> None:
        self.url = url or "memory://"
        scheme = urlparse(self.url).scheme
        if namespace is None:
            # Redis pub/sub ignores the database number; prefixing channels with it keeps
            # redis://…/1 and redis://…/2 apart as anyone reading the URL would expect.
            db = urlparse(self.url).path.strip("/") or "0"
            namespace = f"autocrm:{db}" if scheme in ("redis", "rediss") else "autocrm"
        self.namespace = namespace
        if backend is None and scheme in ("redis", "rediss"):
            backend = ResilientRedisBackend(self.url, heartbeat_channel=f"{namespace}:heartbeat")
        elif backend is None and scheme in _POSTGRES_SCHEMES:
            backend = PostgresNotifyBackend(self.url)
        elif backend is None and scheme != "memory":
            raise ValueError(f"REDIS_URL must be a redis:// URL, got {scheme!r}")
        self._backend = backend
        self._broadcast = Broadcast(backend=backend) if backend else Broadcast("memory://")
        self._queue_size = queue_size
        self._feeds: dict[str, _Feed] = {}
        self._throttles: dict[str, _Throttle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._connected = False

    @property
    def is_connected(self) -> bool:
        """Connected, and (for Redis) the subscriber connection is alive right now."""
        if isinstance(self._backend, ResilientRedisBackend | PostgresNotifyBackend):
            return self._connected and self._backend.is_connected
        return self._connected

    async def connect(self) -> None:
        if not self._connected:
            await self._broadcast.connect()
            self._connected = True

    async def disconnect(self) -> None:
        if not self._connected:
            return
        self._connected = False
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        self._feeds.clear()
        self._throttles.clear()
        await self._broadcast.disconnect()

    def stats(self) -> PublisherStats:
        # broadcaster keeps its queues in a private dict; read defensively (pinned alpha).
        inner: dict[str, set[Any]] = getattr(self._broadcast, "_subscribers", {})
        return PublisherStats(
            subscribers=sum(len(feed.queues) for feed in self._feeds.values()),
            channels=len(self._feeds),
            broadcast_queues=sum(len(queues) for queues in inner.values()),
            tasks=len(self._tasks),
        )

    def _wire(self, channel: str) -> str:
        return f"{self.namespace}:{channel}"

    async def publish(self, channel: str, event: Mapping[str, Any]) -> bool:
        """Send `event` (a small JSON-able dict) to every subscriber of `channel`, anywhere.

        Returns False when it could not be sent: realtime is best-effort and a caller that
        has already committed its change must not fail because Redis is away.
        """
        if not self._connected:
            _log.debug("publisher not connected; dropped %s event", channel)
            return False
        message = json.dumps(dict(event), separators=(",", ":"), default=str)
        try:
            await self._broadcast.publish(self._wire(channel), message)
        except (RedisError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            _publish_warnings.warning(
                "publish", "could not publish realtime events (%s event): %s", channel, exc
            )
            return False
        EVENTS_PUBLISHED.labels(channel_kind(channel)).inc()
        return True

    async def publish_throttled(
        self, channel: str, event: Mapping[str, Any], *, interval: float = 1.0
    ) -> None:
        """Publish at most once per `interval` per channel; a burst ends with its latest event.

        The first event of a quiet period goes out at once; later ones within the window
        replace each other and the last one is sent when the window closes.
        """
        loop = asyncio.get_running_loop()
        now = loop.time()
        state = self._throttles.get(channel)
        if state is None or (state.timer is None and now - state.last >= interval):
            self._prune_throttles(now, interval)
            self._throttles[channel] = _Throttle(last=now)
            await self.publish(channel, event)
            return
        state.pending = event
        if state.timer is None:
            delay = max(0.0, state.last + interval - now)
            state.timer = self._spawn(self._flush_throttled(channel, state, delay), "throttle")

    async def _flush_throttled(self, channel: str, state: _Throttle, delay: float) -> None:
        await asyncio.sleep(delay)
        event, state.pending = state.pending, None
        state.last = asyncio.get_running_loop().time()
        state.timer = None
        if event is not None:
            await self.publish(channel, event)

    def _prune_throttles(self, now: float, interval: float) -> None:
        if len(self._throttles) < _THROTTLE_PRUNE_AT:
            return
        for name, state in list(self._throttles.items()):
            if state.timer is None and now - state.last >= interval:
                del self._throttles[name]

    async def subscribe(self, channel: str) -> AsyncGenerator[ReceivedEvent, None]:
        """Events on `channel` from now on, until the caller stops iterating.

        Close it with `contextlib.aclosing` (or cancel the task): that is what releases the
        queue and, for the channel's last subscriber, the broadcaster subscription. The
        stream simply ends when this subscriber fell too far behind or the publisher shut
        down; the client can subscribe again.
        """
        if not self._connected:
            raise RuntimeError("Publisher.connect() has not been called (app lifespan not run)")
        feed = self._feeds.get(channel)
        if feed is None:
            feed = _Feed(channel)
            self._feeds[channel] = feed
            feed.task = self._spawn(self._pump(feed), f"feed:{channel}")
        queue: asyncio.Queue[ReceivedEvent | None] = asyncio.Queue(self._queue_size)
        kind = channel_kind(channel)
        feed.users += 1
        try:
            await feed.ready.wait()
            if feed.closed:
                return
            feed.queues.add(queue)
            while True:
                item = await queue.get()
                if item is None:
                    return
                EVENTS_DELIVERED.labels(kind).inc()
                yield item
        finally:
            feed.queues.discard(queue)
            feed.users -= 1
            if feed.users == 0:
                await self._close_feed(feed)

    async def _close_feed(self, feed: _Feed) -> None:
        if self._feeds.get(feed.channel) is feed:
            del self._feeds[feed.channel]
        feed.closed = True
        if feed.task is not None and not feed.task.done():
            feed.task.cancel()
            # Wait, so the broadcaster unsubscribe has happened when the subscriber is gone.
            await asyncio.wait([feed.task])

    async def _pump(self, feed: _Feed) -> None:
        try:
            async with self._broadcast.subscribe(self._wire(feed.channel)) as source:
                feed.ready.set()
                while True:
                    raw = await source.get()
                    try:
                        data = json.loads(raw.message)
                        if not isinstance(data, dict):
                            raise TypeError(type(data).__name__)
                    except (TypeError, ValueError):
                        _log.warning("dropped a malformed event on %s", feed.channel)
                        continue
                    event = ReceivedEvent(feed.channel, data)
                    for queue in list(feed.queues):
                        self._offer(feed, queue, event)
        except Exception:
            _log.exception("realtime feed for %s failed", feed.channel)
        finally:
            if self._feeds.get(feed.channel) is feed:
                del self._feeds[feed.channel]
            feed.closed = True
            feed.ready.set()
            for queue in list(feed.queues):
                _end(queue)

    @staticmethod
    def _offer(
        feed: _Feed, queue: asyncio.Queue[ReceivedEvent | None], event: ReceivedEvent
    ) -> None:
        try:
            queue.put_nowait(event)
        except asyncio.QueueFull:
            # Dropping events silently would show the client a wrong picture; ending the
            # stream tells it to subscribe again and refetch.
            _log.warning("a subscriber of %s fell behind; ending its stream", feed.channel)
            feed.queues.discard(queue)
            _end(queue)

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.create_task(coro, name=f"autocrm-realtime:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


def _end(queue: asyncio.Queue[ReceivedEvent | None]) -> None:
    """Wake the subscriber with the end-of-stream marker, making room for it if needed."""
    while True:
        try:
            queue.put_nowait(None)
            return
        except asyncio.QueueFull:
            queue.get_nowait()
