"""Where rate limits and AI quotas keep their counters: one Redis for every server process
when REDIS_URL is set, this process's memory otherwise."""

from __future__ import annotations

from limits.aio.storage import MemoryStorage, Storage
from limits.storage import storage_from_string

__all__ = ["limit_storage"]


def limit_storage(redis_url: str | None) -> Storage:
    """Shared across server processes when Redis is configured, per process otherwise."""
    if redis_url:
        # limits defaults to the coredis client, which is not installed; redis-py is.
        storage = storage_from_string("async+" + redis_url, implementation="redispy")
        assert isinstance(storage, Storage)
        return storage
    return MemoryStorage()
