"""Answers to identical requests, kept for a TTL: in Redis when configured (shared by every
process), in a per-process LRU otherwise. A cache that fails is a miss, never an error."""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

__all__ = ["MemoryCache", "RedisCache", "ResponseCache", "cache_key"]

_log = logging.getLogger("autocrm.ai")


def cache_key(call: str, provider: str, model: str, prompt_version: str, digest: str) -> str:
    return f"autocrm:ai:{call}:{provider}:{model}:{prompt_version}:{digest}"


class ResponseCache(Protocol):
    async def get(self, key: str) -> dict[str, Any] | None: ...

    async def set(self, key: str, value: dict[str, Any], ttl: int) -> None: ...

    async def close(self) -> None: ...


class MemoryCache:
    def __init__(self, max_entries: int) -> None:
        self._max = max_entries
        self._entries: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()

    async def get(self, key: str) -> dict[str, Any] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if expires <= time.monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    async def set(self, key: str, value: dict[str, Any], ttl: int) -> None:
        self._entries[key] = (time.monotonic() + ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    async def close(self) -> None:
        self._entries.clear()


class RedisCache:
    def __init__(self, url: str) -> None:
        self._redis: Redis = Redis.from_url(url)

    async def get(self, key: str) -> dict[str, Any] | None:
        try:
            raw = await self._redis.get(key)
        except (RedisError, OSError) as exc:
            _log.warning("AI cache unavailable; calling the provider: %s", exc)
            return None
        if raw is None:
            return None
        value: dict[str, Any] = json.loads(raw)
        return value

    async def set(self, key: str, value: dict[str, Any], ttl: int) -> None:
        try:
            await self._redis.set(key, json.dumps(value), ex=ttl)
        except (RedisError, OSError) as exc:
            _log.warning("AI cache unavailable; answer not cached: %s", exc)

    async def close(self) -> None:
        await self._redis.aclose()
