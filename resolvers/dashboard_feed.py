"""The live dashboard: numbers recomputed when tickets change, at most once per interval.

One feed per process (per publisher) and window serves every dashboard subscriber: it
listens to the ticket channel, and a burst of changes costs one recomputation at once (the
first change) and one when the interval is over (the rest), not one per change and per
subscriber. The feed starts with its first subscriber and stops when the last one leaves.
Subscribers keep only the newest numbers: a slow one skips stale values, it never queues.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass

from auth.principal import Principal
from dataloaders import Loaders
from db.engine import Database
from resolvers.context import RequestContext
from resolvers.dashboard import DashboardNumbers, check_window, compute_dashboard
from resolvers.events import TICKETS_CHANNEL
from resolvers.subscriptions import still_allowed
from workers.events import Publisher

__all__ = ["COALESCE_SECONDS", "DashboardFeed", "dashboard_stream", "running_feeds"]

_log = logging.getLogger("autocrm.realtime")

COALESCE_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class _Push:
    numbers: DashboardNumbers
    # Shared by every subscriber of this push, so their permission re-checks batch.
    loaders: Loaders


_Slot = asyncio.Queue[_Push | None]


class DashboardFeed:
    def __init__(
        self, publisher: Publisher, db: Database, window_days: int, interval: float
    ) -> None:
        self.publisher = publisher
        self.db = db
        self.window_days = window_days
        self.interval = interval
        self.slots: set[_Slot] = set()
        self._dirty = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.computations = 0

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen(), name="autocrm-dashboard:listen"),
            asyncio.create_task(self._recompute(), name="autocrm-dashboard:recompute"),
        ]

    async def stop(self) -> None:
        tasks = [task for task in self._tasks if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)

    async def _listen(self) -> None:
        try:
            async with aclosing(self.publisher.subscribe(TICKETS_CHANNEL)) as events:
                async for _ in events:
                    self._dirty.set()
        except Exception:
            _log.exception("dashboard feed lost the ticket channel")
        # The channel ended (publisher shut down, or this feed fell behind): end every
        # subscriber's stream, which tells clients to subscribe again.
        _forget(self)
        for slot in list(self.slots):
            _offer(slot, None)

    async def _recompute(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time() - self.interval
        while True:
            await self._dirty.wait()
            # Leading edge: a change after a quiet spell is shown at once; the changes
            # that follow within the interval are shown together when it is over.
            wait = last + self.interval - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._dirty.clear()
            last = loop.time()
            try:
                numbers = await compute_dashboard(self.db, self.window_days)
            except Exception:
                _log.exception("dashboard recomputation failed")
                continue
            self.computations += 1
            push = _Push(numbers, Loaders(self.db))
            for slot in list(self.slots):
                _offer(slot, push)


def _offer(slot: _Slot, item: _Push | None) -> None:
    """Newest wins: replace what the subscriber has not taken yet."""
    with contextlib.suppress(asyncio.QueueEmpty):
        if slot.full():
            slot.get_nowait()
    slot.put_nowait(item)


_feeds: weakref.WeakKeyDictionary[Publisher, dict[int, DashboardFeed]] = weakref.WeakKeyDictionary()


def running_feeds(publisher: Publisher) -> list[DashboardFeed]:
    """The feeds alive in this process for `publisher` (for tests and diagnostics)."""
    return list(_feeds.get(publisher, {}).values())


def _forget(feed: DashboardFeed) -> None:
    feeds = _feeds.get(feed.publisher)
    if feeds is not None and feeds.get(feed.window_days) is feed:
        del feeds[feed.window_days]


def _join(publisher: Publisher, db: Database, window_days: int) -> tuple[DashboardFeed, _Slot]:
    feeds = _feeds.setdefault(publisher, {})
    feed = feeds.get(window_days)
    if feed is None:
        feed = DashboardFeed(publisher, db, window_days, COALESCE_SECONDS)
        feeds[window_days] = feed
        feed.start()
    slot: _Slot = asyncio.Queue(maxsize=1)
    feed.slots.add(slot)
    return feed, slot


async def _leave(feed: DashboardFeed, slot: _Slot) -> None:
    feed.slots.discard(slot)
    if not feed.slots:
        _forget(feed)
        await feed.stop()


async def dashboard_stream(
    ctx: RequestContext, window_days: int
) -> AsyncGenerator[DashboardNumbers, None]:
    """The current numbers at once, then again whenever tickets change (coalesced)."""
    principal = ctx.require_staff()
    check_window(window_days)
    if ctx.publisher is None:
        raise RuntimeError("realtime is not configured for this request context")
    return _stream(ctx, principal, ctx.publisher, window_days)


async def _stream(
    ctx: RequestContext, principal: Principal, publisher: Publisher, window_days: int
) -> AsyncGenerator[DashboardNumbers, None]:
    # Join before the first computation, so a change made meanwhile is not missed.
    feed, slot = _join(publisher, ctx.db, window_days)
    try:
        yield await compute_dashboard(ctx.db, window_days)
        while True:
            push = await slot.get()
            if push is None:
                return
            # The rule of every live stream (resolvers/subscriptions.py): it ends on
            # logout, a revoked API key, deactivation or a change of role.
            if not await still_allowed(principal, push.loaders):
                _log.info("ending a dashboard stream: %s may no longer see it", principal.label)
                return
            yield push.numbers
    finally:
        await _leave(feed, slot)
