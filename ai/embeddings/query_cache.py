"""A small LRU of query vectors: people and the AI ask the same questions again and again,
and a query costs the local model 15 to 30 ms of CPU."""

from __future__ import annotations

import threading
from collections import OrderedDict

__all__ = ["QueryCache"]


class QueryCache:
    def __init__(self, max_entries: int) -> None:
        self._max = max_entries
        self._entries: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, text: str) -> list[float] | None:
        with self._lock:
            vector = self._entries.get(text)
            if vector is None:
                self.misses += 1
                return None
            self._entries.move_to_end(text)
            self.hits += 1
            return vector

    def put(self, text: str, vector: list[float]) -> None:
        if self._max <= 0:
            return
        with self._lock:
            self._entries[text] = vector
            self._entries.move_to_end(text)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
