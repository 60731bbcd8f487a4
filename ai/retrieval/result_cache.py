"""In-process cache of search results. An entry is valid while the knowledge base's
fingerprint (newest article change, article count, newest embedding) is the one it was
computed under: publishing, unpublishing, archiving or re-indexing anywhere — in this
process or another — changes the fingerprint, so a stale answer is never served. The
fingerprint is one index-only query, far cheaper than embedding and searching again."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Article, KbChunk

__all__ = ["ResultCache", "kb_fingerprint", "search_cache"]

# A safety net only: the fingerprint is what invalidates.
_TTL_SECONDS = 600.0


async def kb_fingerprint(session: AsyncSession) -> tuple[Any, ...]:
    row = (
        await session.execute(
            select(
                select(func.max(Article.updated_at)).scalar_subquery(),
                select(func.count()).select_from(Article).scalar_subquery(),
                select(func.max(KbChunk.embedded_at)).scalar_subquery(),
            )
        )
    ).one()
    return tuple(row)


class ResultCache:
    def __init__(self, max_entries: int = 512) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[float, tuple[Any, ...], Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, fingerprint: tuple[Any, ...]) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            stored_at, stored_fingerprint, value = entry
            if stored_fingerprint != fingerprint or time.monotonic() - stored_at > _TTL_SECONDS:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, fingerprint: tuple[Any, ...], value: Any) -> None:
        if self.max_entries <= 0:
            return
        with self._lock:
            self._entries[key] = (time.monotonic(), fingerprint, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def invalidate(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


# The process's cache (searches of people and the AI share it).
search_cache = ResultCache()
