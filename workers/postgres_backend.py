"""A broadcaster backend over PostgreSQL LISTEN/NOTIFY: realtime across server processes
with nothing but the database (the embedded default when `serve --workers N` runs several).

Like workers/redis_backend.py, one supervised connection owns the LISTENs: it is pinged
while idle, treated as dead when it stops answering or the server closes it, and replaced
with backoff, re-LISTENing every channel that still has subscribers. NOTIFY is sent from a
second connection. PostgreSQL channel names are identifiers (at most 63 bytes), so a longer
channel is carried under a digest of its name.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from typing import Any

import asyncpg
from broadcaster import Event

from workers.supervised_backend import SupervisedBackend

__all__ = ["PostgresNotifyBackend", "asyncpg_dsn"]

_log = logging.getLogger("autocrm.realtime")
_MAX_IDENTIFIER = 63


def asyncpg_dsn(url: str) -> str:
    """asyncpg's DSN for one of our SQLAlchemy URLs (postgresql+asyncpg://…)."""
    for prefix in ("postgresql+asyncpg://", "postgres+asyncpg://"):
        if url.startswith(prefix):
            return "postgresql://" + url.removeprefix(prefix)
    return url


def wire_name(channel: str) -> str:
    """The LISTEN/NOTIFY name for `channel` (a digest when it is too long to be one)."""
    if len(channel.encode()) <= _MAX_IDENTIFIER:
        return channel
    return "autocrm_" + hashlib.sha256(channel.encode()).hexdigest()[:48]


class PostgresNotifyBackend(SupervisedBackend):
    """`BroadcastBackend` over asyncpg LISTEN/NOTIFY with a supervised listener."""

    _label = "PostgreSQL listener"
    _transient = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError)

    def __init__(
        self,
        url: str,
        *,
        ping_interval: float = 1.0,
        dead_after: float = 3.0,
        max_backoff: float = 2.0,
        connect_timeout: float = 5.0,
    ) -> None:
        self._dsn = asyncpg_dsn(url)
        self._ping_interval = ping_interval
        self._dead_after = dead_after
        self._init_supervision(max_backoff=max_backoff, connect_timeout=connect_timeout)
        self._channels: dict[str, str] = {}  # wire name → channel
        self._listener: asyncpg.Connection | None = None
        self._sender: asyncpg.Connection | None = None
        self._send_lock = asyncio.Lock()

    async def disconnect(self) -> None:
        await self._stop_supervisor()
        if self._sender is not None:
            with contextlib.suppress(Exception):
                await self._sender.close(timeout=2)
            self._sender = None

    async def subscribe(self, channel: str) -> None:
        wire = wire_name(channel)
        self._channels[wire] = channel
        listener = self._listener
        if listener is not None:
            # A failure here is the supervisor's to notice; it re-listens on reconnect.
            with contextlib.suppress(asyncpg.PostgresError, OSError):
                await listener.add_listener(wire, self._on_notify)

    async def unsubscribe(self, channel: str) -> None:
        wire = wire_name(channel)
        self._channels.pop(wire, None)
        listener = self._listener
        if listener is not None:
            with contextlib.suppress(asyncpg.PostgresError, OSError):
                await listener.remove_listener(wire, self._on_notify)

    async def publish(self, channel: str, message: Any) -> None:
        async with self._send_lock:
            for attempt in (1, 2):
                try:
                    if self._sender is None or self._sender.is_closed():
                        self._sender = await asyncpg.connect(
                            self._dsn, timeout=self._connect_timeout
                        )
                    await self._sender.execute(
                        "SELECT pg_notify($1, $2)", wire_name(channel), str(message)
                    )
                    return
                except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError):
                    # The first send after a database restart meets a dead connection.
                    self._sender = None
                    if attempt == 2:
                        raise

    def _on_notify(self, connection: Any, pid: int, wire: str, payload: str) -> None:
        channel = self._channels.get(wire)
        if channel is not None:
            self._queue.put_nowait(Event(channel, payload))

    async def _session(self) -> None:
        """One connection's life: LISTEN, then ping until it fails, closes or goes quiet."""
        connection: asyncpg.Connection = await asyncpg.connect(
            self._dsn, timeout=self._connect_timeout
        )
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _conn: lost.set())
        try:
            # A channel subscribed while these LISTENs run adds itself on this connection.
            self._listener = connection
            for wire in list(self._channels):
                await connection.add_listener(wire, self._on_notify)
            self.sessions += 1
            if self.sessions > 1:
                _log.info("PostgreSQL listener reconnected (%d channels)", len(self._channels))
            self._connected.set()
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), self._ping_interval)
                if not lost.is_set():
                    await connection.fetchval("SELECT 1", timeout=self._dead_after)
            raise ConnectionError("the server closed the LISTEN connection")
        finally:
            if self._listener is connection:
                self._listener = None
            self._connected.clear()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), 1.0)
