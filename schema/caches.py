"""A small LRU of parsed GraphQL documents and their validation errors, keyed by the
document text and bounded both by entries and by the total size of the texts kept.

A parsed document weighs about 100 bytes of syntax tree per character of dense query
text (a 7.7 kB, 1,700-token query is ~0.8 MB), so counting entries alone would let 256
unique maximal queries pin ~200 MB; the text budget keeps the worst case near 50 MB
while typical queries (a few kB) fill every entry.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from graphql import DocumentNode, GraphQLError

__all__ = ["CacheStats", "CachedDocument", "DocumentCache"]


@dataclass(slots=True)
class CachedDocument:
    document: DocumentNode
    # Filled on first validation; () when the document is valid.
    errors: tuple[GraphQLError, ...] | None = None
    # Cost by operation name, for requests without variables (cost depends on them).
    costs: dict[str | None, int] = field(default_factory=dict)


@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0


class DocumentCache:
    def __init__(self, *, max_entries: int = 256, max_chars: int = 512 * 1024) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._entries: OrderedDict[str, CachedDocument] = OrderedDict()
        self._chars = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def chars(self) -> int:
        return self._chars

    def get(self, text: str) -> CachedDocument | None:
        entry = self._entries.get(text)
        if entry is not None:
            self._entries.move_to_end(text)
        return entry

    def put(self, text: str, entry: CachedDocument) -> None:
        """Keeps `entry`, evicting the least recently used; a text larger than an eighth
        of the budget is not kept (it would flush everything else)."""
        if len(text) > self.max_chars // 8:
            return
        if self._entries.pop(text, None) is not None:
            self._chars -= len(text)
        self._entries[text] = entry
        self._chars += len(text)
        while len(self._entries) > self.max_entries or self._chars > self.max_chars:
            evicted, _ = self._entries.popitem(last=False)
            self._chars -= len(evicted)

    def clear(self) -> None:
        self._entries.clear()
        self._chars = 0
