"""What the Redis and PostgreSQL broadcast backends share: one supervised reader task that
reconnects with backoff, a queue of received events, and a connected flag for /readyz."""

from __future__ import annotations

import asyncio
import logging

from broadcaster import BroadcastBackend, Event

__all__ = ["SupervisedBackend"]

_log = logging.getLogger("autocrm.realtime")
_MIN_BACKOFF = 0.05


class SupervisedBackend(BroadcastBackend):
    """Subclasses run one connection in `_session` (raising when it dies) and say which
    errors mean "the server went away" (`_transient`) and how to report a loss."""

    _label = "reader"  # e.g. "Redis subscriber", named in logs and the task
    _transient: tuple[type[BaseException], ...] = (OSError,)

    def _init_supervision(self, *, max_backoff: float, connect_timeout: float) -> None:
        self._max_backoff = max_backoff
        self._connect_timeout = connect_timeout
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._connected = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        # Connections established so far: more than one means it has reconnected.
        self.sessions = 0

    @property
    def is_connected(self) -> bool:
        return self._connected.is_set()

    async def connect(self) -> None:
        """Start the reader; wait briefly for it, but never fail the app's start-up on it."""
        self._supervisor = asyncio.create_task(self._supervise(), name=f"autocrm-{self._label}")
        try:
            await asyncio.wait_for(self._connected.wait(), self._connect_timeout)
        except TimeoutError:
            _log.warning("%s is not ready yet; realtime events resume once it is", self._label)

    async def _stop_supervisor(self) -> None:
        if self._supervisor is not None:
            self._supervisor.cancel()
            await asyncio.wait([self._supervisor])
            self._supervisor = None

    async def next_published(self) -> Event:
        return await self._queue.get()

    async def _session(self) -> None:
        raise NotImplementedError

    def _report_lost(self, exc: BaseException) -> None:
        _log.warning("%s lost (%s); reconnecting", self._label, exc)

    async def _supervise(self) -> None:
        backoff = _MIN_BACKOFF
        while True:
            sessions_before = self.sessions
            try:
                await self._session()
            except self._transient as exc:
                if self.sessions != sessions_before:
                    self._report_lost(exc)
                else:
                    _log.debug("%s cannot connect yet: %s", self._label, exc)
            except Exception:
                # A bug must not silence every subscriber for the life of the process.
                _log.exception("%s failed; restarting it", self._label)
            if self.sessions != sessions_before:
                backoff = _MIN_BACKOFF
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self._max_backoff)
